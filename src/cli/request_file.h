// --request-file (`dseek run`, `dseek template`): an OpenAI-style request body read from a file
// and its messages put in the form the server gives them, so the same body works in both.
#pragma once
#include <string>

#include "chat/python_json.h"

namespace dseek::cli {

// Reads `path` as a JSON object and turns each message's content given as a list of
// {"type": "text", "text": ...} parts only into the parts joined with "\n", as
// POST /v1/chat/completions does; everything else (other lists: DeepSeek-V4's blocks) is left
// for the encoder (template renders what it is given). Throws Error naming the file and the field
// ("req.json: messages[0].content must be a string or an array of text parts, got 5").
chat::Json read_request_file(const std::string& path);

}  // namespace dseek::cli
