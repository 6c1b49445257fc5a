// The debugging tools' exact interface (issue: "outside checks use it"): score, tokenize,
// template; and `dseek run` on the built-in model.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../model/golden.h"
#include "run_util.h"

namespace dseek::test {
namespace {

using json = nlohmann::ordered_json;  // key order matters: tool schemas render in the given order

std::vector<json> read_jsonl(const std::string& path) {
  std::vector<json> v;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) v.push_back(json::parse(line));
  return v;
}

TEST(ScoreCli, PrefillDecodeAndOfficialMatchGoldens) {
  const std::string dir = data_path("fixtures/tiny-moe-dsa");
  auto golden = SafetensorsFile::open(dir + "/golden.exact.safetensors");
  std::vector<int64_t> toks = as_i64(golden->get("prompt0.tokens"));
  std::string ids = write_temp("ids.json", json(toks).dump());
  for (const bool decode : {false, true}) {
    std::string out = write_temp(decode ? "dec.safetensors" : "pre.safetensors", "");
    RunResult r = run_dseek("score -m " + quote(dir) + " --ids-file " + quote(ids) + " --out " + quote(out) +
                            (decode ? " --decode" : ""));
    ASSERT_EQ(r.status, 0) << r.err;
    auto f = SafetensorsFile::open(out);
    const TensorView& l = f->get("logits");
    ASSERT_EQ(l.dtype, DType::F32);
    ASSERT_EQ(l.shape, (std::vector<int64_t>{static_cast<int64_t>(toks.size()), 512}));
    std::vector<float> got = as_f32(l), want = as_f32(golden->get(decode ? "prompt0.decode.logits" : "prompt0.prefill.logits"));
    EXPECT_LE(max_abs_diff(got.data(), want.data(), got.size()), 1e-3f);
  }
  std::string out = write_temp("off.safetensors", "");
  RunResult r = run_dseek("score -m " + quote(dir) + " --ids-file " + quote(ids) + " --out " + quote(out) + " --numerics official");
  ASSERT_EQ(r.status, 0) << r.err;
  auto off = SafetensorsFile::open(dir + "/golden.official.safetensors");
  std::vector<float> got = as_f32(SafetensorsFile::open(out)->get("logits")), want = as_f32(off->get("prompt0.prefill.logits"));
  double mean = 0;
  for (size_t i = 0; i < got.size(); ++i) mean += std::fabs(got[i] - want[i]);
  EXPECT_LE(mean / got.size(), 0.8);
}

TEST(ScoreCli, BadIdsFile) {
  std::string dir = data_path("fixtures/tiny-dense");
  RunResult r = run_dseek("score -m " + quote(dir) + " --ids-file " + quote(write_temp("bad.json", "[0, 1, 99999]")) +
                          " --out " + quote(write_temp("x.safetensors", "")));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("out of range"), std::string::npos) << r.err;
  r = run_dseek("score -m " + quote(dir) + " --ids-file " + quote(write_temp("bad2.json", "{oops")) + " --out /tmp/x");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("bad2.json"), std::string::npos) << r.err;
}

TEST(TokenizeCli, EncodeAndDecodeVectors) {
  const std::string model = repo_dir() + "/models/nano-agent";
  int n = 0;
  for (const json& v : read_jsonl(data_path("vectors/tokenizer/encode.jsonl"))) {
    if (n++ % 9) continue;  // a spread of kinds; the tokenizer tests cover every vector in-process
    RunResult r = run_dseek("tokenize -m " + quote(model) + " --text-file " + quote(write_temp("t.txt", v["text"].get<std::string>())));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(json::parse(r.out), v["ids"]) << v["case_id"];
    r = run_dseek("tokenize -m " + quote(model) + " --decode-file " + quote(write_temp("ids.json", v["ids"].dump())));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(json::parse(r.out), v["text"]) << v["case_id"];
  }
}

TEST(TemplateCli, EncodeVectors) {
  const std::string model = repo_dir() + "/models/nano-agent";
  int checked = 0;
  for (const json& v : read_jsonl(data_path("vectors/chat/encode.jsonl"))) {
    const json& in = v["input"];
    // The CLI renders a request with the defaults (BOS, drop_thinking, no context).
    if (!in["add_default_bos_token"].get<bool>() || !in["context"].is_null() || v["kind"] == "reference_quirk") continue;
    json body = {{"messages", in["messages"]}};
    RunResult r = run_dseek("template -m " + quote(model) + " --request-file " + quote(write_temp("req.json", body.dump())) +
                            (in["thinking_mode"] == "thinking" ? " --think" : ""));
    if (v["expected"].contains("error")) {
      EXPECT_NE(r.status, 0) << v["case_id"];
      EXPECT_FALSE(r.err.empty());
    } else {
      ASSERT_EQ(r.status, 0) << v["case_id"] << ": " << r.err;
      EXPECT_EQ(r.out, v["expected"]["prompt"].get<std::string>()) << v["case_id"];
    }
    ++checked;
  }
  EXPECT_GE(checked, 35);
}

TEST(TemplateCli, TopLevelToolsGoToTheSystemMessage) {
  using ojson = nlohmann::ordered_json;
  ojson tools = ojson::parse(slurp(repo_dir() + "/models/nano-agent/tools.json"));
  ojson sys = {{"role", "system"}, {"content", "You are a helpful assistant."}};
  ojson user = {{"role", "user"}, {"content", "Tell me the result of 780/137."}};
  ojson top = {{"messages", {sys, user}}, {"tools", tools}};
  ojson on_sys = sys;
  on_sys["tools"] = tools;
  ojson carried = {{"messages", {on_sys, user}}};
  RunResult a = run_dseek("template --request-file " + quote(write_temp("req1.json", top.dump())));
  RunResult b = run_dseek("template --request-file " + quote(write_temp("req2.json", carried.dump())));
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find("{\"name\": \"calculator\", \"description\""), std::string::npos) << "key order kept";
  const std::string tail = "780/137.<\uFF5CAssistant\uFF5C></think>";
  EXPECT_EQ(a.out.substr(a.out.size() - tail.size()), tail);
}

TEST(TemplateCli, ParseVectors) {
  int checked = 0;
  for (const json& v : read_jsonl(data_path("vectors/chat/parse.jsonl"))) {
    const json& in = v["input"];
    RunResult r = run_dseek("template --parse-file " + quote(write_temp("c.txt", in["text"].get<std::string>())) +
                            (in["thinking_mode"] == "thinking" ? " --think" : ""));
    if (v["expected"].contains("error")) {
      EXPECT_EQ(r.status, 1) << v["case_id"] << " should be rejected";
      EXPECT_FALSE(r.err.empty());
      continue;
    }
    ASSERT_EQ(r.status, 0) << v["case_id"] << ": " << r.err;
    json got = json::parse(r.out), want = v["expected"]["message"];
    EXPECT_EQ(got["content"], want["content"]) << v["case_id"];
    EXPECT_EQ(got["reasoning_content"], want["reasoning_content"]) << v["case_id"];
    ASSERT_EQ(got["tool_calls"].size(), want["tool_calls"].size()) << v["case_id"];
    for (size_t i = 0; i < want["tool_calls"].size(); ++i) {
      EXPECT_EQ(got["tool_calls"][i]["function"]["name"], want["tool_calls"][i]["function"]["name"]);
      // arguments are always valid JSON; equal to the reference where the reference's is valid
      json ga = json::parse(got["tool_calls"][i]["function"]["arguments"].get<std::string>());
      if (!v["expected"]["arguments_parsed"][i].is_null()) {
        EXPECT_EQ(ga, v["expected"]["arguments_parsed"][i]) << v["case_id"];
      }
    }
    ++checked;
  }
  EXPECT_GE(checked, 15);
}

TEST(RunCli, BuiltInModelCallsTheCalculator) {
  RunResult r = run_dseek("run -p 'What is 12 * 34?' --system 'You are nano-agent, a small assistant that can use tools.' --tools " +
                          quote(repo_dir() + "/models/nano-agent/tools.json") + " --temperature 0");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("[tool call] calculator {\"expression\": "), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("tokens/s"), std::string::npos) << r.err;
}

TEST(RunCli, RawPrintsExactlyTheGeneratedTokens) {
  json s = read_jsonl(repo_dir() + "/models/nano-agent/samples.jsonl")[0];
  json body = {{"messages", s["messages"]}};
  RunResult r = run_dseek("run --raw --temperature 0 --max-tokens 160 --request-file " + quote(write_temp("req.json", body.dump())));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, s["greedy_output_text"].get<std::string>());
}

// Errors in the command line itself (what CLI11 checks) exit 2 with CLI11's message and where
// the usage is; errors found once the command runs exit 1.
TEST(Cli, UsageErrorsExit2) {
  const std::string ids = quote(write_temp("ids0.json", "[0]"));
  const std::vector<std::array<std::string, 3>> cases = {
      {"run -p hi --bogus", "--bogus", "dseek run"},                                   // unknown option
      {"score --ids-file " + ids, "--out is required", "dseek score"},                  // missing required option
      {"inspect --numerics fast", "--numerics", "dseek inspect"},                      // a value not in the list
      {"run -p hi --max-tokens lots", "--max-tokens", "dseek run"},                    // a value that is no number
      {"perplexity --text-file", "--text-file", "dseek perplexity"},                   // an option without its value
      {"tokenize --text-file a --decode-file b", "--decode-file", "dseek tokenize"},   // options that exclude each other
      {"virtual-checkpoint --format zip --out x", "--format", "dseek virtual-checkpoint"},
      {"serve --request-timeout -1", "--request-timeout: must be >= 0, got -1", "dseek serve"},  // a number out of range
      {"frobnicate", "unknown command 'frobnicate'; one of run chat", "dseek"},         // unknown command
      {"", "subcommand", "dseek"}};                                                    // no command
  for (const auto& [args, needle, cmd] : cases) {
    RunResult r = run_dseek(args);
    EXPECT_EQ(r.status, 2) << args << ": " << r.err;
    EXPECT_NE(r.err.find("dseek: error: "), std::string::npos) << args << ": " << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << args << ": " << r.err;
    EXPECT_NE(r.err.find("run '" + cmd + " --help'"), std::string::npos) << args << ": " << r.err;
  }
  // A size too large for the byte count is the command's error (exit 1), not an overflow.
  RunResult big = run_dseek("serve --max-body-bytes 1e30");
  EXPECT_EQ(big.status, 1) << big.err;
  EXPECT_NE(big.err.find("--max-body-bytes: '1e30' is too large"), std::string::npos) << big.err;
  RunResult r = run_dseek("run --help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("--temperature"), std::string::npos) << r.out;
  r = run_dseek("--version");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "dseek 0.1.0\n");
}

// -m takes a checkpoint directory or a .gguf file (or part) in every command but quantize.
TEST(Cli, ModelOptionHelpSaysDirectoryOrGguf) {
  for (const char* cmd : {"run", "chat", "inspect", "score", "template", "bench", "serve", "perplexity", "agent"}) {
    RunResult r = run_dseek(std::string(cmd) + " --help");
    ASSERT_EQ(r.status, 0) << cmd;
    const size_t at = r.out.find("-m,--model");
    ASSERT_NE(at, std::string::npos) << cmd << ": " << r.out;
    const std::string line = r.out.substr(at, r.out.find("\n  -", at) - at);  // the description may wrap
    EXPECT_NE(line.find("checkpoint directory or .gguf file (any part of a split set)"), std::string::npos) << cmd << ": " << line;
  }
  RunResult r = run_dseek("tokenize --help");
  EXPECT_NE(r.out.find("checkpoint directory (its tokenizer.json) or .gguf file (its vocabulary)"), std::string::npos) << r.out;
  r = run_dseek("quantize --help");
  EXPECT_NE(r.out.find("Hugging Face checkpoint directory (config.json, safetensors, tokenizer.json; not a .gguf)"),
            std::string::npos)
      << r.out;
}

TEST(RunCli, BadArguments) {
  EXPECT_EQ(run_dseek("run").status, 1);
  EXPECT_EQ(run_dseek("run -p hi --max-tokens 0").status, 1);
  RunResult r = run_dseek("run -p hi -m /nonexistent");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("/nonexistent"), std::string::npos);
}

}  // namespace
}  // namespace dseek::test
