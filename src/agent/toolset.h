// The tools offered to the model (built-in and MCP), and the checked way to call one.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "agent/tool.h"

namespace dseek::agent {

// "" when `args` fits `parameters` (a JSON-schema object: `properties` with `type` (or a
// list of types) and `enum`, `required`); otherwise what is wrong, for the model. With
// `strict`, properties the schema does not declare are errors too.
std::string check_arguments(const Json& parameters, const Json& args, bool strict);

// A call after lookup and argument checks: `tool` is null when `error` says why it cannot run.
struct PreparedCall {
  Tool* tool = nullptr;
  Json args;
  std::string error;
};

class ToolSet {
 public:
  // Adds a tool after the others. Throws dseek::Error if the name is taken.
  void add(std::unique_ptr<Tool> tool);
  bool has(const std::string& name) const;
  std::vector<std::string> names() const;
  // The OpenAI `tools` array, in order.
  Json schemas() const;
  // Keeps only the tools named in a comma-separated list (their order stays). Throws
  // dseek::Error naming any unknown name and the available ones.
  void select(const std::string& csv);
  // Looks the tool up and parses and checks the JSON `arguments` text. Never throws.
  PreparedCall prepare(const std::string& name, const std::string& arguments) const;
  // Runs a prepared call. Exceptions become error results; the content is made valid UTF-8
  // and capped at max_bytes. Never throws.
  ToolResult run(const PreparedCall& call, size_t max_bytes) const;

 private:
  std::vector<std::unique_ptr<Tool>> tools_;
};

}  // namespace dseek::agent
