// Removing the chat formats' markup from model text shown to people or sent back to a model.
#pragma once
#include <string>

namespace dseek::agent {

// `s` without chat-format markup: special markers spelled <｜…｜> (end of sentence, User /
// Assistant, V3's tool-call markers, V4's <｜action｜> …), DSML tags (<｜DSML｜…> and
// </｜DSML｜…>, V3.2 / V4 tool calls) and the thinking tags <think> / </think>. The text between
// tags stays. A marker is at most 64 bytes and a DSML tag at most 512 bytes, on one line;
// anything longer or unterminated is left as it is (it is not markup the formats write).
// Used by `dseek chat` / `dseek run` output and the agent's malformed-reply retries.
std::string strip_chat_markup(const std::string& s);

}  // namespace dseek::agent
