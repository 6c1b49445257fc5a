// POST /tokenize and POST /detokenize, in llama.cpp server's shapes:
//   /tokenize   {"content": str, "add_special": bool = false, "with_pieces": bool = false}
//               -> {"tokens": [id, ...]}, or with pieces {"tokens": [{"id", "piece"}, ...]}
//               where a piece is the token's text, or its bytes as a list of numbers when
//               they are not valid UTF-8 on their own (part of a character);
//   /detokenize {"tokens": [id, ...]} -> {"content": str} (special tokens kept).
// add_special puts the model's BOS first, unless the text starts with it: the ids
// /v1/completions feeds for a text prompt. Errors: 400 naming the field ("content",
// "tokens[3]"); an id outside the vocabulary names the id and the vocabulary size.
#pragma once
#include <httplib.h>

#include "server/state.h"

namespace dseek::server {

void handle_tokenize(ServerState& st, const httplib::Request& req, httplib::Response& res);
void handle_detokenize(ServerState& st, const httplib::Request& req, httplib::Response& res);

}  // namespace dseek::server
