// The agent loop end to end against a scripted fake OpenAI endpoint (in-process run_agent).
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "agent/agent.h"
#include "agent_test_util.h"
#include "runtime/error.h"

namespace dseek::agent {
namespace {

namespace fs = std::filesystem;
using test::answer_reply;
using test::FakeEndpoint;
using test::read_jsonl;
using test::records_of;
using test::TempDir;
using test::tool_calls_reply;

struct AgentRun {
  int code = -1;
  std::string out, log;
};

AgentOptions options(const FakeEndpoint& ep, const TempDir& work, const std::string& task) {
  AgentOptions o;
  o.task = task;
  o.workdir = work.path();
  o.endpoint = ep.url();
  o.model_name = "fake-model";
  o.approve = "auto";
  o.handle_sigint = false;
  o.http_backoff_s = 0.01;
  o.bash_timeout_s = 20;
  return o;
}

AgentRun run(const AgentOptions& o) {
  std::ostringstream out, log;
  AgentRun r;
  r.code = run_agent(o, out, log);
  r.out = out.str();
  r.log = log.str();
  return r;
}

std::vector<std::string> tool_names(const Json& request) {
  std::vector<std::string> v;
  for (const auto& t : request["tools"]) v.push_back(t["function"]["name"]);
  return v;
}

// The tool messages of a request, in order.
std::vector<std::string> tool_contents(const Json& request) {
  std::vector<std::string> v;
  for (const auto& m : request["messages"])
    if (m["role"] == "tool") v.push_back(m["content"]);
  return v;
}

TEST(AgentLoop, MultiStepTaskWithFileToolsAndBash) {
  TempDir work, logs;
  FakeEndpoint ep({
      {200, tool_calls_reply({{"write_file", {{"path", "hello.py"}, {"content", "print('hello')\n"}}}}, "R1: write it")},
      {200, tool_calls_reply({{"edit_file", {{"path", "hello.py"}, {"old_text", "hello"}, {"new_text", "hello, world"}}}},
                             "R2: fix the greeting")},
      {200, tool_calls_reply({{"read_file", {{"path", "hello.py"}}}, {"list_dir", Json::object()}}, "R3: check")},
      {200, tool_calls_reply({{"bash", {{"command", "python3 hello.py"}}}}, "R4: run it")},
      {200, answer_reply("The script prints: hello, world", "R5: done")},
  });
  AgentOptions o = options(ep, work, "Write hello.py, fix it and run it.");
  o.gen.thinking = true;
  o.transcript = logs / "t.jsonl";
  AgentRun r = run(o);
  EXPECT_EQ(r.code, 0) << r.log;
  EXPECT_EQ(r.out, "The script prints: hello, world\n");  // stdout: only the final answer
  EXPECT_EQ(test::slurp(work / "hello.py"), "print('hello, world')\n");

  auto reqs = ep.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[0]["model"], "fake-model");
  EXPECT_EQ(reqs[0]["thinking"]["type"], "enabled");
  EXPECT_EQ(tool_names(reqs[0]),
            (std::vector<std::string>{"calculator", "write_file", "read_file", "bash", "edit_file", "list_dir"}));
  EXPECT_EQ(reqs[0]["messages"][0], Json({{"role", "system"}, {"content", "You are a helpful assistant."}}));
  // Within the task every earlier assistant turn is sent back with its reasoning_content.
  for (size_t k = 1; k < reqs.size(); ++k) {
    std::vector<std::string> reasoning;
    for (const auto& m : reqs[k]["messages"])
      if (m["role"] == "assistant") reasoning.push_back(m["reasoning_content"]);
    ASSERT_EQ(reasoning.size(), k) << "request " << k;
    EXPECT_EQ(reasoning.back().substr(0, 3), "R" + std::to_string(k) + ":");
  }
  auto results = tool_contents(reqs[4]);
  ASSERT_EQ(results.size(), 5u);
  EXPECT_NE(results[0].find("Wrote 15 bytes to hello.py"), std::string::npos);
  EXPECT_NE(results[1].find("Replaced 1 occurrence"), std::string::npos);
  EXPECT_EQ(results[2], "print('hello, world')\n");
  EXPECT_EQ(results[3], "hello.py  (22 bytes)\n");
  EXPECT_EQ(results[4], "hello, world\n");
  // Tool messages answer the calls by id.
  EXPECT_EQ(reqs[4]["messages"][3]["tool_call_id"], reqs[4]["messages"][2]["tool_calls"][0]["id"]);

  auto recs = read_jsonl(o.transcript);
  ASSERT_GE(recs.size(), 2u);
  EXPECT_EQ(recs[0]["type"], "system");
  EXPECT_EQ(recs[1]["type"], "task");
  EXPECT_EQ(records_of(recs, "assistant").size(), 5u);
  EXPECT_EQ(records_of(recs, "tool_result").size(), 5u);
  auto finals = records_of(recs, "final");
  ASSERT_EQ(finals.size(), 1u);
  EXPECT_EQ(finals[0]["stop_reason"], "answered");
  EXPECT_EQ(finals[0]["content"], "The script prints: hello, world");
  auto a0 = records_of(recs, "assistant")[0];
  EXPECT_EQ(a0["reasoning_content"], "R1: write it");
  EXPECT_EQ(a0["tool_calls"][0]["function"]["name"], "write_file");
  EXPECT_EQ(a0["prompt_tokens"], 100);
  EXPECT_EQ(a0["completion_tokens"], 10);
  EXPECT_TRUE(a0.contains("elapsed_s"));
  auto t0 = records_of(recs, "tool_result")[0];
  EXPECT_EQ(t0["name"], "write_file");
  EXPECT_EQ(t0["is_error"], false);
  EXPECT_EQ(t0["tool_call_id"], a0["tool_calls"][0]["id"]);
  EXPECT_NE(r.log.find("[step 4] tool bash"), std::string::npos) << r.log;
}

TEST(AgentLoop, ReasoningOfEarlierTasksIsDropped) {
  TempDir work;
  FakeEndpoint ep({
      {200, tool_calls_reply({{"calculator", {{"expression", "2+2"}}}}, "first-task thinking")},
      {200, answer_reply("4", "first-task conclusion")},
      {200, answer_reply("8", "second-task thinking")},
  });
  AgentOptions o = options(ep, work, "");
  std::istringstream in("What is 2+2?\nAnd twice that?\n/exit\n");
  o.input = &in;
  o.gen.thinking = true;
  AgentRun r = run(o);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "4\n8\n");
  auto reqs = ep.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[1]["messages"][2]["reasoning_content"], "first-task thinking");  // same task: kept
  const Json& msgs = reqs[2]["messages"];  // system, user, assistant, tool, assistant, user
  ASSERT_EQ(msgs.size(), 6u);
  EXPECT_EQ(msgs[5]["content"], "And twice that?");
  EXPECT_FALSE(msgs[2].contains("reasoning_content"));  // an earlier task: dropped
  EXPECT_FALSE(msgs[4].contains("reasoning_content"));
  EXPECT_EQ(msgs[3]["content"], "4");
}

TEST(AgentLoop, ThinkingModeSendsTheReasoningFieldEvenWhenEmpty) {
  for (bool thinking : {true, false}) {
    TempDir work;
    FakeEndpoint ep({{200, tool_calls_reply({{"calculator", {{"expression", "2+2"}}}})}, {200, answer_reply("4")}});
    AgentOptions o = options(ep, work, "2+2?");
    o.gen.thinking = thinking;
    EXPECT_EQ(run(o).code, 0);
    const Json assistant = ep.requests()[1]["messages"][2];
    EXPECT_EQ(assistant["role"], "assistant");
    EXPECT_EQ(assistant.contains("reasoning_content"), thinking);
    EXPECT_EQ(ep.requests()[0].contains("thinking"), thinking);
  }
}

TEST(AgentLoop, RetriesServerErrorsWithBackoff) {
  TempDir work;
  FakeEndpoint ep({{500, {}}, {503, {}}, {200, answer_reply("fine now")}});
  AgentRun r = run(options(ep, work, "hello"));
  EXPECT_EQ(r.code, 0) << r.log;
  EXPECT_EQ(r.out, "fine now\n");
  EXPECT_EQ(ep.requests().size(), 3u);
  EXPECT_NE(r.log.find("HTTP 500"), std::string::npos) << r.log;
  EXPECT_NE(r.log.find("retrying"), std::string::npos);
}

TEST(AgentLoop, ReportsAnEndpointThatKeepsFailing) {
  TempDir work, logs;
  FakeEndpoint ep({{500, {}}, {500, {}}, {500, {}}});
  AgentOptions o = options(ep, work, "hello");
  o.http_attempts = 3;
  o.transcript = logs / "t.jsonl";
  AgentRun r = run(o);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(ep.requests().size(), 3u);
  EXPECT_NE(r.log.find("model_error"), std::string::npos) << r.log;
  EXPECT_NE(r.log.find("gave up after 3 attempts"), std::string::npos) << r.log;
  auto recs = read_jsonl(o.transcript);
  ASSERT_EQ(records_of(recs, "error").size(), 1u);
  EXPECT_EQ(records_of(recs, "final")[0]["stop_reason"], "model_error");
}

TEST(AgentLoop, ClientErrorsAreNotRetried) {
  TempDir work;
  FakeEndpoint ep({{400, {}}, {200, answer_reply("unused")}});
  AgentRun r = run(options(ep, work, "hello"));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(ep.requests().size(), 1u);
  EXPECT_NE(r.log.find("HTTP 400"), std::string::npos);
}

TEST(AgentLoop, SendsTheApiKeyFromTheEnvironment) {
  TempDir work;
  FakeEndpoint ep({{200, answer_reply("ok")}});
  AgentOptions o = options(ep, work, "hello");
  o.api_key_env = "DSEEK_AGENT_TEST_KEY";
  unsetenv("DSEEK_AGENT_TEST_KEY");
  EXPECT_THROW(run(o), dseek::Error);
  setenv("DSEEK_AGENT_TEST_KEY", "sk-test-123", 1);
  AgentRun r = run(o);
  unsetenv("DSEEK_AGENT_TEST_KEY");
  EXPECT_EQ(r.code, 0);
  ASSERT_EQ(ep.auth_headers().size(), 1u);
  EXPECT_EQ(ep.auth_headers()[0], "Bearer sk-test-123");
}

TEST(AgentLoop, ApprovalNeverRefusesSideEffectsAndTellsTheModel) {
  TempDir work, logs;
  FakeEndpoint ep({
      {200, tool_calls_reply({{"write_file", {{"path", "x.txt"}, {"content", "data"}}},
                              {"bash", {{"command", "touch y.txt"}}},
                              {"calculator", {{"expression", "2+2"}}}})},
      {200, answer_reply("I was not allowed to write the file.")},
  });
  AgentOptions o = options(ep, work, "Write x.txt");
  o.approve = "never";
  o.transcript = logs / "t.jsonl";
  AgentRun r = run(o);
  EXPECT_EQ(r.code, 0);
  EXPECT_FALSE(fs::exists(work / "x.txt"));
  EXPECT_FALSE(fs::exists(work / "y.txt"));
  auto results = tool_contents(ep.requests()[1]);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_NE(results[0].find("approval policy (never)"), std::string::npos) << results[0];
  EXPECT_NE(results[1].find("not run"), std::string::npos);
  EXPECT_EQ(results[2], "4");  // read-only tools still run
  auto recs = records_of(read_jsonl(o.transcript), "tool_result");
  EXPECT_EQ(recs[0]["is_error"], true);
  EXPECT_EQ(recs[2]["is_error"], false);
}

TEST(AgentLoop, ApprovalAskUsesTheAnswers) {
  TempDir work;
  FakeEndpoint ep({
      {200, tool_calls_reply({{"write_file", {{"path", "a.txt"}, {"content", "A"}}},
                              {"write_file", {{"path", "b.txt"}, {"content", "B"}}}})},
      {200, answer_reply("done")},
  });
  AgentOptions o = options(ep, work, "Write two files");
  o.approve = "ask";
  std::vector<std::string> prompts;
  std::vector<std::string> answers = {"n", "y"};
  o.ask = [&](const std::string& prompt) {
    prompts.push_back(prompt);
    return answers[prompts.size() - 1];
  };
  AgentRun r = run(o);
  EXPECT_EQ(r.code, 0);
  ASSERT_EQ(prompts.size(), 2u);
  EXPECT_NE(prompts[0].find("write_file"), std::string::npos);
  EXPECT_NE(prompts[0].find("a.txt"), std::string::npos);
  EXPECT_FALSE(fs::exists(work / "a.txt"));
  EXPECT_EQ(test::slurp(work / "b.txt"), "B");
  EXPECT_NE(tool_contents(ep.requests()[1])[0].find("did not approve"), std::string::npos);
}

TEST(AgentLoop, MalformedToolCallsAreReportedBackNotFatal) {
  TempDir work;
  FakeEndpoint ep({
      {200, tool_calls_reply({{"teleport", {{"to", "mars"}}},
                              {"calculator", Json("{\"expression\": ")},
                              {"write_file", {{"path", "a.txt"}}},
                              {"read_file", {{"path", "../../etc/passwd"}}}})},
      {200, answer_reply("Sorry.")},
  });
  AgentRun r = run(options(ep, work, "do things"));
  EXPECT_EQ(r.code, 0) << r.log;
  EXPECT_EQ(r.out, "Sorry.\n");
  auto results = tool_contents(ep.requests()[1]);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_NE(results[0].find("unknown tool \"teleport\""), std::string::npos);
  EXPECT_NE(results[1].find("not valid JSON"), std::string::npos);
  EXPECT_NE(results[2].find("missing required argument \"content\""), std::string::npos);
  EXPECT_NE(results[3].find("outside the working directory"), std::string::npos);
}

TEST(AgentLoop, McpToolsAreListedAndCalled) {
  TempDir work;
  FakeEndpoint ep({
      {200, tool_calls_reply({{"shout", {{"text", "hello mcp"}}}, {"add_numbers", {{"a", 1}, {"b", 2}}}})},
      {200, answer_reply("HELLO MCP")},
  });
  AgentOptions o = options(ep, work, "Shout hello mcp");
  o.mcp = {test::mcp_server_command()};
  o.approve = "never";  // add_numbers is read-only and still runs; shout is refused
  AgentRun r = run(o);
  EXPECT_EQ(r.code, 0) << r.log;
  auto names = tool_names(ep.requests()[0]);
  ASSERT_EQ(names.size(), 10u);
  EXPECT_EQ(names[6], "shout");
  EXPECT_EQ(names[7], "add_numbers");
  auto results = tool_contents(ep.requests()[1]);
  EXPECT_NE(results[0].find("approval policy"), std::string::npos);
  EXPECT_EQ(results[1], "3");

  FakeEndpoint ep2({{200, tool_calls_reply({{"shout", {{"text", "hello mcp"}}}})}, {200, answer_reply("ok")}});
  AgentOptions o2 = options(ep2, work, "Shout hello mcp");
  o2.mcp = {test::mcp_server_command()};
  o2.tools = "calculator,shout";
  AgentRun r2 = run(o2);
  EXPECT_EQ(r2.code, 0) << r2.log;
  EXPECT_EQ(tool_names(ep2.requests()[0]), (std::vector<std::string>{"calculator", "shout"}));
  EXPECT_EQ(tool_contents(ep2.requests()[1])[0], "HELLO MCP");
}

TEST(AgentLoop, BudgetsStopTheLoopWithAClearReason) {
  TempDir work, logs;
  std::vector<FakeEndpoint::Reply> forever;
  for (int i = 0; i < 10; ++i) forever.push_back({200, tool_calls_reply({{"calculator", {{"expression", "1+1"}}}})});
  {
    FakeEndpoint ep(forever);
    AgentOptions o = options(ep, work, "loop");
    o.limits.max_steps = 3;
    o.transcript = logs / "steps.jsonl";
    AgentRun r = run(o);
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(ep.requests().size(), 3u);
    EXPECT_NE(r.log.find("[stopped] max_steps"), std::string::npos) << r.log;
    EXPECT_EQ(records_of(read_jsonl(o.transcript), "final")[0]["stop_reason"], "max_steps");
  }
  {
    FakeEndpoint ep(forever);
    AgentOptions o = options(ep, work, "loop");
    o.limits.max_total_tokens = 150;  // 110 tokens a step
    AgentRun r = run(o);
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(ep.requests().size(), 2u);
    EXPECT_NE(r.log.find("[stopped] token_budget"), std::string::npos) << r.log;
  }
  {
    FakeEndpoint ep(forever);
    AgentOptions o = options(ep, work, "loop");
    o.limits.max_time_s = 0;
    AgentRun r = run(o);
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(ep.requests().size(), 0u);
    EXPECT_NE(r.log.find("[stopped] max_time"), std::string::npos) << r.log;
  }
  {
    Json cut = answer_reply("an answer that was cut");
    cut["choices"][0]["finish_reason"] = "length";
    FakeEndpoint ep({{200, cut}});
    AgentRun r = run(options(ep, work, "long"));
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.log.find("[stopped] max_tokens"), std::string::npos) << r.log;
  }
}

size_t read_jsonl_lines(const std::string& path) {
  std::ifstream in(path);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}

TEST(AgentLoop, ResumeContinuesAnInterruptedTask) {
  TempDir work, logs;
  const std::string t = logs / "t.jsonl";
  // A transcript cut off after the model asked for a call: the agent died running it.
  {
    std::ofstream f(t);
    f << R"({"type": "system", "content": "You are a helpful assistant.", "tools": ["write_file"]})" "\n"
      << R"({"type": "task", "content": "Write a.txt"})" "\n"
      << R"({"type": "assistant", "step": 1, "content": "", "reasoning_content": "write it",)"
      << R"( "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "write_file", "arguments": "{\"path\": \"a.txt\", \"content\": \"A\"}"}}]})" "\n"
      << R"({"type": "tool_res)";  // a half-written line
  }
  FakeEndpoint ep({{200, tool_calls_reply({{"write_file", {{"path", "a.txt"}, {"content", "A"}}}}, "retry it")},
                   {200, answer_reply("a.txt is written")}});
  AgentOptions o = options(ep, work, "");
  o.resume = t;
  o.gen.thinking = true;
  AgentRun r = run(o);
  EXPECT_EQ(r.code, 0) << r.log;
  EXPECT_EQ(r.out, "a.txt is written\n");
  EXPECT_EQ(test::slurp(work / "a.txt"), "A");
  auto reqs = ep.requests();
  ASSERT_EQ(reqs.size(), 2u);
  const Json& m = reqs[0]["messages"];
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[1]["content"], "Write a.txt");
  EXPECT_EQ(m[2]["reasoning_content"], "write it");  // still the current task
  EXPECT_EQ(m[3]["tool_call_id"], "call_1");
  EXPECT_NE(m[3]["content"].get<std::string>().find("interrupted"), std::string::npos);

  // The same transcript was appended to; a later --resume with a new task sees it all.
  auto recs = read_jsonl(t, true);
  EXPECT_EQ(recs.size() + 1, read_jsonl_lines(t));  // the cut line stays, on its own line
  EXPECT_EQ(records_of(recs, "final").size(), 1u);
  EXPECT_NE(r.log.find("skipped 1 line"), std::string::npos) << r.log;
  FakeEndpoint ep2({{200, answer_reply("yes")}});
  AgentOptions o2 = options(ep2, work, "Did you write it?");
  o2.resume = t;
  AgentRun r2 = run(o2);
  EXPECT_EQ(r2.code, 0) << r2.log;
  EXPECT_EQ(r2.out, "yes\n");
  const Json m2 = ep2.requests()[0]["messages"];
  ASSERT_EQ(m2.size(), 8u);  // system, task, assistant, tool, assistant, tool, assistant, task
  EXPECT_EQ(m2[7]["content"], "Did you write it?");
  EXPECT_FALSE(m2[2].contains("reasoning_content"));  // an earlier task now
}

TEST(AgentLoop, ResumeContinuesATaskStoppedByABudget) {
  TempDir work, logs;
  const std::string t = logs / "t.jsonl";
  FakeEndpoint ep({{200, tool_calls_reply({{"calculator", {{"expression", "1+1"}}}})}});
  AgentOptions o = options(ep, work, "What is 1+1?");
  o.limits.max_steps = 1;
  o.transcript = t;
  EXPECT_EQ(run(o).code, 2);
  FakeEndpoint ep2({{200, answer_reply("2")}});
  AgentOptions o2 = options(ep2, work, "");
  o2.resume = t;
  std::istringstream no_more_tasks("");
  o2.input = &no_more_tasks;
  AgentRun r = run(o2);
  EXPECT_EQ(r.code, 0) << r.log;
  EXPECT_EQ(r.out, "2\n");
  EXPECT_NE(r.log.find("it stopped: max_steps"), std::string::npos) << r.log;
  const Json m = ep2.requests()[0]["messages"];
  ASSERT_EQ(m.size(), 4u);  // system, task, assistant (call), tool ("2")
  EXPECT_EQ(m[3]["content"], "2");
  auto finals = records_of(read_jsonl(t), "final");
  ASSERT_EQ(finals.size(), 2u);
  EXPECT_EQ(finals[1]["stop_reason"], "answered");
}

TEST(AgentLoop, ResumeIntoANewTranscriptCopiesTheOldOne) {
  TempDir work, logs;
  FakeEndpoint ep({{200, answer_reply("first")}});
  AgentOptions o = options(ep, work, "one");
  o.transcript = logs / "a.jsonl";
  EXPECT_EQ(run(o).code, 0);
  FakeEndpoint ep2({{200, answer_reply("second")}});
  AgentOptions o2 = options(ep2, work, "two");
  o2.resume = logs / "a.jsonl";
  o2.transcript = logs / "b.jsonl";
  AgentRun r = run(o2);
  EXPECT_EQ(r.out, "second\n");
  auto a = read_jsonl(logs / "a.jsonl"), b = read_jsonl(logs / "b.jsonl");
  EXPECT_EQ(a.size(), 4u);  // untouched: system, task, assistant, final
  EXPECT_EQ(b.size(), 7u);  // a copied, then task, assistant, final
  EXPECT_EQ(ep2.requests()[0]["messages"].size(), 4u);
}

}  // namespace
}  // namespace dseek::agent
