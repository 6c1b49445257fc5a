// A tool the model can call: an OpenAI function schema plus the code that runs it.
#pragma once
#include <string>

#include "chat/chat.h"

namespace dseek::agent {

using Json = chat::Json;

// What a call returns to the model (the `content` of the tool message).
struct ToolResult {
  std::string content;
  bool is_error = false;
};

// Thrown by a tool's run() for a failure the model should read (bad path, missing file...);
// the tool set turns it into an error result.
struct ToolError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Tool {
 public:
  virtual ~Tool() = default;
  // {"type": "function", "function": {"name", "description", "parameters"}}
  const Json& schema() const { return schema_; }
  std::string name() const { return schema_["function"]["name"].get<std::string>(); }
  const Json& parameters() const { return schema_["function"]["parameters"]; }
  // Whether a call changes something outside the agent (files, processes): such calls go
  // through the approval policy.
  bool side_effecting() const { return side_effecting_; }
  // Whether arguments not declared in the schema are rejected.
  bool strict() const { return strict_; }
  // Runs the call; `args` already matches parameters(). Throws ToolError for failures.
  virtual ToolResult run(const Json& args) = 0;

 protected:
  Tool(Json schema, bool side_effecting, bool strict = true)
      : schema_(std::move(schema)), side_effecting_(side_effecting), strict_(strict) {}

 private:
  Json schema_;
  bool side_effecting_, strict_;
};

}  // namespace dseek::agent
