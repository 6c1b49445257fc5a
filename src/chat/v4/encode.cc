// encode_messages: preprocessing, BOS, the reasoning-drop rule, then each message.
#include "chat/v4/encode.h"

#include <algorithm>

#include "chat/literals.h"
#include "chat/v4/preprocess.h"
#include "chat/v4/render.h"
#include "runtime/error.h"

namespace dseek::chat::v4 {

std::string encode_messages(const Json& messages, const EncodeOptions& opt) {
  using detail::Turn;
  if (!opt.context.is_null() && !opt.context.is_array()) throw Error("context must be null or an array of messages");
  std::vector<Turn> context;
  if (opt.context.is_array()) context = detail::merge_tool_messages(opt.context, "context");
  std::vector<Turn> turns = detail::merge_tool_messages(messages, "messages");
  const long n_messages = static_cast<long>(turns.size());
  turns.insert(turns.begin(), context.begin(), context.end());
  detail::sort_tool_results(turns);

  std::string prompt;
  if (opt.add_bos && context.empty()) prompt += chat::lit::kBos;

  bool drop = opt.drop_thinking && std::none_of(turns.begin(), turns.end(), [](const Turn& t) {
                auto it = t.msg.find("tools");
                return it != t.msg.end() && py_truthy(*it);
              });
  long first = static_cast<long>(context.size()), count = n_messages;
  if (opt.thinking && drop) {
    // As the reference: what is left of context + messages, less what is left of the
    // context dropped on its own.
    turns = detail::drop_thinking_turns(turns);
    count = static_cast<long>(turns.size()) - static_cast<long>(detail::drop_thinking_turns(context).size());
    first = static_cast<long>(turns.size()) - count;
  }
  for (long i = 0; i < count; ++i) prompt += detail::render_message(first + i, turns, opt, drop);
  return prompt;
}

}  // namespace dseek::chat::v4
