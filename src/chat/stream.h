// Incremental completion parser for streaming responses (CHAT_FORMAT.md section 9).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "chat/dsml_match.h"
#include "chat/message.h"

namespace dseek::chat {

// One piece of a streamed assistant message.
struct Delta {
  enum class Kind {
    Reasoning,      // `text` continues reasoning_content
    Content,        // `text` continues content
    ToolCallStart,  // a new tool call: `index` (0, 1, ...), `id`, `name`
    ToolCallArgs,   // `text` continues the arguments of tool call `index`
  };
  Kind kind = Kind::Content;
  std::string text;
  int index = -1;
  std::string id;
  std::string name;
};

// Appends one delta to `msg` (what a client does with a stream).
void apply_delta(AssistantMessage& msg, const Delta& d);

// What a streaming completion parser of any chat format offers (V3.2 and V4: StreamParser
// below; V3 / V3.1: chat/v3/stream.h): feed() the next chunk of completion text (any split),
// get the deltas it makes certain; finish() ends the text and returns the rest. Both throw
// dseek::Error when called after finish().
class DeltaParser {
 public:
  virtual ~DeltaParser() = default;
  virtual std::vector<Delta> feed(std::string_view chunk) = 0;
  virtual std::vector<Delta> finish() = 0;
};

// Parses a completion as it is generated. feed() takes the next chunk of completion text
// (any split, even inside a UTF-8 character or a marker) and returns the deltas it makes
// certain; finish() ends the text and returns the rest.
//
// Guarantee: for every text parse_completion accepts and every split of it into chunks,
// applying all deltas to an empty AssistantMessage gives parse_completion's result (ids
// aside). The deltas follow CHAT_FORMAT.md section 9 step by step:
//  - Reasoning (thinking mode) streams until "</think>"; content streams until EOS or the
//    tool block's opener "\n\n<｜DSML｜function_calls". A tail that could still begin such a
//    marker is held back, so EOS or DSML markup never leaks into content or reasoning.
//  - The DSML block is held back; each tool call is emitted (ToolCallStart, then its
//    complete arguments JSON as ToolCallArgs) once its invoke is complete and valid, so a
//    client never sees a half-formed call, and `arguments` is always valid JSON
//    (string="false" values that are not JSON become JSON strings, as parse_completion).
//  - EOS text is never emitted.
// Texts the format rejects are still delivered, never dropped: once the block turns out
// malformed (as soon as that is certain, or at finish() for truncation), the held-back text
// from the block's opener (or from the end of the last emitted tool call) comes out verbatim
// as content, and so does any text after the block or after EOS. A thinking-mode text
// that never closes its reasoning stays reasoning.
//
// `call_id_prefix`: when non-empty, tool call i gets id call_id_prefix + std::to_string(i);
// otherwise ids are empty (as parse_completion's). `syntax` names the tool-call block and
// its arguments rule: V3.2's by default (everything above); chat/v4/stream.h passes V4's
// (tool_calls, string="false" values verbatim, as chat::v4::parse_completion). Throws
// dseek::Error only when feed() or finish() is called after finish().
class StreamParser : public DeltaParser {
 public:
  explicit StreamParser(bool thinking, std::string call_id_prefix = {},
                        detail::BlockSyntax syntax = detail::kV32Block);

  std::vector<Delta> feed(std::string_view chunk) override;
  std::vector<Delta> finish() override;

  // Incremental tool calls, as OpenAI streams them (call before the first feed()): a call's
  // ToolCallStart comes as soon as its invoke header is complete (with "{" as its first
  // arguments), then its arguments JSON in pieces as the block arrives: `"KEY": ` once a
  // parameter's header is complete, a string="true" value's escaped characters as they come
  // (holding back only what could still be "<", "<\n" or the closing tag), other values when
  // complete, "}" at the invoke's end. For every accepted text and split, the pieces add up to
  // exactly the arguments of the default mode (arguments_json). The price: a block found
  // malformed after a call started leaves that call with unfinished arguments (its text from
  // the last complete call on still comes out as content); callers that promise valid JSON
  // must judge the block first.
  void set_incremental_arguments(bool on) { incremental_ = on; }

 private:
  enum class State { Reasoning, Content, BlockNext, InvokeHeader, ParamBody, ParamGap, AfterBlock, Raw, AfterEos };

  void run(bool at_end);
  bool step(bool at_end);  // one transition; false when it needs more text
  bool stream_segment(std::initializer_list<std::string_view> needles, Delta::Kind kind, bool at_end,
                      detail::Hit& hit);
  detail::Hit search(std::initializer_list<std::string_view> needles);
  void emit_text(Delta::Kind kind, size_t from, size_t to);
  void commit_call();
  void start_call();
  void emit_args(std::string text);
  bool param_incremental(bool at_end);
  void fail();
  void compact();

  bool thinking_;
  std::string id_prefix_;
  detail::BlockSyntax syntax_;
  bool finished_ = false;
  State state_;
  std::string buf_;        // text not yet dropped; offsets below index into it
  size_t pos_ = 0;         // the parser's position (as in parse_completion)
  size_t emitted_ = 0;     // streamed segments: text before this is out
  size_t scan_ = 0;        // no needle starts in [pos_, scan_) (search resume point)
  size_t raw_from_ = 0;    // block text not yet turned into tool calls starts here
  std::string name_;                    // invoke being parsed
  std::vector<detail::Param> params_;
  int n_calls_ = 0;
  std::vector<Delta> out_;
  // Incremental arguments: the open parameter's head (key, string flag) once known, where its
  // value starts and how much of it is out.
  bool incremental_ = false;
  bool param_head_ = false;
  detail::Param param_;
  size_t value_from_ = 0, value_emitted_ = 0;
};

}  // namespace dseek::chat
