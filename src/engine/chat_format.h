// A checkpoint's chat format (chat/format.h's rule) from the files it ships.
#pragma once
#include <string>

#include "chat/format.h"
#include "weights/gguf.h"

namespace dseek {

// What `path` (a checkpoint directory, or a GGUF file when `gguf` is its first part) ships
// that tells its generation apart:
//  * model_type: `model_type` as read from config.json (or mapped from the GGUF);
//  * the chat template: DIR/tokenizer_config.json "chat_template" (a string, or of a list of
//    {"name", "template"} the "default" one, else the first), else DIR/chat_template.jinja;
//    for a GGUF its tokenizer.chat_template;
//  * the name: the directory's (or file's) name, config.json "_name_or_path", GGUF general.name.
// Missing files are no evidence. Throws dseek::Error naming the file when tokenizer_config.json
// or config.json is not JSON or its chat_template is neither a string nor such a list.
chat::FormatEvidence chat_format_evidence(const std::string& path, const std::string& model_type,
                                          const GgufFile* gguf = nullptr);

// chat::detect_format of the above.
chat::FormatChoice checkpoint_chat_format(const std::string& path, const std::string& model_type,
                                          const GgufFile* gguf = nullptr);

}  // namespace dseek
