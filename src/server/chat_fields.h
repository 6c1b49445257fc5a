// The top-level fields of a chat completion request that this server knows (OpenAI's, DeepSeek's
// and the vLLM / llama.cpp extensions it implements), and the checks of those that are accepted
// with no effect or refused. The table in src/server/README.md lists the same fields; the
// request-field test holds the two together.
#pragma once
#include <string_view>
#include <vector>

#include "server/request_fields.h"

namespace dseek::server {

// Every field parse_chat_request accepts; any other is a 400 unknown_parameter.
const std::vector<std::string_view>& chat_known_fields();

// Validates the fields accepted with no effect (metadata, store, service_tier, modalities
// ["text"], prediction, verbosity, prompt_cache_key, safety_identifier) and refuses, when not
// null, those that would change the answer and are not implemented (audio, web_search_options,
// functions, function_call: 400 unsupported_parameter naming the field).
void check_inert_chat_fields(const Json& body);

}  // namespace dseek::server
