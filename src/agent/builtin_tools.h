// The built-in tools. Their OpenAI schemas (documented in src/agent/README.md):
//   calculator {expression}        exact arithmetic with GNU bc                  read-only
//   write_file {path, content}     create or overwrite a text file               side effect
//   read_file  {path}              read a text file                              read-only
//   bash       {command}           run a shell command in the sandbox            side effect
//   edit_file  {path, old_text, new_text}  replace text that occurs exactly once side effect
//   list_dir   {path?}             list a directory                              read-only
// The first four schemas are byte-for-byte those of models/nano-agent/tools.json (the
// built-in model was trained on them), in that order. File paths are confined to the workdir.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "agent/sandbox.h"
#include "agent/tool.h"

namespace dseek::agent {

struct ToolContext {
  std::string workdir;               // absolute, canonical
  size_t max_read_bytes = 65536;     // read_file returns at most this much of a file
  const Sandbox* sandbox = nullptr;  // bash; null: bash refuses to run
  double calculator_timeout_s = 5;
  std::string bc = "/usr/bin/bc";
};

std::unique_ptr<Tool> make_calculator_tool(const ToolContext& ctx);
std::unique_ptr<Tool> make_write_file_tool(const ToolContext& ctx);
std::unique_ptr<Tool> make_read_file_tool(const ToolContext& ctx);
std::unique_ptr<Tool> make_bash_tool(const ToolContext& ctx);
std::unique_ptr<Tool> make_edit_file_tool(const ToolContext& ctx);
std::unique_ptr<Tool> make_list_dir_tool(const ToolContext& ctx);

// All six, in the order above.
std::vector<std::unique_ptr<Tool>> builtin_tools(const ToolContext& ctx);

// Evaluates an arithmetic expression exactly with bc (integers of any size; + - * / % ^ and
// parentheses; division to 20 decimal places, truncated). Returns the result text, or
// throws ToolError with the reason.
std::string calculate(const std::string& expression, const ToolContext& ctx);

}  // namespace dseek::agent
