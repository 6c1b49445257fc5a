// Server-sent events framing for streamed responses.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

namespace dseek::server {

// "data: <json>\n\n" (invalid UTF-8, which a correct caller never produces, is replaced).
std::string sse_data(const nlohmann::json& j);
// "data: [DONE]\n\n": the end of an OpenAI stream.
std::string sse_done();
// ": <text>\n\n": a comment, ignored by clients; used as a keep-alive that detects a
// client that went away while its request waits.
std::string sse_comment(const std::string& text);

// JSON text with invalid UTF-8 replaced by U+FFFD instead of throwing.
std::string dump_json(const nlohmann::json& j);

}  // namespace dseek::server
