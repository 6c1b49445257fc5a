#include "server/anthropic_blocks.h"

#include <cstdint>
#include <cstdio>

namespace dseek::server {

using nlohmann::json;
using Kind = chat::Delta::Kind;

std::string thinking_signature(const std::string& thinking) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : thinking) h = (h ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string("dseek-") + hex;
}

void ContentBlocks::open(json block, std::vector<json>& ev) {
  close(ev);
  open_ = static_cast<int>(blocks_.size());
  open_kind_ = block["type"].get<std::string>();
  ev.push_back({{"type", "content_block_start"}, {"index", open_}, {"content_block", block}});
  blocks_.push_back(std::move(block));
}

void ContentBlocks::delta(json d, std::vector<json>& ev) const {
  ev.push_back({{"type", "content_block_delta"}, {"index", open_}, {"delta", std::move(d)}});
}

void ContentBlocks::close(std::vector<json>& ev) {
  if (open_ < 0) return;
  json& b = blocks_[static_cast<size_t>(open_)];
  if (open_kind_ == "thinking") {
    b["signature"] = thinking_signature(b["thinking"].get<std::string>());
    delta({{"type", "signature_delta"}, {"signature", b["signature"]}}, ev);
  } else if (open_kind_ == "tool_use") {
    // The server's arguments are always JSON text of an object (message_stream.h).
    json input = json::parse(args_.empty() ? "{}" : args_, nullptr, false);
    b["input"] = input.is_object() ? input : json::object();
  }
  ev.push_back({{"type", "content_block_stop"}, {"index", open_}});
  open_ = -1;
  open_kind_.clear();
  open_call_ = -1;
  args_.clear();
}

std::vector<json> ContentBlocks::feed(const std::vector<chat::Delta>& ds) {
  std::vector<json> ev;
  for (const auto& d : ds) {
    switch (d.kind) {
      case Kind::Reasoning:
        if (d.text.empty()) break;
        if (open_kind_ != "thinking") open({{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}, ev);
        blocks_[static_cast<size_t>(open_)]["thinking"] = blocks_[static_cast<size_t>(open_)]["thinking"].get<std::string>() + d.text;
        delta({{"type", "thinking_delta"}, {"thinking", d.text}}, ev);
        break;
      case Kind::Content:
        if (d.text.empty()) break;
        if (open_kind_ != "text") open({{"type", "text"}, {"text", ""}}, ev);
        blocks_[static_cast<size_t>(open_)]["text"] = blocks_[static_cast<size_t>(open_)]["text"].get<std::string>() + d.text;
        delta({{"type", "text_delta"}, {"text", d.text}}, ev);
        break;
      case Kind::ToolCallStart:
        if (max_tool_uses_ >= 0 && tool_uses_ >= max_tool_uses_) break;  // its args find no open block
        open({{"type", "tool_use"}, {"id", d.id}, {"name", d.name}, {"input", json::object()}}, ev);
        open_call_ = d.index;
        ++tool_uses_;
        break;
      case Kind::ToolCallArgs:
        // The parser sends a call's arguments right after its start; anything else has no
        // open block to go to.
        if (open_kind_ != "tool_use" || d.index != open_call_ || d.text.empty()) break;
        args_ += d.text;
        delta({{"type", "input_json_delta"}, {"partial_json", d.text}}, ev);
        break;
    }
  }
  return ev;
}

std::vector<json> ContentBlocks::finish() {
  std::vector<json> ev;
  if (finished_) return ev;
  finished_ = true;
  close(ev);
  if (blocks_.empty()) {
    open({{"type", "text"}, {"text", ""}}, ev);
    close(ev);
  }
  return ev;
}

}  // namespace dseek::server
