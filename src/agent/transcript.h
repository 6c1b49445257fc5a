// The JSONL transcript: one JSON object a line, appended and flushed as each step happens.
// Records (all carry "type" and "time", seconds since the epoch):
//   system      {content, tools: [names], model, workdir, think}   first line of a session
//   task        {content}                                           a user turn
//   assistant   {step, content, reasoning_content, tool_calls (OpenAI form), finish_reason,
//                prompt_tokens, completion_tokens, elapsed_s, timings}
//   tool_result {tool_call_id, name, content, is_error, elapsed_s}
//   final       {content, stop_reason, steps, elapsed_s, prompt_tokens, completion_tokens}
//   error       {message}
// A transcript holds enough to rebuild the conversation (load_transcript) and continue it.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "chat/chat.h"

namespace dseek::agent {

using Json = chat::Json;

class Transcript {
 public:
  Transcript() = default;  // disabled: write() does nothing
  // Opens `path` for appending (creating it); a last line cut off by a crash is ended first.
  // Throws dseek::Error when it cannot.
  explicit Transcript(const std::string& path);
  ~Transcript();
  Transcript(const Transcript&) = delete;
  Transcript& operator=(const Transcript&) = delete;

  bool enabled() const { return f_ != nullptr; }
  const std::string& path() const { return path_; }
  // Appends one record (adding "time") and flushes it to the file.
  void write(Json record);

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
};

// A conversation rebuilt from a transcript.
struct ResumeState {
  std::string system;                // the system record's content
  Json messages = Json::array();     // OpenAI messages, system first
  std::vector<Json> records;         // every record read, in order
  // The last task has no answer: no final record (a crash) or one with a stop reason other
  // than "answered" (Ctrl-C, a budget, a model error).
  bool task_open = false;
  std::string last_stop_reason;      // of the last final record
  int tasks = 0;
  int skipped_lines = 0;             // lines that are not JSON (cut off by a crash)
  // Tool calls of the last assistant turn that have no result (the agent stopped while
  // running them): {"id", "name"} objects.
  Json unanswered_calls = Json::array();
};

// Reads a transcript. Lines that are not JSON (cut off by a crash) are skipped and counted;
// a record without "type", a missing system record or a tool result without its call
// throws dseek::Error.
ResumeState load_transcript(const std::string& path);

// The OpenAI assistant message for a turn: {"role", "content", "reasoning_content"?,
// "tool_calls"?}. reasoning_content is present only when non-empty.
Json assistant_message(const std::string& content, const std::string& reasoning, const Json& tool_calls);

}  // namespace dseek::agent
