// Malformed replies: the loop answers them with a format error and lets the model retry, a
// bounded number of times (LoopLimits::max_format_retries, --format-retries). A scripted
// ModelClient drives AgentLoop directly; the fake endpoint drives run_agent end to end.
#include <gtest/gtest.h>

#include <memory>
#include <sstream>

#include "agent/agent.h"
#include "agent/builtin_tools.h"
#include "agent/loop.h"
#include "agent_test_util.h"
#include "runtime/error.h"

namespace dseek::agent {
namespace {

using test::answer_reply;
using test::FakeEndpoint;
using test::read_jsonl;
using test::records_of;
using test::TempDir;
using test::tool_calls_reply;

const char* kBrokenCall =
    "Let me compute.\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"calculator\">\n"
    "<｜DSML｜parameter name=\"expression\" string=\"true\">1+2</｜DSML｜invoke>";

// Replies in order; records the messages of each call.
class ScriptedModel : public ModelClient {
 public:
  explicit ScriptedModel(std::vector<ModelReply> script) : script_(std::move(script)) {}
  ModelReply complete(const Json& messages, const Json&) override {
    seen.push_back(messages);
    if (seen.size() > script_.size()) throw Error("script exhausted");
    return script_[seen.size() - 1];
  }
  std::string describe() const override { return "scripted"; }
  std::vector<Json> seen;

 private:
  std::vector<ModelReply> script_;
};

ModelReply malformed(const std::string& finish = "stop") {
  ModelReply r;
  r.message.content = std::string(kBrokenCall) + "<｜end▁of▁sentence｜>";
  r.parse_error = "unclosed parameter";
  r.finish_reason = finish;
  return r;
}

ModelReply answer(const std::string& text) {
  ModelReply r;
  r.message.content = text;
  r.finish_reason = "stop";
  return r;
}

struct Harness {
  explicit Harness(std::vector<ModelReply> script, int retries = 3) : model(std::move(script)) {
    ToolContext ctx;
    ctx.workdir = work.path();
    tools.add(make_calculator_tool(ctx));
    limits.max_format_retries = retries;
  }
  TaskResult run(const std::string& task) {
    transcript = std::make_unique<Transcript>(work / "t.jsonl");
    loop = std::make_unique<AgentLoop>(model, tools, approver, *transcript, log, limits,
                                       Json::array({{{"role", "system"}, {"content", "sys"}}}));
    return loop->run_task(task);
  }
  TempDir work;
  ScriptedModel model;
  ToolSet tools;
  Approver approver{ApprovalPolicy::Never};
  LoopLimits limits;
  std::ostringstream log;
  std::unique_ptr<Transcript> transcript;
  std::unique_ptr<AgentLoop> loop;
};

TEST(FormatRetry, AMalformedReplyIsAnsweredAndTheRetryCounts) {
  Harness h({malformed(), answer("3")});
  TaskResult r = h.run("1+2?");
  EXPECT_EQ(r.stop_reason, "answered") << h.log.str();
  EXPECT_EQ(r.content, "3");
  EXPECT_EQ(r.steps, 2);
  ASSERT_EQ(h.model.seen.size(), 2u);
  // The retry sees its malformed turn without markup, then the format error as a user turn.
  const Json& retry = h.model.seen[1];
  ASSERT_EQ(retry.size(), 4u);
  EXPECT_EQ(retry[2]["role"], "assistant");
  EXPECT_EQ(retry[2]["content"], "Let me compute.\n\n\n\n1+2");
  EXPECT_EQ(retry[3]["role"], "user");
  const std::string feedback = retry[3]["content"];
  EXPECT_EQ(feedback.rfind("Format error: your last reply could not be read (unclosed parameter)", 0), 0u) << feedback;
  EXPECT_NE(feedback.find("one of the tools (calculator)"), std::string::npos) << feedback;
  // Once answered, the exchange is gone from the conversation.
  const Json& after = h.loop->messages();
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[2]["content"], "3");
  EXPECT_NE(h.log.str().find("malformed reply (unclosed parameter): format error sent, retry 1 of 3"), std::string::npos)
      << h.log.str();
  auto errors = records_of(read_jsonl(h.work / "t.jsonl"), "error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]["feedback"], feedback);
  EXPECT_EQ(errors[0]["step"], 1);
}

TEST(FormatRetry, StopsAfterTheBound) {
  Harness h({malformed(), malformed(), malformed(), malformed(), answer("never reached")});
  TaskResult r = h.run("1+2?");
  EXPECT_EQ(r.stop_reason, "invalid_output");
  EXPECT_EQ(h.model.seen.size(), 4u);  // the first try and 3 retries
  EXPECT_EQ(h.model.seen[3].size(), 2u + 2 * 3);  // three exchanges accumulated
  EXPECT_EQ(r.detail, "the model's reply was malformed 4 times in a row (last: unclosed parameter); gave up after 3 retries");
  EXPECT_EQ(h.loop->messages().size(), 2u);  // system + task: no leftovers
  EXPECT_NE(h.log.str().find("[stopped] invalid_output"), std::string::npos) << h.log.str();
  auto finals = records_of(read_jsonl(h.work / "t.jsonl"), "final");
  ASSERT_EQ(finals.size(), 1u);
  EXPECT_EQ(finals[0]["stop_reason"], "invalid_output");
}

TEST(FormatRetry, TheBoundIsConfigurable) {
  Harness none({malformed(), answer("3")}, 0);
  EXPECT_EQ(none.run("1+2?").stop_reason, "invalid_output");
  EXPECT_EQ(none.model.seen.size(), 1u);
  Harness one({malformed(), malformed(), answer("3")}, 1);
  TaskResult r = one.run("1+2?");
  EXPECT_EQ(r.stop_reason, "invalid_output");
  EXPECT_EQ(one.model.seen.size(), 2u);
  EXPECT_NE(r.detail.find("gave up after 1 retry"), std::string::npos) << r.detail;
}

TEST(FormatRetry, ACutOffReplyIsNotRetried) {
  Harness h({malformed("length"), answer("3")});
  EXPECT_EQ(h.run("1+2?").stop_reason, "max_tokens");
  EXPECT_EQ(h.model.seen.size(), 1u);
}

// Through the endpoint: markup the server did not parse is a malformed reply; the good call
// that follows runs and the conversation the model sees next has no trace of the retry.
TEST(FormatRetry, EndpointMarkupIsRetriedThenTheCallRuns) {
  TempDir work;
  FakeEndpoint ep({{200, answer_reply(kBrokenCall)},
                   {200, tool_calls_reply({{"calculator", {{"expression", "1+2"}}}})},
                   {200, answer_reply("3")}});
  AgentOptions o;
  o.task = "1+2?";
  o.workdir = work.path();
  o.endpoint = ep.url();
  o.model_name = "fake";
  o.approve = "never";
  o.handle_sigint = false;
  std::ostringstream out, log;
  EXPECT_EQ(run_agent(o, out, log), 0) << log.str();
  EXPECT_EQ(out.str(), "3\n");
  auto reqs = ep.requests();
  ASSERT_EQ(reqs.size(), 3u);
  const Json& retry = reqs[1]["messages"];
  EXPECT_EQ(retry.back()["role"], "user");
  EXPECT_NE(retry.back()["content"].get<std::string>().find("tool-call markup that the endpoint did not parse"),
            std::string::npos);
  EXPECT_EQ(retry[retry.size() - 2]["content"].get<std::string>().find("｜DSML｜"), std::string::npos);
  for (const auto& m : reqs[2]["messages"])
    EXPECT_EQ(m["content"].get<std::string>().find("Format error"), std::string::npos) << m.dump();
  EXPECT_EQ(reqs[2]["messages"].back()["content"], "3");  // the calculator's result
}

// Tool calls that all fail their checks count as malformed replies: their error results go
// back, and past the bound the task stops. A call that runs resets the count.
TEST(FormatRetry, UnknownToolsPastTheBoundStopTheTask) {
  TempDir work;
  std::vector<FakeEndpoint::Reply> script;
  script.push_back({200, tool_calls_reply({{"teleport", {{"to", "mars"}}}})});
  script.push_back({200, tool_calls_reply({{"calculator", {{"expr", "1"}}}})});
  script.push_back({200, tool_calls_reply({{"calculator", {{"expression", "2*3"}}}})});  // runs: count reset
  for (int i = 0; i < 3; ++i) script.push_back({200, tool_calls_reply({{"teleport", {{"to", "mars"}}}})});
  script.push_back({200, answer_reply("never reached")});
  FakeEndpoint ep(script);
  AgentOptions o;
  o.task = "go";
  o.workdir = work.path();
  o.endpoint = ep.url();
  o.model_name = "fake";
  o.approve = "never";
  o.handle_sigint = false;
  o.limits.max_format_retries = 2;
  std::ostringstream out, log;
  EXPECT_EQ(run_agent(o, out, log), 2) << log.str();
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(ep.requests().size(), 6u);
  EXPECT_NE(log.str().find("[stopped] invalid_output: the model's reply was malformed 3 times in a row (last: no call "
                           "named a known tool with fitting arguments); gave up after 2 retries"),
            std::string::npos)
      << log.str();
  // The error results went back to the model as tool turns.
  const Json second = ep.requests()[1]["messages"];
  EXPECT_EQ(second.back()["role"], "tool");
  EXPECT_NE(second.back()["content"].get<std::string>().find("unknown tool \"teleport\""), std::string::npos);
}

}  // namespace
}  // namespace dseek::agent
