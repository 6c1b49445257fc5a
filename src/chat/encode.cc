// Prompt encoder: CHAT_FORMAT.md sections 3-6.
#include "chat/encode.h"

#include <vector>

#include "chat/literals.h"
#include "runtime/error.h"

namespace dseek::chat {
namespace {

// context + messages (M in the spec), with names for error messages.
class Conversation {
 public:
  Conversation(const Json& context, const Json& messages) {
    if (!context.is_null() && !context.is_array()) throw Error("context must be null or an array of messages");
    if (!messages.is_array()) throw Error("messages must be an array of message objects");
    if (context.is_array()) {
      for (const auto& m : context) msgs_.push_back(&m);
    }
    n_context_ = msgs_.size();
    for (const auto& m : messages) msgs_.push_back(&m);
    for (size_t i = 0; i < msgs_.size(); ++i) {
      if (!msgs_[i]->is_object()) throw Error(name(i) + " must be a JSON object");
      auto it = msgs_[i]->find("role");
      if (it == msgs_[i]->end() || !it->is_string()) throw Error(name(i) + " has no string \"role\"");
    }
  }

  size_t size() const { return msgs_.size(); }
  size_t n_context() const { return n_context_; }
  const Json& at(size_t i) const { return *msgs_[i]; }
  const std::string& role(size_t i) const { return msgs_[i]->at("role").get_ref<const std::string&>(); }

  std::string name(size_t i) const {
    return i < n_context_ ? "context[" + std::to_string(i) + "]"
                          : "messages[" + std::to_string(i - n_context_) + "]";
  }

  // L: the index of the last user or developer message, -1 if none.
  long last_user_index() const {
    long last = -1;
    for (size_t i = 0; i < msgs_.size(); ++i) {
      if (role(i) == "user" || role(i) == "developer") last = static_cast<long>(i);
    }
    return last;
  }

 private:
  std::vector<const Json*> msgs_;
  size_t n_context_ = 0;
};

// A string field that may be absent, null or another false value ("content or ''").
std::string optional_string(const Json& msg, const char* key, const std::string& where) {
  auto it = msg.find(key);
  if (it == msg.end() || !py_truthy(*it)) return {};
  if (!it->is_string()) throw Error(where + ": \"" + key + "\" must be a string");
  return it->get<std::string>();
}

// A string field that must be present (user and tool content).
std::string required_string(const Json& msg, const char* key, const std::string& where) {
  auto it = msg.find(key);
  if (it == msg.end() || !it->is_string()) {
    throw Error(where + ": \"" + key + "\" must be a string (list content is not supported)");
  }
  return it->get<std::string>();
}

// A list field where absent, null, [] (any false value) all mean "none".
const Json* optional_list(const Json& msg, const char* key, const std::string& where) {
  auto it = msg.find(key);
  if (it == msg.end() || !py_truthy(*it)) return nullptr;
  if (!it->is_array()) throw Error(where + ": \"" + key + "\" must be an array");
  return &*it;
}

// TOOLS_BLOCK(tools) (section 4): each tool's whole `function` object as one JSON line.
std::string tools_block(const Json& tools, const std::string& where) {
  std::string out(lit::kToolsBlockPrefix);
  for (size_t t = 0; t < tools.size(); ++t) {
    const Json& tool = tools[t];
    if (!tool.is_object() || !tool.contains("function") || !tool["function"].is_object()) {
      throw Error(where + ": tools[" + std::to_string(t) +
                  "] must be {\"type\": \"function\", \"function\": {...}}");
    }
    if (t) out += '\n';
    out += py_dumps(tool["function"]);
  }
  out += lit::kToolsBlockSuffix;
  return out;
}

// The optional tools and response_format blocks of a system or developer message, each
// preceded by "\n\n".
std::string preamble_blocks(const Json& msg, const std::string& where) {
  std::string out;
  if (const Json* tools = optional_list(msg, "tools", where)) {
    out += "\n\n";
    out += tools_block(*tools, where);
  }
  auto rf = msg.find("response_format");
  if (rf != msg.end() && py_truthy(*rf)) {
    out += "\n\n";
    out += lit::kResponseFormatPrefix;
    out += py_dumps(*rf);
  }
  return out;
}

// INVOKE(c) for one OpenAI tool call (section 4).
std::string invoke_block(const Json& call, const std::string& where) {
  if (!call.is_object() || !call.contains("function") || !call["function"].is_object()) {
    throw Error(where + " must be {\"type\": \"function\", \"function\": {\"name\", \"arguments\"}}");
  }
  const Json& fn = call["function"];
  auto name = fn.find("name");
  if (name == fn.end() || !name->is_string()) throw Error(where + ": function.name must be a string");
  auto args = fn.find("arguments");
  if (args == fn.end() || !args->is_string()) {
    throw Error(where + ": function.arguments must be a JSON text in a string (not an object)");
  }
  PyValue decoded;
  try {
    decoded = py_loads(args->get_ref<const std::string&>());
  } catch (const Error& e) {
    throw Error(where + ": function.arguments: " + e.what());
  }
  if (decoded.kind != PyValue::Kind::Object) throw Error(where + ": function.arguments must decode to a JSON object");

  std::string out = std::string(lit::kInvokeStart) + " name=\"" + name->get<std::string>() + "\">\n";
  for (size_t k = 0; k < decoded.members.size(); ++k) {
    const auto& [key, value] = decoded.members[k];
    if (k) out += '\n';
    bool is_string = value.kind == PyValue::Kind::String;
    out += lit::kParamStart;
    out += " name=\"" + key + "\" string=\"" + (is_string ? "true" : "false") + "\">";
    out += is_string ? value.text : py_dumps(value);
    out += lit::kParamEnd;
  }
  out += '\n';
  out += lit::kInvokeEnd;
  out += '>';
  return out;
}

class Renderer {
 public:
  Renderer(const Conversation& conv, bool thinking, bool add_generation_prompt)
      : c_(conv), thinking_(thinking), gen_prompt_(add_generation_prompt), last_user_(conv.last_user_index()) {}

  std::string render(size_t i) const {
    const std::string& role = c_.role(i);
    if (role == "system") return system(i);
    if (role == "user") return user(i);
    if (role == "developer") return developer(i);
    if (role == "assistant") return assistant(i);
    if (role == "tool") return tool(i);
    throw Error(c_.name(i) + ": unknown role \"" + role + "\" (expected system, developer, user, assistant or tool)");
  }

 private:
  // T(i): the marker after a user or developer turn.
  std::string_view turn_marker(size_t i) const {
    return thinking_ && static_cast<long>(i) == last_user_ ? lit::kThinkOpen : lit::kThinkClose;
  }

  // Whether message i is followed by the assistant's opening (always, but for the last
  // message without add_generation_prompt).
  bool opens(size_t i) const { return gen_prompt_ || i + 1 != c_.size(); }

  std::string system(size_t i) const {
    const Json& m = c_.at(i);
    return optional_string(m, "content", c_.name(i)) + preamble_blocks(m, c_.name(i));
  }

  std::string user(size_t i) const {
    std::string out(lit::kUser);
    out += required_string(c_.at(i), "content", c_.name(i));
    if (!opens(i)) return out;
    out += lit::kAssistant;
    out += turn_marker(i);
    return out;
  }

  std::string developer(size_t i) const {
    const Json& m = c_.at(i);
    std::string content = optional_string(m, "content", c_.name(i));
    if (content.empty()) throw Error(c_.name(i) + ": a developer message needs non-empty content");
    std::string out(lit::kUser);
    out += preamble_blocks(m, c_.name(i));
    out += "\n\n";
    out += lit::kDeveloperContentPrefix;
    out += content;
    if (!opens(i)) return out;
    out += lit::kAssistant;
    out += turn_marker(i);
    return out;
  }

  std::string assistant(size_t i) const {
    const Json& m = c_.at(i);
    const std::string where = c_.name(i);
    const Json* calls = optional_list(m, "tool_calls", where);
    std::string out;
    if (thinking_ && static_cast<long>(i) > last_user_) {
      std::string reasoning = optional_string(m, "reasoning_content", where);
      if (reasoning.empty() && !calls) {
        throw Error(where + ": in thinking mode an assistant message after the last user message needs "
                            "reasoning_content or tool_calls");
      }
      out += reasoning;
      out += lit::kThinkClose;
    }
    out += optional_string(m, "content", where);
    if (calls) {
      out += "\n\n";
      out += lit::kCallsOpen;
      out += '\n';
      for (size_t k = 0; k < calls->size(); ++k) {
        if (k) out += '\n';
        out += invoke_block((*calls)[k], where + ".tool_calls[" + std::to_string(k) + "]");
      }
      out += '\n';
      out += lit::kCallsClose;
    }
    out += lit::kEos;
    return out;
  }

  std::string tool(size_t i) const {
    const std::string where = c_.name(i);
    // The assistant whose calls these results answer, and this result's 1-based position.
    const Json* owner = nullptr;
    size_t k = 1;
    if (i == 0) {
      // Degenerate case of the reference: with no earlier message it looks at the last one
      // (Python's index -1) without checking its role.
      owner = &c_.at(c_.size() - 1);
    } else {
      long j = static_cast<long>(i) - 1;
      while (j >= 0 && c_.role(j) == "tool") --j;
      if (j < 0 || c_.role(j) != "assistant") {
        throw Error(where + ": a tool message must follow an assistant message with tool_calls "
                            "(through consecutive tool messages)");
      }
      owner = &c_.at(j);
      k = i - static_cast<size_t>(j);
    }
    auto calls = owner->find("tool_calls");
    size_t n_calls = calls != owner->end() && calls->is_array() ? calls->size() : 0;
    if (n_calls < k) {
      throw Error(where + ": tool result #" + std::to_string(k) + " but the assistant message made " +
                  std::to_string(n_calls) + " tool call(s)");
    }
    std::string out;
    if (k == 1) {
      out += "\n\n";
      out += lit::kResultsOpen;
    }
    out += '\n';
    out += lit::kResultOpen;
    out += required_string(c_.at(i), "content", where);
    out += lit::kResultClose;
    if (k == n_calls) {
      out += '\n';
      out += lit::kResultsClose;
      if (!opens(i)) return out;
      out += "\n\n";
      out += thinking_ && static_cast<long>(i) >= last_user_ ? lit::kThinkOpen : lit::kThinkClose;
    }
    return out;
  }

  const Conversation& c_;
  bool thinking_;
  bool gen_prompt_;
  long last_user_;
};

}  // namespace

bool thinking_from_mode(std::string_view mode) {
  if (mode == "thinking") return true;
  if (mode == "chat") return false;
  throw Error("thinking_mode must be \"chat\" or \"thinking\", got \"" + std::string(mode) + "\"");
}

std::string encode_messages(const Json& messages, const EncodeOptions& opt) {
  Conversation conv(opt.context, messages);
  Renderer renderer(conv, opt.thinking, opt.add_generation_prompt);
  std::string prompt;
  if (opt.add_bos && conv.n_context() == 0) prompt += lit::kBos;
  for (size_t i = conv.n_context(); i < conv.size(); ++i) prompt += renderer.render(i);
  return prompt;
}

}  // namespace dseek::chat
