// The approval policy for side-effecting tool calls (write_file, edit_file, bash, MCP tools
// not marked read-only): auto runs them, never refuses them, ask prompts on the terminal.
#pragma once
#include <functional>
#include <string>

namespace dseek::agent {

enum class ApprovalPolicy { Auto, Ask, Never };

// "auto" | "ask" | "never"; "" picks ask when stdin is a terminal, else never.
// Throws dseek::Error for anything else.
ApprovalPolicy parse_approval(const std::string& flag);
const char* approval_name(ApprovalPolicy p);

struct Decision {
  bool approved = false;
  std::string reason;  // for the model when refused
};

class Approver {
 public:
  // `ask` (tests) replaces the terminal prompt: it gets the prompt text and returns the
  // user's answer line. Without it, Ask mode reads the answer from /dev/tty.
  explicit Approver(ApprovalPolicy policy, std::function<std::string(const std::string&)> ask = {});
  ApprovalPolicy policy() const { return policy_; }

  // Decides on one call of `tool` with JSON `arguments`. Ask mode shows the call and takes
  // y(es) / n(o) / a(lways: approve every later call in this session); no terminal means no.
  Decision decide(const std::string& tool, const std::string& arguments);

 private:
  ApprovalPolicy policy_;
  std::function<std::string(const std::string&)> ask_;
  bool always_ = false;
};

}  // namespace dseek::agent
