// Incremental DeepSeek-V4 completion parser for streaming responses.
#pragma once
#include <string>
#include <utility>

#include "chat/stream.h"
#include "chat/v4/parse.h"

namespace dseek::chat::v4 {

// chat::StreamParser (chat/stream.h) on V4's tool block ("\n\n<｜DSML｜tool_calls", string="false"
// values verbatim): feed() any split of a completion, then finish(); the deltas (chat::Delta,
// applied with chat::apply_delta) of every text v4::parse_completion accepts add up to its
// result, on every split (ids aside). Reasoning and content stream as they come, holding back
// a tail that could begin "</think>", EOS or the block's opener; each tool call comes out
// whole once its invoke is complete; texts the format rejects come out verbatim as content
// (the rules of chat/stream.h). `call_id_prefix`: tool call i gets id prefix + i when
// non-empty.
class StreamParser : public chat::StreamParser {
 public:
  explicit StreamParser(bool thinking, std::string call_id_prefix = {})
      : chat::StreamParser(thinking, std::move(call_id_prefix), kBlock) {}
};

}  // namespace dseek::chat::v4
