// The agent loop: ask the model, run the tool calls it makes, feed the results back, until it
// answers without a tool call or a budget runs out.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>

#include "agent/approval.h"
#include "agent/client.h"
#include "agent/toolset.h"
#include "agent/transcript.h"

namespace dseek::agent {

struct LoopLimits {
  int max_steps = 20;               // model calls for one task
  double max_time_s = 600;          // wall time for one task (checked before each model call)
  int64_t max_total_tokens = 0;     // prompt + generated tokens for one task; 0 = no limit
  size_t max_tool_result_bytes = 16384;  // a tool result is cut to this size
  // Malformed replies in a row (unparseable tool-call markup, or tool calls that all name an
  // unknown tool or carry arguments that do not fit) answered with a format error for the
  // model to retry; one more stops the task (invalid_output). Each try is a model call (step).
  int max_format_retries = 3;
};

// How a task ended.
struct TaskResult {
  // answered | max_steps | max_time | token_budget | max_tokens (a reply hit --max-tokens) |
  // invalid_output (malformed replies past LoopLimits::max_format_retries) | model_error
  // (the model could not be reached) | interrupted (Ctrl-C)
  std::string stop_reason;
  std::string content;   // the final answer when answered
  std::string detail;    // otherwise: what happened, for the user
  int steps = 0;
  int64_t prompt_tokens = 0, completion_tokens = 0;
  double elapsed_s = 0;
  bool answered() const { return stop_reason == "answered"; }
};

// The messages as the model should see them: reasoning_content is kept on the assistant
// turns after the last user message (the current task's tool loop) and removed from earlier
// turns. This is the V3.2 chat format's rule (the local renderer applies it too), and what
// an endpoint needs: reasoning of the current tool loop sent back, earlier reasoning not.
// With `thinking`, every assistant turn of the current task carries the field (empty when
// the model gave none), as DeepSeek's API requires in thinking mode.
Json messages_for_model(const Json& messages, bool thinking = false);

class AgentLoop {
 public:
  // `messages` starts with the system message (from a transcript when resuming).
  AgentLoop(ModelClient& model, ToolSet& tools, Approver& approver, Transcript& transcript, std::ostream& log,
            LoopLimits limits, Json messages);

  const Json& messages() const { return messages_; }
  // Thinking mode: see messages_for_model.
  void set_thinking(bool on) { thinking_ = on; }
  // Drops everything but the system message (interactive /reset).
  void reset();

  // Appends `task` as a user turn (and a task record), then runs the loop.
  TaskResult run_task(const std::string& task);
  // Gives each call in `unanswered` ({"id", "name"}: calls of a resumed conversation that
  // have no result) an error result saying it was interrupted and its effects are unknown.
  void answer_interrupted(const Json& unanswered);
  // Continues the last, unfinished task of a resumed conversation: answer_interrupted, then
  // the loop runs (with fresh budgets).
  TaskResult continue_task(const Json& unanswered);

 private:
  TaskResult run();
  TaskResult stop(TaskResult r);
  // Runs the calls; returns how many were rejected before running (unknown tool, bad arguments).
  size_t run_tool_calls(int step, const Json& calls);
  // The format-error exchange for an unparseable reply: its text (markup removed) as an
  // assistant turn and a user turn saying what was wrong. Returns the user turn's text.
  std::string answer_malformed(const ModelReply& reply);
  void add_tool_result(const std::string& id, const std::string& name, const ToolResult& res, double elapsed_s);

  ModelClient& model_;
  ToolSet& tools_;
  Approver& approver_;
  Transcript& transcript_;
  std::ostream& log_;
  LoopLimits limits_;
  Json messages_;
  long next_call_id_ = 1;
  bool thinking_ = false;
};

}  // namespace dseek::agent
