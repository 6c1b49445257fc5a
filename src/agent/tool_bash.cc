// bash: a shell command in the workdir, inside the sandbox.
#include "agent/builtin_tools.h"
#include "agent/text.h"

namespace dseek::agent {

namespace {

const char* kBashSchema = R"({"type": "function", "function": {"name": "bash", "description": "Run a shell command.", "parameters": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}}})";

class BashTool : public Tool {
 public:
  explicit BashTool(const ToolContext& c) : Tool(Json::parse(kBashSchema), true), ctx_(c) {}
  ToolResult run(const Json& args) override {
    if (!ctx_.sandbox) throw ToolError("shell commands are not available in this session");
    const Sandbox& sb = *ctx_.sandbox;
    ProcessResult r = sb.run(args["command"].get<std::string>());
    RunLimits lim;
    lim.timeout_s = sb.config().timeout_s;
    lim.kill_after_output = sb.config().kill_after_output;
    bool failed = !r.error.empty() || r.timed_out || r.output_limit || r.interrupted || r.term_signal != 0;
    return {sanitize_utf8(describe_result(r, lim)), failed};
  }

 private:
  ToolContext ctx_;
};

}  // namespace

std::unique_ptr<Tool> make_bash_tool(const ToolContext& c) { return std::make_unique<BashTool>(c); }

}  // namespace dseek::agent
