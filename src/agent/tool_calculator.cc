// calculator: exact arithmetic with GNU bc (a subprocess with a timeout), not a hand parser.
#include <unistd.h>

#include "agent/builtin_tools.h"
#include "agent/process.h"

namespace dseek::agent {

namespace {

const char* kCalculatorSchema = R"({"type": "function", "function": {"name": "calculator", "description": "Evaluate an arithmetic expression.", "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]}}})";
constexpr int kScale = 20;  // decimal places bc keeps in divisions

// The expression in bc syntax: `**` -> `^`, `×` -> `*`, `÷` -> `/`. Only numbers, operators,
// parentheses and spaces pass: bc is a programming language and gets nothing else.
std::string to_bc(std::string expr) {
  // "2 + 2 =" is a common way to ask: drop a trailing '='.
  while (!expr.empty() && (expr.back() == ' ' || expr.back() == '=' || expr.back() == '\n')) expr.pop_back();
  std::string s;
  for (size_t i = 0; i < expr.size(); ++i) {
    char c = expr[i];
    if (expr.compare(i, 2, "**") == 0) {
      s += '^';
      ++i;
    } else if (expr.compare(i, 2, "\xC3\x97") == 0) {  // ×
      s += '*';
      ++i;
    } else if (expr.compare(i, 2, "\xC3\xB7") == 0) {  // ÷
      s += '/';
      ++i;
    } else if ((c >= '0' && c <= '9') || c == '.' || c == ' ' || c == '\t' || c == '+' || c == '-' || c == '*' ||
               c == '/' || c == '%' || c == '^' || c == '(' || c == ')') {
      s += c;
    } else if (c == '\n' || c == '\r') {
      s += ' ';
    } else {
      throw ToolError("unsupported character '" + std::string(1, c) +
                      "' in the expression: use numbers, + - * / % ^ (power) and parentheses");
    }
  }
  if (s.find_first_not_of(" \t") == std::string::npos) throw ToolError("the expression is empty");
  return s;
}

// bc prints ".5", "-.5", "2.50000000000000000000": normalise to "0.5", "-0.5", "2.5".
std::string tidy_number(std::string v) {
  std::string out;
  for (char c : v)
    if (c != '\\' && c != '\n') out += c;
  if (out.find('.') != std::string::npos) {
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.pop_back();
  }
  if (out.rfind(".", 0) == 0) out = "0" + out;
  if (out.rfind("-.", 0) == 0) out = "-0" + out.substr(1);
  if (out.empty() || out == "-" || out == "-0") out = "0";
  return out;
}

class CalculatorTool : public Tool {
 public:
  explicit CalculatorTool(const ToolContext& c) : Tool(Json::parse(kCalculatorSchema), false), ctx_(c) {}
  ToolResult run(const Json& args) override { return {calculate(args["expression"].get<std::string>(), ctx_), false}; }

 private:
  ToolContext ctx_;
};

}  // namespace

std::string calculate(const std::string& expression, const ToolContext& ctx) {
  std::string bc_expr = to_bc(expression);
  if (access(ctx.bc.c_str(), X_OK) != 0)
    throw ToolError("the calculator needs GNU bc (" + ctx.bc + ", Debian package `bc`), which is not installed");
  // `%` in bc is a - (a/b)*b at the current scale: integer semantics need scale 0.
  const int scale = bc_expr.find('%') != std::string::npos ? 0 : kScale;
  SpawnSpec s;
  s.argv = {ctx.bc, "-q"};
  s.env = {"BC_LINE_LENGTH=0", "PATH=/usr/bin:/bin", "LANG=C"};
  s.stdin_data = "scale=" + std::to_string(scale) + "\n" + bc_expr + "\n";
  s.limits.address_space_bytes = 512ll << 20;
  RunLimits lim;
  lim.timeout_s = ctx.calculator_timeout_s;
  lim.output_cap = 1 << 20;
  lim.kill_after_output = 1 << 20;
  ProcessResult r = run_process(s, lim);
  if (!r.error.empty()) throw ToolError("calculator failed: " + r.error);
  if (r.timed_out) throw ToolError("the calculation did not finish within the time limit (is a power too large?)");
  if (r.truncated || r.output_limit) throw ToolError("the result is too large to show");
  std::string out = r.output;
  if (out.find("error") != std::string::npos || out.find("warning") != std::string::npos ||
      out.find("standard_in") != std::string::npos || r.exit_code != 0) {
    if (out.find("Divide by zero") != std::string::npos) throw ToolError("division by zero");
    if (out.find("scale in exponent") != std::string::npos) throw ToolError("the exponent of ^ must be an integer");
    if (out.find("syntax error") != std::string::npos)
      throw ToolError("syntax error in the expression '" + expression + "'");
    throw ToolError("cannot evaluate '" + expression + "': " + out);
  }
  std::string v = tidy_number(out);
  if (v.find_first_not_of("-0123456789.") != std::string::npos || v.empty())
    throw ToolError("cannot evaluate '" + expression + "'");
  return v;
}

std::unique_ptr<Tool> make_calculator_tool(const ToolContext& c) { return std::make_unique<CalculatorTool>(c); }

}  // namespace dseek::agent
