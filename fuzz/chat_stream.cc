// Differential: completion parsing vs streaming parsing, for the V3.2, V3, V3.1 and V4 chat
// formats. Input: byte 0 picks the format (bits 0-1: V3.2, V3, V3.1, V4) and the mode (bit 2:
// thinking); byte 1 (mod 16) is the number of split points, then 2 bytes each (little-endian,
// taken modulo the text length + 1, sorted); the rest is the completion text. Checks (the
// property of tests/chat/*stream_test.cc): the deltas of the chunks fed one by one add up to
// what the whole text fed at once gives, and to parse_completion's message when that accepts
// the text; parse_completion throws nothing but dseek::Error, the stream parsers nothing at
// all; no crash, UB, leak or hang.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chat/parse.h"
#include "chat/stream.h"
#include "chat/v3/parse.h"
#include "chat/v3/stream.h"
#include "chat/v3_1/parse.h"
#include "chat/v3_1/stream.h"
#include "chat/v4/parse.h"
#include "chat/v4/stream.h"
#include "runtime/error.h"

#include <nlohmann/json.hpp>

namespace {

using namespace dseek::chat;

std::unique_ptr<DeltaParser> make_parser(int format, bool thinking) {
  switch (format) {
    case 0: return std::make_unique<StreamParser>(thinking);
    case 1: return std::make_unique<v3::StreamParser>();
    case 2: return std::make_unique<v3_1::StreamParser>(thinking);
    default: return std::make_unique<v4::StreamParser>(thinking);
  }
}

AssistantMessage parse(int format, std::string_view text, bool thinking) {
  switch (format) {
    case 0: return parse_completion(text, thinking);
    case 1: return v3::parse_completion(text);
    case 2: return v3_1::parse_completion(text, thinking);
    default: return v4::parse_completion(text, thinking);
  }
}

// The message as comparable text (to_openai().dump() would throw on invalid UTF-8).
std::string key(const AssistantMessage& m) {
  std::string k = "content=" + m.content + "\nreasoning=" + m.reasoning_content;
  for (const ToolCall& c : m.tool_calls) k += "\ncall id=" + c.id + " name=" + c.name + " args=" + c.arguments;
  return k;
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t j = 1; j < n; ++j) {
      if ((static_cast<unsigned char>(s[i + j]) & 0xC0) != 0x80) return false;
      cp = cp << 6 | (s[i + j] & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n;
  }
  return true;
}

std::string streamed(int format, bool thinking, std::string_view text, const std::vector<size_t>& cuts) {
  auto sp = make_parser(format, thinking);
  AssistantMessage msg;
  size_t prev = 0;
  for (size_t cut : cuts) {
    for (const Delta& d : sp->feed(text.substr(prev, cut - prev))) apply_delta(msg, d);
    prev = cut;
  }
  for (const Delta& d : sp->feed(text.substr(prev))) apply_delta(msg, d);
  for (const Delta& d : sp->finish()) apply_delta(msg, d);
  return key(msg);
}

[[noreturn]] void mismatch(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "%s:\n  %s\n  %s\n", what, a.c_str(), b.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const int format = data[0] & 3;
  const bool thinking = data[0] & 4;
  const size_t n_cuts = data[1] % 16;
  if (size < 2 + 2 * n_cuts) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 2 + 2 * n_cuts), size - 2 - 2 * n_cuts);
  std::vector<size_t> cuts;
  for (size_t i = 0; i < n_cuts; ++i)
    cuts.push_back((data[2 + 2 * i] | size_t(data[3 + 2 * i]) << 8) % (text.size() + 1));
  std::sort(cuts.begin(), cuts.end());

  const std::string whole = streamed(format, thinking, text, {});
  const std::string split = streamed(format, thinking, text, cuts);
  if (split != whole) mismatch("split stream != whole stream", split, whole);
  AssistantMessage msg;
  try {
    msg = parse(format, text, thinking);
  } catch (const dseek::Error&) {
    return 0;  // rejected: the stream still delivers it (checked above: the same on every split)
  }
  if (key(msg) != whole) mismatch("stream != parse_completion", whole, key(msg));
  // V3.2's arguments are always JSON (V3 / V3.1 / V4 may carry them verbatim).
  if (format == 0 && valid_utf8(text))
    for (const ToolCall& c : msg.tool_calls)
      if (!nlohmann::json::accept(c.arguments)) mismatch("arguments are not JSON", c.name, c.arguments);
  return 0;
}
