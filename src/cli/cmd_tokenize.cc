// `dseek tokenize`: text -> ids (JSON array, no BOS added) or ids -> text (JSON string).
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/io_util.h"
#include "engine/model_tokenizer.h"

namespace dseek::cli {

int cmd_tokenize(const TokenizeArgs& a) {
  if (a.text_file.empty() == a.decode_file.empty()) throw Error("tokenize: give exactly one of --text-file or --decode-file");
  Tokenizer tok = load_model_tokenizer(a.model_dir);
  if (!a.text_file.empty()) {
    std::vector<int32_t> ids = tok.encode(read_file(a.text_file));
    std::cout << nlohmann::json(ids).dump() << "\n";
    return 0;
  }
  nlohmann::json j = read_json_file(a.decode_file);
  std::vector<int32_t> ids = read_token_ids(j, a.decode_file, static_cast<int64_t>(tok.vocab_size()));
  std::cout << nlohmann::json(tok.decode(ids)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}

}  // namespace dseek::cli
