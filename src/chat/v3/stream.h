// Incremental V3 / V3.1 completion parser for streaming responses (chat-v3/FORMAT.md section
// 5, chat-v3.1/FORMAT.md section 7).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "chat/stream.h"
#include "chat/v3/calls.h"

namespace dseek::chat::v3 {
namespace detail {

// parse_completion's rules (chat/v3/parse.h) made resumable, for either call layout.
// Guarantees, as chat::StreamParser's:
//  - for every text detail::parse_completion accepts and every split of it into chunks, the
//    deltas (chat::apply_delta) add up to its result (ids aside);
//  - for every text, every split gives the same deltas' sum (texts the rules reject included),
//    and no byte is lost: what the rules reject comes out verbatim as content.
// Reasoning (thinking mode) streams until "</think>"; content until EOS or
// <｜tool▁calls▁begin｜>, holding back a tail that could begin one of them and an incomplete
// UTF-8 character, so no marker leaks. Each tool call is emitted whole (ToolCallStart, then its
// arguments as one ToolCallArgs) once its <｜tool▁call▁end｜> is in and the call is valid. When
// the block turns out malformed (as soon as that is certain; truncation at finish()), the block
// text from the end of the last emitted call (or from <｜tool▁calls▁begin｜>) comes out as
// content up to the next EOS; text after the block or after EOS comes out as content too; EOS
// itself never does. A thinking text that never closes its reasoning stays reasoning.
// `call_id_prefix`: tool call i gets id call_id_prefix + i when non-empty.
class CallStreamParser : public chat::DeltaParser {
 public:
  CallStreamParser(bool thinking, std::string call_id_prefix, CallLayout layout);

  std::vector<Delta> feed(std::string_view chunk) override;
  std::vector<Delta> finish() override;

 private:
  enum class State { Reasoning, Content, Block, Call, AfterBlock, Raw, AfterEos };

  bool step(bool at_end);  // one transition; false when it needs more text (or is done)
  bool stream_segment(std::initializer_list<std::string_view> needles, Delta::Kind kind, bool at_end, size_t& at,
                      size_t& end, int& which);
  void emit_text(Delta::Kind kind, size_t to);
  void commit(ToolCall call);
  void go(State s, size_t p);
  void fail();
  void compact();

  std::string id_prefix_;
  CallLayout layout_;
  State state_;
  bool finished_ = false;
  std::string buf_;
  size_t pos_ = 0;       // where the current step starts
  size_t emitted_ = 0;   // streamed text before this is out
  size_t scan_ = 0;      // Call: no <｜tool▁call▁end｜> starts in [pos_, scan_)
  size_t raw_from_ = 0;  // block text not yet turned into tool calls starts here
  int n_calls_ = 0;
  std::vector<Delta> out_;
};

}  // namespace detail

// v3::parse_completion made incremental (detail::CallStreamParser with V3's fenced calls, no
// reasoning): feed() any split of a completion, then finish().
class StreamParser : public detail::CallStreamParser {
 public:
  explicit StreamParser(std::string call_id_prefix = {})
      : CallStreamParser(false, std::move(call_id_prefix), detail::CallLayout::Fenced) {}
};

}  // namespace dseek::chat::v3
