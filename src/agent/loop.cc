#include "agent/loop.h"

#include <chrono>
#include <cstdio>

#include "agent/markup.h"
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

std::string AgentLoop::answer_malformed(const ModelReply& reply) {
  std::string said = sanitize_utf8(strip_chat_markup(reply.message.content));
  if (said.find_first_not_of(" \t\r\n") == std::string::npos) said = "(an unreadable reply)";
  std::string tools;
  for (const auto& n : tools_.names()) tools += (tools.empty() ? "" : ", ") + n;
  const std::string feedback =
      "Format error: your last reply could not be read (" + reply.parse_error +
      "), so nothing was run. Reply again: answer in plain text, or call " +
      (tools.empty() ? std::string("no tool (none are offered)") : "one of the tools (" + tools + ")") +
      " in the tool-call format, with JSON arguments that match the tool's parameters.";
  messages_.push_back(assistant_message(said, "", Json::array()));
  messages_.push_back({{"role", "user"}, {"content", feedback}});
  return feedback;
}

TaskResult AgentLoop::run() {
  interrupt_flag().store(false);
  const auto t0 = Clock::now();
  TaskResult r;
  // Format-error exchanges live in the conversation only while the model retries: a
  // well-formed reply (or the stop) removes them, so the history, the transcript's rebuild of
  // it and the reasoning kept for the current task are as if the malformed replies never came.
  size_t clean_size = messages_.size();  // the history before the current run of malformed replies
  int malformed = 0;                      // malformed replies in a row
  std::string last_malformed;
  auto drop_retries = [&] {
    if (messages_.size() > clean_size) messages_.erase(messages_.begin() + static_cast<long>(clean_size), messages_.end());
  };
  auto give_up = [&] {
    drop_retries();
    r.stop_reason = "invalid_output";
    r.detail = "the model's reply was malformed " + std::to_string(malformed) + " times in a row (last: " +
               last_malformed + "); gave up after " + std::to_string(limits_.max_format_retries) + " retr" +
               (limits_.max_format_retries == 1 ? "y" : "ies");
    r.elapsed_s = since(t0);
    return stop(r);
  };
  for (;;) {
    r.elapsed_s = since(t0);
    if (interrupt_flag().load()) {
      drop_retries();
      r.stop_reason = "interrupted";
      r.detail = "stopped by the user (Ctrl-C); --resume the transcript to continue";
      return stop(r);
    }
    if (r.steps >= limits_.max_steps) {
      drop_retries();
      r.stop_reason = "max_steps";
      r.detail = "the step budget (" + std::to_string(limits_.max_steps) + " model calls) is used up";
      return stop(r);
    }
    if (r.elapsed_s >= limits_.max_time_s) {
      drop_retries();
      r.stop_reason = "max_time";
      r.detail = "the time budget (" + fmt_s(limits_.max_time_s) + ") is used up";
      return stop(r);
    }
    if (limits_.max_total_tokens > 0 && r.prompt_tokens + r.completion_tokens >= limits_.max_total_tokens) {
      drop_retries();
      r.stop_reason = "token_budget";
      r.detail = "the token budget (" + std::to_string(limits_.max_total_tokens) + " tokens) is used up";
      return stop(r);
    }
    if (malformed == 0) clean_size = messages_.size();
    const int step = ++r.steps;
    ModelReply reply;
    try {
      reply = model_.complete(messages_for_model(messages_, thinking_), tools_.schemas());
    } catch (const Error& e) {
      drop_retries();
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
      Json rec = {{"type", "error"},
                  {"step", step},
                  {"message", "the model's reply is not a well-formed turn: " + reply.parse_error},
                  {"raw", raw}};
      if (reply.finish_reason == "length") {  // cut off, not malformed: a retry would be cut off too
        transcript_.write(rec);
        drop_retries();
        r.stop_reason = "max_tokens";
        r.detail = "the reply was cut off at --max-tokens before it was complete";
        r.elapsed_s = since(t0);
        return stop(r);
      }
      ++malformed;
      last_malformed = reply.parse_error;
      if (malformed > limits_.max_format_retries) {
        transcript_.write(rec);
        return give_up();
      }
      rec["feedback"] = answer_malformed(reply);
      transcript_.write(rec);
      log_ << "[step " << step << "] malformed reply (" << one_line(reply.parse_error) << "): format error sent, retry "
           << malformed << " of " << limits_.max_format_retries << "\n";
      continue;
    }
    drop_retries();
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
    // Calls that all failed their checks got error results (kept: the model reads them) and
    // count as a malformed reply; one call that ran is progress.
    if (run_tool_calls(step, calls) < calls.size()) {
      malformed = 0;
      continue;
    }
    ++malformed;
    last_malformed = "no call named a known tool with fitting arguments";
    if (malformed > limits_.max_format_retries) return give_up();
    log_ << "[step " << step << "] malformed tool calls: error results sent, retry " << malformed << " of "
         << limits_.max_format_retries << "\n";
  }
}

size_t AgentLoop::run_tool_calls(int step, const Json& calls) {
  size_t rejected = 0;
  for (const auto& c : calls) {
    const std::string id = c["id"], name = c["function"]["name"], args = c["function"]["arguments"];
    log_ << "[step " << step << "] tool " << name << " " << one_line(args, 200) << "\n";
    log_.flush();
    const auto t0 = Clock::now();
    ToolResult res;
    PreparedCall p = tools_.prepare(name, args);
    rejected += p.tool == nullptr;
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
  return rejected;
}

}  // namespace dseek::agent
