// `dseek tokenize`: text -> ids (JSON array, no BOS added) or ids -> text (JSON string).
#include <filesystem>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/io_util.h"
#include "engine/model_tokenizer.h"
#include "tokenizer/utf8.h"

namespace dseek::cli {

int cmd_tokenize(const TokenizeArgs& a) {
  if (a.text_file.empty() == a.decode_file.empty()) throw Error("tokenize: give exactly one of --text-file or --decode-file");
  std::string text;
  if (!a.text_file.empty()) {
    text = read_file(a.text_file);
    // The tokenizer's own error would not say which file (nor that the offset is the file's).
    if (const size_t valid = utf8::valid_prefix(text); valid != text.size())
      throw Error(a.text_file + ": not valid UTF-8 (byte offset " + std::to_string(valid) + " in the file)");
  }
  Tokenizer tok = load_model_tokenizer(a.model_dir);
  if (!a.text_file.empty()) {
    std::vector<int32_t> ids = tok.encode(text);
    std::cout << nlohmann::json(ids).dump() << "\n";
    return 0;
  }
  nlohmann::json j = read_json_file(a.decode_file);
  std::vector<int32_t> ids = read_token_ids(j, a.decode_file, static_cast<int64_t>(tok.vocab_size()));
  std::cout << nlohmann::json(tok.decode(ids)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}

}  // namespace dseek::cli
