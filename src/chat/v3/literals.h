// Fixed strings of the DeepSeek-V3 / V3-0324 and V3.1 chat formats (shared/vectors/chat-v3/
// FORMAT.md section 1, chat-v3.1/FORMAT.md section 1). Each is one added token of the V3
// tokenizer (ids in the comments). BOS, EOS, <｜User｜>, <｜Assistant｜>, <think> and </think>
// are chat::lit's (chat/literals.h). U+FF5C is "｜", U+2581 is "▁".
#pragma once
#include <array>
#include <string_view>

namespace dseek::chat::v3::lit {

inline constexpr std::string_view kCallsBegin = "<｜tool▁calls▁begin｜>";    // 128806
inline constexpr std::string_view kCallsEnd = "<｜tool▁calls▁end｜>";        // 128807
inline constexpr std::string_view kCallBegin = "<｜tool▁call▁begin｜>";      // 128808
inline constexpr std::string_view kCallEnd = "<｜tool▁call▁end｜>";          // 128809
inline constexpr std::string_view kOutputsBegin = "<｜tool▁outputs▁begin｜>";  // 128810 (V3 only)
inline constexpr std::string_view kOutputsEnd = "<｜tool▁outputs▁end｜>";      // 128811 (V3 only)
inline constexpr std::string_view kOutputBegin = "<｜tool▁output▁begin｜>";    // 128812
inline constexpr std::string_view kOutputEnd = "<｜tool▁output▁end｜>";        // 128813
inline constexpr std::string_view kSep = "<｜tool▁sep｜>";                   // 128814

// V3's argument fence: NAME "\n```json\n" ARGS "\n```" (FORMAT.md section 3).
inline constexpr std::string_view kFenceOpen = "\n```json\n";
inline constexpr std::string_view kFenceClose = "\n```";

// The nine tool markers: none may appear in parsed arguments (FORMAT.md section 5).
inline constexpr std::array<std::string_view, 9> kToolMarkers{kCallsBegin,  kCallsEnd,    kCallBegin,
                                                               kCallEnd,     kOutputsBegin, kOutputsEnd,
                                                               kOutputBegin, kOutputEnd,   kSep};

}  // namespace dseek::chat::v3::lit
