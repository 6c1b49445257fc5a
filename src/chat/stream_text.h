// Hold-back rules every streaming completion parser shares (chat/stream.h, chat/v3/stream.h):
// text may go out only when no marker could still begin in it and it ends on a whole UTF-8
// character. Internal to src/chat.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <string_view>

namespace dseek::chat::detail {

// The length of the longest suffix of `s` that is a proper prefix of one of `needles`: the
// tail that must wait for more text.
size_t marker_tail(std::string_view s, std::initializer_list<std::string_view> needles);

// `to` moved back so that s[from, to) does not end inside a UTF-8 character.
size_t utf8_boundary(std::string_view s, size_t from, size_t to);

}  // namespace dseek::chat::detail
