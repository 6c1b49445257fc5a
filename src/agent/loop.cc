#include "agent/loop.h"

#include <chrono>
#include <cstdio>

#include "agent/process.h"
#include "agent/text.h"
#include "runtime/error.h"

namespace dseek::agent {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string fmt_s(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f s", s);
  return b;
}

}  // namespace

Json messages_for_model(const Json& messages, bool thinking) {
  Json out = messages;
  long last_user = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    const std::string role = out[i].value("role", std::string());
    if (role == "user" || role == "developer") last_user = static_cast<long>(i);
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].value("role", std::string()) != "assistant") continue;
    if (static_cast<long>(i) < last_user)
      out[i].erase("reasoning_content");
    else if (thinking && !out[i].contains("reasoning_content"))
      out[i]["reasoning_content"] = "";
  }
  return out;
}

AgentLoop::AgentLoop(ModelClient& model, ToolSet& tools, Approver& approver, Transcript& transcript, std::ostream& log,
                     LoopLimits limits, Json messages)
    : model_(model), tools_(tools), approver_(approver), transcript_(transcript), log_(log), limits_(limits),
      messages_(std::move(messages)) {
  for (const auto& m : messages_)
    if (m.contains("tool_calls")) next_call_id_ += static_cast<long>(m["tool_calls"].size());
}

void AgentLoop::reset() {
  Json keep = Json::array();
  if (!messages_.empty() && messages_[0].value("role", std::string()) == "system") keep.push_back(messages_[0]);
  messages_ = keep;
}

TaskResult AgentLoop::run_task(const std::string& task) {
  messages_.push_back({{"role", "user"}, {"content", task}});
  transcript_.write({{"type", "task"}, {"content", task}});
  return run();
}

TaskResult AgentLoop::continue_task(const Json& unanswered) {
  answer_interrupted(unanswered);
  return run();
}

void AgentLoop::answer_interrupted(const Json& unanswered) {
  for (const auto& c : unanswered) {
    ToolResult r{"error: this call was interrupted (the agent stopped before its result was recorded); "
                 "its effects are unknown",
                 true};
    add_tool_result(c.value("id", std::string()), c.value("name", std::string()), r, 0);
  }
}

void AgentLoop::add_tool_result(const std::string& id, const std::string& name, const ToolResult& res,
                                double elapsed_s) {
  messages_.push_back({{"role", "tool"}, {"tool_call_id", id}, {"content", res.content}});
  transcript_.write({{"type", "tool_result"},
                     {"tool_call_id", id},
                     {"name", name},
                     {"content", res.content},
                     {"is_error", res.is_error},
                     {"elapsed_s", elapsed_s}});
}

TaskResult AgentLoop::stop(TaskResult r) {
  transcript_.write({{"type", "final"},
                     {"content", r.content},
                     {"stop_reason", r.stop_reason},
                     {"detail", r.detail},
                     {"steps", r.steps},
                     {"elapsed_s", r.elapsed_s},
                     {"prompt_tokens", r.prompt_tokens},
                     {"completion_tokens", r.completion_tokens}});
  if (r.answered())
    log_ << "[done] answered after " << r.steps << " step" << (r.steps == 1 ? "" : "s") << ", " << fmt_s(r.elapsed_s)
         << "\n";
  else
    log_ << "[stopped] " << r.stop_reason << ": " << r.detail << " (" << r.steps << " step"
         << (r.steps == 1 ? "" : "s") << ", " << fmt_s(r.elapsed_s) << ")\n";
  log_.flush();
  return r;
}

TaskResult AgentLoop::run() {
  interrupt_flag().store(false);
  const auto t0 = Clock::now();
  TaskResult r;
  for (;;) {
    r.elapsed_s = since(t0);
    if (interrupt_flag().load()) {
      r.stop_reason = "interrupted";
      r.detail = "stopped by the user (Ctrl-C); --resume the transcript to continue";
      return stop(r);
    }
    if (r.steps >= limits_.max_steps) {
      r.stop_reason = "max_steps";
      r.detail = "the step budget (" + std::to_string(limits_.max_steps) + " model calls) is used up";
      return stop(r);
    }
    if (r.elapsed_s >= limits_.max_time_s) {
      r.stop_reason = "max_time";
      r.detail = "the time budget (" + fmt_s(limits_.max_time_s) + ") is used up";
      return stop(r);
    }
    if (limits_.max_total_tokens > 0 && r.prompt_tokens + r.completion_tokens >= limits_.max_total_tokens) {
      r.stop_reason = "token_budget";
      r.detail = "the token budget (" + std::to_string(limits_.max_total_tokens) + " tokens) is used up";
      return stop(r);
    }
    const int step = ++r.steps;
    ModelReply reply;
    try {
      reply = model_.complete(messages_for_model(messages_, thinking_), tools_.schemas());
    } catch (const Error& e) {
      transcript_.write({{"type", "error"}, {"message", e.what()}});
      r.stop_reason = "model_error";
      r.detail = e.what();
      r.elapsed_s = since(t0);
      return stop(r);
    }
    r.prompt_tokens += reply.prompt_tokens;
    r.completion_tokens += reply.completion_tokens;
    log_ << "[step " << step << "] " << reply.prompt_tokens << " prompt + " << reply.completion_tokens
         << " generated tokens, " << fmt_s(reply.elapsed_s) << " (" << reply.finish_reason << ")\n";
    if (!reply.parse_error.empty()) {
      const std::string raw = sanitize_utf8(reply.message.content);
      transcript_.write({{"type", "error"},
                         {"message", "the model's reply is not a well-formed turn: " + reply.parse_error},
                         {"raw", raw}});
      r.stop_reason = reply.finish_reason == "length" ? "max_tokens" : "invalid_output";
      r.detail = reply.finish_reason == "length"
                     ? "the reply was cut off at --max-tokens before it was complete"
                     : "the model's reply could not be parsed (" + reply.parse_error + ")";
      r.elapsed_s = since(t0);
      return stop(r);
    }
    const chat::AssistantMessage& m = reply.message;
    Json calls = Json::array();
    for (const auto& tc : m.tool_calls) {
      std::string id = tc.id.empty() ? "call_" + std::to_string(next_call_id_) : tc.id;
      ++next_call_id_;
      calls.push_back({{"id", id}, {"type", "function"}, {"function", {{"name", tc.name}, {"arguments", tc.arguments}}}});
    }
    const std::string content = sanitize_utf8(m.content), reasoning = sanitize_utf8(m.reasoning_content);
    messages_.push_back(assistant_message(content, reasoning, calls));
    transcript_.write({{"type", "assistant"},
                       {"step", step},
                       {"content", content},
                       {"reasoning_content", reasoning},
                       {"tool_calls", calls},
                       {"finish_reason", reply.finish_reason},
                       {"prompt_tokens", reply.prompt_tokens},
                       {"completion_tokens", reply.completion_tokens},
                       {"elapsed_s", reply.elapsed_s},
                       {"timings", reply.timings}});
    if (!reasoning.empty()) log_ << "[step " << step << "] reasoning: " << one_line(reasoning) << "\n";
    if (calls.empty()) {
      r.elapsed_s = since(t0);
      if (reply.finish_reason == "length") {
        r.stop_reason = "max_tokens";
        r.detail = "the answer was cut off at --max-tokens";
        return stop(r);
      }
      r.stop_reason = "answered";
      r.content = content;
      return stop(r);
    }
    if (!content.empty()) log_ << "[step " << step << "] says: " << one_line(content) << "\n";
    run_tool_calls(step, calls);
  }
}

void AgentLoop::run_tool_calls(int step, const Json& calls) {
  for (const auto& c : calls) {
    const std::string id = c["id"], name = c["function"]["name"], args = c["function"]["arguments"];
    log_ << "[step " << step << "] tool " << name << " " << one_line(args, 200) << "\n";
    log_.flush();
    const auto t0 = Clock::now();
    ToolResult res;
    PreparedCall p = tools_.prepare(name, args);
    if (interrupt_flag().load()) {
      res = {"error: the user interrupted the agent before this call ran", true};
    } else if (p.tool && p.tool->side_effecting()) {
      Decision d = approver_.decide(name, args);
      if (!d.approved) {
        res = {d.reason, true};
        log_ << "[step " << step << "]   refused (approval: " << approval_name(approver_.policy()) << ")\n";
      } else {
        res = tools_.run(p, limits_.max_tool_result_bytes);
      }
    } else {
      res = tools_.run(p, limits_.max_tool_result_bytes);
    }
    const double dt = since(t0);
    log_ << "[step " << step << "]   " << (res.is_error ? "error " : "-> ") << one_line(res.content) << " ("
         << fmt_s(dt) << ")\n";
    add_tool_result(id, name, res, dt);
  }
}

}  // namespace dseek::agent
