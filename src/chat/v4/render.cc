// render_message: one V4 message and the markers that follow it.
#include "chat/v4/render.h"

#include "chat/literals.h"
#include "chat/v4/dsml_render.h"
#include "chat/v4/literals.h"
#include "runtime/error.h"

namespace dseek::chat::v4::detail {
namespace {

namespace base = chat::lit;

// "content or ''": absent or any false value is "", a string as it is.
std::string optional_string(const Json& msg, const char* key, const std::string& where) {
  auto it = msg.find(key);
  if (it == msg.end() || !py_truthy(*it)) return {};
  if (!it->is_string()) throw Error(where + ": \"" + key + "\" must be a string");
  return it->get<std::string>();
}

const std::string& role_of(const Json& msg) { return msg.at("role").get_ref<const std::string&>(); }

bool has_task(const Json& msg) {
  auto it = msg.find("task");
  return it != msg.end() && !it->is_null();
}

// The tools and response_format blocks of a system or developer message.
std::string preamble(const Json& msg, const std::string& where) {
  std::string out;
  if (auto it = msg.find("tools"); it != msg.end() && py_truthy(*it)) out += "\n\n" + render_tools(*it, where);
  if (auto it = msg.find("response_format"); it != msg.end() && py_truthy(*it)) {
    out += "\n\n";
    out += base::kResponseFormatPrefix;
    out += py_dumps(*it);
  }
  return out;
}

std::string block_string(const Json& block, const char* key, const char* fallback) {
  auto it = block.find(key);
  return it == block.end() || it->is_null() ? fallback : it->get<std::string>();
}

std::string unsupported(const Json& block) { return "[Unsupported " + block_string(block, "type", "None") + "]"; }

std::string tool_result(const Json& content) {
  std::string text;
  if (content.is_string()) {
    text = content.get<std::string>();
  } else {
    for (size_t k = 0; k < content.size(); ++k) {
      if (k) text += "\n\n";
      const Json& b = content[k];
      text += block_string(b, "type", "") == "text" ? block_string(b, "text", "") : unsupported(b);
    }
  }
  return std::string(lit::kToolResultOpen) + text + std::string(lit::kToolResultClose);
}

std::string user_blocks(const Json& msg) {
  std::string out;
  const Json& blocks = msg.at("content_blocks");
  for (size_t k = 0; k < blocks.size(); ++k) {
    if (k) out += "\n\n";
    const Json& b = blocks[k];
    std::string type = block_string(b, "type", "");
    if (type == "text") {
      out += block_string(b, "text", "");
    } else if (type == "tool_result") {
      out += tool_result(b.at("content"));
    } else {
      out += unsupported(b);
    }
  }
  return out;
}

std::string task_token(const Json& task, const std::string& where) {
  if (task.is_string()) {
    for (const lit::Task& t : lit::kTasks) {
      if (t.name == task.get_ref<const std::string&>()) return std::string(t.token);
    }
  }
  std::string valid;
  for (const lit::Task& t : lit::kTasks) valid += std::string(valid.empty() ? "" : ", ") + "'" + std::string(t.name) + "'";
  throw Error(where + ": Invalid task: '" + (task.is_string() ? task.get<std::string>() : task.dump()) +
              "'. Valid tasks are: [" + valid + "]");
}

}  // namespace

std::string render_message(size_t index, const std::vector<Turn>& turns, const EncodeOptions& opt,
                           bool drop_thinking) {
  const Json& msg = turns[index].msg;
  const std::string& where = turns[index].where;
  const std::string& role = role_of(msg);
  const long last_user = last_user_index(turns);
  const long at = static_cast<long>(index);

  std::string prompt;
  if (index == 0 && opt.thinking && opt.reasoning_effort == ReasoningEffort::Max) prompt += lit::kEffortMaxPrompt;

  if (role == "system") {
    prompt += optional_string(msg, "content", where) + preamble(msg, where);
  } else if (role == "developer") {
    std::string content = optional_string(msg, "content", where);
    if (content.empty()) throw Error(where + ": Invalid message for role `developer`: its content is empty");
    prompt += base::kUser;
    prompt += content + preamble(msg, where);
  } else if (role == "user") {
    prompt += base::kUser;
    prompt += user_blocks(msg);
  } else if (role == "latest_reminder") {
    auto it = msg.find("content");
    if (it == msg.end() || !it->is_string()) throw Error(where + ": latest_reminder content must be a string");
    prompt += lit::kLatestReminder;
    prompt += it->get<std::string>();
  } else if (role == "assistant") {
    std::string calls;
    if (auto it = msg.find("tool_calls"); it != msg.end() && py_truthy(*it)) calls = render_tool_calls(*it, where);
    std::string content = optional_string(msg, "content", where);
    std::string reasoning = optional_string(msg, "reasoning_content", where);
    bool after_task = index > 0 && has_task(turns[index - 1].msg);
    if (opt.thinking && !after_task && (!drop_thinking || at > last_user)) {
      prompt += reasoning;
      prompt += base::kThinkClose;
    }
    prompt += content + calls;
    auto wo_eos = msg.find("wo_eos");
    if (wo_eos == msg.end() || !py_truthy(*wo_eos)) prompt += base::kEos;
  } else {
    throw Error(where + ": Unknown role: " + role +
                " (expected system, developer, user, assistant, tool or latest_reminder)");
  }

  // What follows: nothing before a message other than assistant or latest_reminder, nor after
  // the last one without a generation prompt.
  if (index + 1 < turns.size()) {
    const std::string& next = role_of(turns[index + 1].msg);
    if (next != "assistant" && next != "latest_reminder") return prompt;
  } else if (!opt.add_generation_prompt) {
    return prompt;
  }
  if (has_task(msg)) {
    const Json& task = msg.at("task");
    std::string token = task_token(task, where);
    if (task != "action") return prompt + token;
    prompt += base::kAssistant;
    prompt += opt.thinking ? base::kThinkOpen : base::kThinkClose;
    return prompt + token;
  }
  if (role == "user" || role == "developer") {
    prompt += base::kAssistant;
    prompt += opt.thinking && (!drop_thinking || at >= last_user) ? base::kThinkOpen : base::kThinkClose;
  }
  return prompt;
}

}  // namespace dseek::chat::v4::detail
