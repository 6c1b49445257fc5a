// The sampling fields on the built-in model, by what they do to the tokens: logit_bias bans
// (a banned token never appears in a long sampled generation) and boosts (+100 dominates),
// OpenAI's frequency / presence penalties (greedy picks exactly the token the penalised
// logits rank first, checked step by step from the reported logprobs), repetition_penalty
// changes a looping greedy answer, stop_token_ids ends at the token, parallel_tool_calls
// false reports one call.
#include <gtest/gtest.h>

#include <map>

#include "chat/literals.h"
#include "server/chat_turn.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"

namespace dseek::server::test {
namespace {

const Tokenizer& tokenizer() {
  static Tokenizer t = Tokenizer::load(model_dir() + "/tokenizer.json");
  return t;
}

// Token text (as logprobs report it) -> the ids that decode to it.
const std::map<std::string, std::vector<int32_t>>& ids_by_text() {
  static const auto m = [] {
    std::map<std::string, std::vector<int32_t>> out;
    for (int32_t id = 0; id < 129280; ++id) out[tokenizer().decode({id})].push_back(id);
    return out;
  }();
  return m;
}

// The one id of a token text, or -1 when it is ambiguous (several ids, or a partial character).
int32_t unique_id(const std::string& text) {
  auto it = ids_by_text().find(text);
  if (it == ids_by_text().end() || it->second.size() != 1 || text.find("\xEF\xBF\xBD") != std::string::npos) return -1;
  return it->second[0];
}

ServerOptions ctx1024_parallel2() {
  ServerOptions o;
  o.ctx_size = 1024;
  o.parallel = 2;
  return o;
}

class SamplingFields : public SharedServerTestWith<ctx1024_parallel2> {
 protected:
  static json post(const std::string& path, const json& body) {
    auto c = server_->client();
    auto r = c.Post(path, body.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body.substr(0, 500) : "no response");
    return r && r->status == 200 ? json::parse(r->body) : json();
  }
};

json completion(json extra) {
  json b = {{"prompt", "The weather today is"}, {"max_tokens", 64}, {"ignore_eos", true}, {"temperature", 0}, {"logprobs", 5}};
  for (auto& [k, v] : extra.items()) b[k] = v;
  return b;
}

// -100 bans: every token whose text holds an 'e' (EOS among them) is banned, so 150 sampled
// tokens hold no 'e' at all (one byte cannot be split across tokens).
TEST_F(SamplingFields, LogitBiasBanNeverAppears) {
  json bias = json::object();
  for (int32_t id = 0; id < 129280; ++id)
    if (tokenizer().decode({id}).find('e') != std::string::npos) bias[std::to_string(id)] = -100;
  ASSERT_GT(bias.size(), 10000u);
  const json req = {{"prompt", "The weather today is"}, {"max_tokens", 150}, {"temperature", 1.2}, {"top_p", 1}, {"seed", 3}};
  json unbanned = req;
  unbanned["ignore_eos"] = true;  // all 150 tokens, whatever this sample's first EOS
  json plain = post("/v1/completions", unbanned);
  const std::string before = plain["choices"][0]["text"];
  EXPECT_GT(std::count(before.begin(), before.end(), 'e'), 5) << before;  // the test means something
  json r = req;
  r["logit_bias"] = bias;
  json banned = post("/v1/completions", r);
  const std::string after = banned["choices"][0]["text"];
  EXPECT_EQ(after.find('e'), std::string::npos) << after;
  EXPECT_EQ(banned["usage"]["completion_tokens"], 150);  // EOS is banned too
  EXPECT_EQ(banned["choices"][0]["finish_reason"], "length");
  // Greedy too: the banned greedy choice gives way to the next one.
  json g = completion({{"max_tokens", 8}});
  json first = post("/v1/completions", g);
  const std::string t0 = first["choices"][0]["logprobs"]["tokens"][0];
  const int32_t id0 = unique_id(t0);
  ASSERT_GE(id0, 0) << t0;
  g["logit_bias"] = {{std::to_string(id0), -100}};
  json second = post("/v1/completions", g);
  for (const auto& t : second["choices"][0]["logprobs"]["tokens"]) EXPECT_NE(t, t0);
}

// +100 dominates: sampled at temperature 1 the boosted token is every token.
TEST_F(SamplingFields, LogitBiasBoostDominates) {
  const int32_t a = tokenizer().token_to_id("a");
  ASSERT_GE(a, 0);
  json r = {{"prompt", "The weather today is"}, {"max_tokens", 24}, {"temperature", 1}, {"top_p", 1}, {"seed", 9},
            {"ignore_eos", true}, {"logit_bias", {{std::to_string(a), 100}}}};
  json out = post("/v1/completions", r);
  EXPECT_EQ(out["choices"][0]["text"], std::string(24, 'a'));
  // The chat endpoint applies it too.
  json chat = {{"messages", json::array({{{"role", "user"}, {"content", "Hello"}}})}, {"max_tokens", 6}, {"temperature", 1},
               {"seed", 9}, {"logit_bias", {{std::to_string(a), 100}}}};
  EXPECT_EQ(post("/v1/chat/completions", chat)["choices"][0]["message"]["content"], "aaaaaa");
}

struct Step {
  std::string token;
  double lp;
  std::map<std::string, double> top;
};

std::vector<Step> steps_of(const json& resp) {
  const json& lp = resp["choices"][0]["logprobs"];
  std::vector<Step> out;
  for (size_t i = 0; i < lp["tokens"].size(); ++i) {
    Step s{lp["tokens"][i], lp["token_logprobs"][i], {}};
    for (auto& [k, v] : lp["top_logprobs"][i].items()) s.top[k] = v;
    out.push_back(std::move(s));
  }
  return out;
}

int max_repeats(const std::vector<Step>& steps) {
  std::map<std::string, int> c;
  int m = 0;
  for (const auto& s : steps) m = std::max(m, ++c[s.token]);
  return m;
}

// OpenAI's definition: logit - count * frequency - (count > 0) * presence, counts over the
// generated tokens. Greedy must pick a token whose penalised logit is at least every reported
// alternative's (logprobs are the model's, so their differences are the logits').
void expect_greedy_penalised(const std::vector<Step>& steps, double frequency, double presence) {
  std::map<std::string, int> count;
  int compared = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    auto pen = [&](const std::string& t) {
      const int c = count.count(t) ? count[t] : 0;
      return c * frequency + (c > 0 ? presence : 0.0);
    };
    if (unique_id(s.token) >= 0)
      for (const auto& [alt, lp] : s.top) {
        if (alt == s.token || unique_id(alt) < 0) continue;
        EXPECT_GE(s.lp - pen(s.token), lp - pen(alt) - 1e-3) << "step " << i << ": " << s.token << " over " << alt;
        ++compared;
      }
    ++count[s.token];
  }
  EXPECT_GT(compared, 100);
}

TEST_F(SamplingFields, FrequencyAndPresencePenalties) {
  const auto plain = steps_of(post("/v1/completions", completion({})));
  const int loops = max_repeats(plain);
  ASSERT_GE(loops, 6) << "the greedy answer should repeat itself";
  // The penalties change the answer (the nano model's logits are so peaked that a penalty of 2
  // need not end every repeat; the exact rule is what expect_greedy_penalised checks).
  auto tokens = [](const std::vector<Step>& steps) {
    std::vector<std::string> out;
    for (const auto& s : steps) out.push_back(s.token);
    return out;
  };
  const auto freq = steps_of(post("/v1/completions", completion({{"frequency_penalty", 2}})));
  expect_greedy_penalised(freq, 2, 0);
  EXPECT_NE(tokens(freq), tokens(plain));
  EXPECT_LE(max_repeats(freq), loops);
  const auto pres = steps_of(post("/v1/completions", completion({{"presence_penalty", 2}})));
  expect_greedy_penalised(pres, 0, 2);
  EXPECT_NE(tokens(pres), tokens(plain));
  // Negative values reward repeats: never fewer than without.
  const auto neg = steps_of(post("/v1/completions", completion({{"frequency_penalty", -2}})));
  expect_greedy_penalised(neg, -2, 0);
  EXPECT_GE(max_repeats(neg), loops);
}

TEST_F(SamplingFields, RepetitionPenaltyBreaksTheLoop) {
  const auto plain = steps_of(post("/v1/completions", completion({})));
  const auto rep = steps_of(post("/v1/completions", completion({{"repetition_penalty", 2.0}})));
  EXPECT_LT(max_repeats(rep), max_repeats(plain));
  // 1 is off: the same tokens as without.
  const auto off = steps_of(post("/v1/completions", completion({{"repetition_penalty", 1.0}})));
  ASSERT_EQ(off.size(), plain.size());
  for (size_t i = 0; i < off.size(); ++i) EXPECT_EQ(off[i].token, plain[i].token);
}

// stop_token_ids: generation ends at the first such token, whose text is not output.
TEST_F(SamplingFields, StopTokenIds) {
  json base = completion({{"max_tokens", 24}});
  const auto plain = steps_of(post("/v1/completions", base));
  size_t k = 3;
  while (k < plain.size() && unique_id(plain[k].token) < 0) ++k;
  ASSERT_LT(k, plain.size());
  size_t first = 0;
  while (plain[first].token != plain[k].token) ++first;
  std::string want;
  for (size_t i = 0; i < first; ++i) want += plain[i].token;
  json r = base;
  r["stop_token_ids"] = {unique_id(plain[k].token)};
  json out = post("/v1/completions", r);
  EXPECT_EQ(out["choices"][0]["text"], want);
  EXPECT_EQ(out["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(out["usage"]["completion_tokens"], static_cast<int64_t>(first + 1));
  // Chat: the same rule in a message.
  json chat = {{"messages", json::array({{{"role", "user"}, {"content", "Hello"}}})}, {"temperature", 0}, {"logprobs", true}};
  json whole = post("/v1/chat/completions", chat);
  const json& entries = whole["choices"][0]["logprobs"]["content"];
  ASSERT_GT(entries.size(), 3u);
  const std::string t2 = entries[2]["token"];
  ASSERT_GE(unique_id(t2), 0) << t2;
  size_t at = 0;
  while (entries[at]["token"] != t2) ++at;
  std::string prefix;
  for (size_t i = 0; i < at; ++i) prefix += entries[i]["token"].get<std::string>();
  chat["stop_token_ids"] = {unique_id(t2)};
  json cut = post("/v1/chat/completions", chat);
  EXPECT_EQ(cut["choices"][0]["message"]["content"], prefix);
  EXPECT_EQ(cut["choices"][0]["finish_reason"], "stop");
}

// parallel_tool_calls false: only the block's first call is reported.
TEST(ParallelToolCalls, FalseReportsTheFirstCallOnly) {
  const std::string call = "<｜DSML｜invoke name=\"calculator\">\n<｜DSML｜parameter name=\"expression\" string=\"true\">1+2"
                           "</｜DSML｜parameter>\n</｜DSML｜invoke>\n";
  const std::string call2 = "<｜DSML｜invoke name=\"bash\">\n<｜DSML｜parameter name=\"command\" string=\"true\">ls"
                            "</｜DSML｜parameter>\n</｜DSML｜invoke>\n";
  const std::string text = "\n\n<｜DSML｜function_calls>\n" + call + call2 + "</｜DSML｜function_calls>" + std::string(chat::lit::kEos);
  for (int limit : {-1, 1}) {
    ChatTurn turn(tokenizer(), false, "call_t_", {}, "", -1);
    turn.set_max_tool_calls(limit);
    chat::AssistantMessage m;
    apply_deltas(m, turn.push_text(text));
    apply_deltas(m, turn.finish());
    ASSERT_EQ(m.tool_calls.size(), limit < 0 ? 2u : 1u);
    EXPECT_EQ(m.tool_calls[0].name, "calculator");
    EXPECT_EQ(m.tool_calls[0].arguments, "{\"expression\": \"1+2\"}");
    EXPECT_EQ(m.content, "");
    EXPECT_EQ(turn.finish_reason("stop"), "tool_calls");
  }
}

}  // namespace
}  // namespace dseek::server::test
