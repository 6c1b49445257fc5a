// Mask time per token of the grammar engine on the built-in model's vocabulary (129,280 ids):
// for 5 representative schemas, random walks drawing among the allowed tokens (then closing
// the value) time Matcher::allowed() at every step. Prints median / p99 over all steps (what a
// decode step pays, cache hits included) and over the trie scans alone (cache misses), and the
// mean of what generation pays a step: the TokenConstraint's mask() (the matcher's mask applied
// to 129,280 logits, structured/json_constraint.h) on the same walk. The last row is a V3.2
// DSML tool-call grammar (structured/tool_call_grammar.h: a strict tool and a free one),
// whose walk closes with a random allowed closer (the DSML bar, a tag start, quotes,
// brackets), else takes the forced tag text.
//   build/dseek_grammar_bench [tokenizer.json] [walks]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "grammar/matcher.h"
#include "structured/json_constraint.h"
#include "structured/tool_call_grammar.h"
#include "tokenizer/tokenizer.h"

using namespace dseek;
using namespace dseek::grammar;

namespace {

const char* kSchemas[][2] = {
    {"flat object", R"({"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":150},
      "email":{"type":"string"},"admin":{"type":"boolean"}},"required":["name","age","email","admin"],"additionalProperties":false})"},
    {"array of objects", R"({"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{
      "sku":{"type":"string","maxLength":12},"qty":{"type":"integer"},"price":{"type":"number"}},"required":["sku","qty","price"]}}},"required":["items"]})"},
    {"enum + anyOf", R"({"type":"object","properties":{"color":{"enum":["red","green","blue","北京","Zürich"]},
      "value":{"anyOf":[{"type":"integer"},{"type":"string","maxLength":8},{"type":"null"}]}},"required":["color","value"]})"},
    {"recursive tree", R"({"$defs":{"n":{"type":"object","properties":{"label":{"type":"string"},"children":{"type":"array",
      "items":{"$ref":"#/$defs/n"}}},"required":["label","children"]}},"$ref":"#/$defs/n"})"},
    {"json_object", nullptr},
    {"DSML tool call", nullptr},
};

// tool_choice "required" over a strict weather tool and a free-form tool.
std::shared_ptr<const Grammar> tool_call() {
  structured::ToolCallRules r;
  r.tools = nlohmann::ordered_json::parse(R"([{"type": "function", "function": {"name": "get_weather", "strict": true,
    "parameters": {"type": "object", "properties": {"location": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]},
    "days": {"type": "integer", "minimum": 1, "maximum": 14}}, "required": ["location", "unit"], "additionalProperties": false}}},
    {"type": "function", "function": {"name": "search"}}])");
  return structured::tool_call_grammar(r);
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : std::string(DSEEK_REPO_DIR) + "/models/nano-agent/tokenizer.json";
  const int walks = argc > 2 ? std::atoi(argv[2]) : 20;
  const Tokenizer tok = Tokenizer::load(path);
  auto t0 = std::chrono::steady_clock::now();
  auto trie = TokenTrie::from_tokenizer(tok, 129280);
  auto t1 = std::chrono::steady_clock::now();
  std::printf("vocabulary %zu ids, trie %zu nodes, built in %.1f ms\n", trie->vocab_size(), trie->nodes().size(),
              std::chrono::duration<double, std::milli>(t1 - t0).count());
  const int32_t eos = tok.token_to_id("<｜end▁of▁sentence｜>");
  std::vector<int32_t> closing;
  for (char c : std::string("\"}]ntf,01")) closing.push_back(tok.token_to_id(std::string(1, c)));
  std::printf("%-18s %8s %10s %10s %10s %8s %10s %10s %10s\n", "schema", "tokens", "mean us", "median us", "p99 us", "scans",
              "scan med", "scan p99", "mask mean");
  // DSML: the bar and a tag start also close raw text (a random allowed closer each step,
  // since JSON strings take them too); where none is allowed, the forced tag bytes.
  std::vector<int32_t> dsml_closing = closing, open_closers;
  for (size_t t = 0; t < trie->vocab_size(); ++t)
    if (trie->token_bytes(static_cast<int32_t>(t)) == "｜" || trie->token_bytes(static_cast<int32_t>(t)) == "</")
      dsml_closing.push_back(static_cast<int32_t>(t));
  for (const auto& [name, text] : kSchemas) {
    const bool dsml = std::string(name) == "DSML tool call";
    auto g = text ? Grammar::compile(std::string_view(text)) : dsml ? tool_call() : Grammar::json_object();
    std::mt19937 rng(7);
    std::vector<double> all, scans, masks;
    std::vector<float> logits(trie->vocab_size());
    for (int w = 0; w < walks; ++w) {
      Matcher m(g, trie, {eos});  // cold caches each walk: a new request
      auto constraint = structured::grammar_constraint(g, trie)({eos});  // the same walk as generation sees it
      std::vector<int32_t> ids;
      for (int step = 0; step < 2000; ++step) {
        auto a = std::chrono::steady_clock::now();
        const auto& mask = m.allowed();
        auto b = std::chrono::steady_clock::now();
        const double us = std::chrono::duration<double, std::micro>(b - a).count();
        all.push_back(us);
        if (us > 200) scans.push_back(us);  // a trie scan, not a cache hit
        ids.clear();
        for (size_t i = 0; i < mask.size(); ++i)
          for (uint64_t bits = mask[i]; bits; bits &= bits - 1) ids.push_back(static_cast<int32_t>(i * 64 + __builtin_ctzll(bits)));
        std::fill(logits.begin(), logits.end(), 0.0f);
        auto c0 = std::chrono::steady_clock::now();
        constraint->mask(logits.data(), static_cast<int64_t>(logits.size()));
        masks.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - c0).count());
        int32_t pick = ids[std::uniform_int_distribution<size_t>(0, ids.size() - 1)(rng)];
        if (step >= 40) {
          const std::string forced = dsml ? m.forced_bytes() : std::string();
          size_t best = 0;
          open_closers.clear();
          if (dsml)
            for (int32_t c : dsml_closing) if (std::binary_search(ids.begin(), ids.end(), c)) open_closers.push_back(c);
          if (m.is_accepting()) pick = eos;
          else if (!open_closers.empty())
            pick = open_closers[std::uniform_int_distribution<size_t>(0, open_closers.size() - 1)(rng)];
          else if (!forced.empty())
            for (int32_t t : ids) {
              const std::string& tb = trie->token_bytes(t);
              if (tb.size() > best && forced.compare(0, tb.size(), tb) == 0) best = tb.size(), pick = t;
            }
          else for (int32_t c : closing) if (std::binary_search(ids.begin(), ids.end(), c)) { pick = c; break; }
        }
        m.accept(pick);
        constraint->accept(pick);
        if (pick == eos) break;
      }
    }
    auto mean = [](const std::vector<double>& v) { return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size(); };
    std::printf("%-18s %8zu %10.1f %10.1f %10.1f %8zu %10.1f %10.1f %10.1f\n", name, all.size(), mean(all), pct(all, 0.5),
                pct(all, 0.99), scans.size(), pct(scans, 0.5), pct(scans, 0.99), mean(masks));
  }
  return 0;
}
