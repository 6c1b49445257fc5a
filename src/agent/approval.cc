#include "agent/approval.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "chat/chat.h"
#include "runtime/error.h"

namespace dseek::agent {

namespace {

// The call as the user should see it: bash commands verbatim, other arguments as JSON.
std::string show_call(const std::string& tool, const std::string& arguments) {
  try {
    auto a = chat::Json::parse(arguments);
    if (tool == "bash" && a.is_object() && a.contains("command") && a["command"].is_string())
      return "bash: " + a["command"].get<std::string>();
    return tool + " " + a.dump(2, ' ', false, chat::Json::error_handler_t::replace);
  } catch (const std::exception&) {
    return tool + " " + arguments;
  }
}

// Writes the prompt to /dev/tty and reads one line from it; "" when there is no terminal.
std::string ask_tty(const std::string& prompt) {
  int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return "";
  ssize_t w = write(fd, prompt.data(), prompt.size());
  (void)w;
  std::string line;
  char c;
  while (read(fd, &c, 1) == 1 && c != '\n') line += c;
  close(fd);
  return line;
}

}  // namespace

ApprovalPolicy parse_approval(const std::string& flag) {
  if (flag == "auto") return ApprovalPolicy::Auto;
  if (flag == "ask") return ApprovalPolicy::Ask;
  if (flag == "never") return ApprovalPolicy::Never;
  if (flag.empty()) return isatty(0) ? ApprovalPolicy::Ask : ApprovalPolicy::Never;
  throw Error("--approve must be auto, ask or never, got \"" + flag + "\"");
}

const char* approval_name(ApprovalPolicy p) {
  switch (p) {
    case ApprovalPolicy::Auto: return "auto";
    case ApprovalPolicy::Ask: return "ask";
    case ApprovalPolicy::Never: return "never";
  }
  return "?";
}

Approver::Approver(ApprovalPolicy policy, std::function<std::string(const std::string&)> ask)
    : policy_(policy), ask_(std::move(ask)) {}

Decision Approver::decide(const std::string& tool, const std::string& arguments) {
  if (policy_ == ApprovalPolicy::Auto || always_) return {true, ""};
  if (policy_ == ApprovalPolicy::Never)
    return {false, "error: the call was not run: the user's approval policy (never) refuses tool calls with side effects "
                   "(" + tool + "). Answer without it, or explain what you would have done."};
  std::string prompt = "\n[approve] " + show_call(tool, arguments) + "\nRun it? [y]es / [n]o / [a]lways: ";
  std::string answer = ask_ ? ask_(prompt) : ask_tty(prompt);
  while (!answer.empty() && (answer.back() == '\r' || answer.back() == ' ')) answer.pop_back();
  if (answer == "a" || answer == "always") {
    always_ = true;
    return {true, ""};
  }
  if (answer == "y" || answer == "Y" || answer == "yes") return {true, ""};
  return {false, "error: the user did not approve this call of " + tool + ", so it was not run."};
}

}  // namespace dseek::agent
