// The assistant message's deltas (chat::Delta: reasoning, content, tool calls) as Anthropic
// content blocks, and the content_block_start / content_block_delta / content_block_stop
// events that build them. The non-streamed response takes blocks(), a stream sends the
// events: both come from the same object, so a client that applies the events gets exactly
// the non-streamed content.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "chat/stream.h"

namespace dseek::server {

// The `signature` of a thinking block: an opaque digest of its text ("dseek-" + 16 hex
// digits, FNV-1a 64). Nothing checks it when the block comes back; it is there because
// clients expect one.
std::string thinking_signature(const std::string& thinking);

class ContentBlocks {
 public:
  // `max_tool_uses` >= 0: tool calls past the first max_tool_uses are dropped
  // (tool_choice.disable_parallel_tool_use); -1: all.
  explicit ContentBlocks(int max_tool_uses = -1) : max_tool_uses_(max_tool_uses) {}

  // Applies deltas in order; returns the events they make. A change of kind closes the open
  // block and opens the next: reasoning -> {"type": "thinking", "thinking", "signature"}
  // (the signature is sent as a signature_delta just before the block's stop), content ->
  // {"type": "text", "text"}, each tool call -> {"type": "tool_use", "id", "name", "input"}
  // (started with input {}, its arguments sent as input_json_delta partial_json). Empty
  // text deltas open nothing.
  std::vector<nlohmann::json> feed(const std::vector<chat::Delta>& ds);
  // Closes the open block; a message without any block gets one empty text block (clients
  // index content[0]). Returns the events. Call once, after the last feed.
  std::vector<nlohmann::json> finish();

  // The blocks so far; complete (tool inputs parsed, signatures set) after finish().
  const nlohmann::json& blocks() const { return blocks_; }
  bool has_tool_use() const { return tool_uses_ > 0; }

 private:
  void open(nlohmann::json block, std::vector<nlohmann::json>& ev);
  void close(std::vector<nlohmann::json>& ev);
  void delta(nlohmann::json d, std::vector<nlohmann::json>& ev) const;

  nlohmann::json blocks_ = nlohmann::json::array();
  int open_ = -1;           // index of the open block, -1 when none
  std::string open_kind_;   // its type
  int open_call_ = -1;      // the tool call index of an open tool_use block
  std::string args_;        // its arguments text so far
  int tool_uses_ = 0;
  int max_tool_uses_;
  bool finished_ = false;
};

}  // namespace dseek::server
