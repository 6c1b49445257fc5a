// max_tokens when a request gives none (always capped by what the context leaves after the
// prompt). Shared by the generation endpoints and GET /props, which reports them.
#pragma once

namespace dseek::server {

inline constexpr int kDefaultMaxTokensChat = 4096;
inline constexpr int kDefaultMaxTokensThinking = 32768;  // reasoning comes first and is long
inline constexpr int kDefaultMaxTokensCompletions = 16;  // OpenAI's default for /v1/completions

}  // namespace dseek::server
