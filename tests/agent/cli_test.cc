// `dseek agent` as a program: the built-in model with the calculator, an endpoint, stdin tasks.
#include <gtest/gtest.h>

#include <filesystem>

#include "agent/process.h"
#include "agent_test_util.h"

namespace dseek::agent {
namespace {

namespace fs = std::filesystem;
using test::answer_reply;
using test::FakeEndpoint;
using test::read_jsonl;
using test::records_of;
using test::Json;
using test::TempDir;
using test::tool_calls_reply;

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

struct CliRun {
  int code;
  std::string out, err;
};

// Runs `dseek agent ARGS` through bash with stdin from `input`, stdout and stderr apart.
CliRun run_cli(const std::string& args, const TempDir& scratch, const std::string& input = "") {
  SpawnSpec s;
  const std::string err = scratch / "stderr.txt";
  s.argv = {"/bin/bash", "-c", "OMP_NUM_THREADS=1 " + quote(dseek::test::dseek_binary()) + " agent " + args + " 2>" + quote(err)};
  s.stdin_data = input;
  RunLimits lim;
  lim.timeout_s = 600;
  lim.output_cap = 1 << 20;
  ProcessResult r = run_process(s, lim);
  return {r.exit_code, r.output, test::slurp(err)};
}

TEST(AgentCli, BuiltinModelUsesTheCalculatorAndAnswers) {
  TempDir work, scratch;
  const std::string t = scratch / "t.jsonl";
  CliRun r = run_cli(quote("Tell me the result of 780/137.") + " --approve auto --temperature 0 --max-steps 4" +
                         " --tools calculator,write_file,read_file,bash --workdir " + quote(work.path()) +
                         " --transcript " + quote(t),
                     scratch);
  std::cerr << r.err;
  auto recs = read_jsonl(t);
  ASSERT_FALSE(recs.empty());
  EXPECT_EQ(recs[0]["type"], "system");
  EXPECT_EQ(recs[0]["tools"], Json::parse(R"(["calculator", "write_file", "read_file", "bash"])"));
  auto assistant = records_of(recs, "assistant");
  ASSERT_GE(assistant.size(), 2u);
  ASSERT_EQ(assistant[0]["tool_calls"].size(), 1u);
  EXPECT_EQ(assistant[0]["tool_calls"][0]["function"]["name"], "calculator");
  EXPECT_GT(assistant[0]["prompt_tokens"].get<int>(), 400);
  auto results = records_of(recs, "tool_result");
  ASSERT_GE(results.size(), 1u);
  EXPECT_EQ(results[0]["name"], "calculator");
  EXPECT_EQ(results[0]["tool_call_id"], assistant[0]["tool_calls"][0]["id"]);
  auto finals = records_of(recs, "final");
  ASSERT_EQ(finals.size(), 1u);
  EXPECT_EQ(finals[0]["stop_reason"], "answered") << r.err;
  EXPECT_EQ(r.code, 0);
  // stdout is the final answer and nothing else; progress went to stderr.
  EXPECT_FALSE(finals[0]["content"].get<std::string>().empty());
  EXPECT_EQ(r.out, finals[0]["content"].get<std::string>() + "\n");
  EXPECT_NE(r.err.find("[step 1] tool calculator"), std::string::npos);
}

TEST(AgentCli, EndpointTaskPrintsOnlyTheAnswer) {
  TempDir work, scratch;
  FakeEndpoint ep({
      {200, tool_calls_reply({{"write_file", {{"path", "n.txt"}, {"content", "3\n1\n2\n"}}}}, "write")},
      {200, tool_calls_reply({{"bash", {{"command", "sort n.txt | tr '\\n' ' '"}}}}, "sort")},
      {200, answer_reply("Sorted: 1 2 3")},
  });
  CliRun r = run_cli(quote("Sort some numbers") + " --endpoint " + ep.url() + " --model-name fake --approve auto" +
                         " --workdir " + quote(work.path()),
                     scratch);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "Sorted: 1 2 3\n");
  EXPECT_NE(r.err.find("[step 2] tool bash"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[agent] sandbox: bubblewrap"), std::string::npos) << r.err;
  auto reqs = ep.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[2]["messages"][5]["content"], "1 2 3 ");
}

TEST(AgentCli, WithoutATaskReadsTasksFromStdin) {
  TempDir work, scratch;
  FakeEndpoint ep({{200, answer_reply("one")}, {200, tool_calls_reply({{"write_file", {{"path", "x"}, {"content", "y"}}}})},
                   {200, answer_reply("two")}});
  // stdin is not a terminal: the approval policy defaults to never.
  CliRun r = run_cli("--endpoint " + ep.url() + " --model-name fake --workdir " + quote(work.path()), scratch,
                     "first task\nsecond task\n");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "one\ntwo\n");
  EXPECT_NE(r.err.find("approval: never"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(work / "x"));
}

TEST(AgentCli, BadOptionsAreClearErrors) {
  TempDir scratch;
  CliRun r = run_cli("hello --workdir /nonexistent/dir", scratch);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--workdir /nonexistent/dir"), std::string::npos) << r.err;
  CliRun t = run_cli("hello --tools calculator,teleport --workdir /tmp", scratch);
  EXPECT_EQ(t.code, 1);
  EXPECT_NE(t.err.find("unknown tool \"teleport\""), std::string::npos) << t.err;
}

}  // namespace
}  // namespace dseek::agent
