// response_format (structured output) of the chat and text completion endpoints: the grammar
// the answer must follow, and the constraint that makes generation follow it.
#pragma once
#include <memory>

#include "grammar/grammar.h"
#include "server/request_fields.h"
#include "server/state.h"

namespace dseek::server {

// The grammar `body`'s response_format asks for (structured::response_format_grammar):
// json_schema compiles its schema, json_object is any JSON object, text / absent: nullptr.
// ApiError 400 naming the field for a response_format of the wrong shape, and for a schema
// that cannot be compiled (param "response_format.json_schema.schema", code
// "unsupported_schema"; the message names the keyword and its JSON pointer, e.g. a lookahead
// in a `pattern` with strict: true).
std::shared_ptr<const grammar::Grammar> parse_response_format(const Json& body);

// Makes every choice of `g` follow `grammar` (nothing when null): in thinking mode from the
// token after `</think>` (EOS banned before it, so the answer comes), else from the first token.
void constrain(const ServerState& st, GenParams& g, std::shared_ptr<const grammar::Grammar> grammar, bool thinking);

}  // namespace dseek::server
