// `dseek tokenize`: text -> ids (JSON array, no BOS added) or ids -> text (JSON string).
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/io_util.h"
#include "tokenizer/tokenizer.h"

namespace dseek::cli {

int cmd_tokenize(const TokenizeArgs& a) {
  if (a.text_file.empty() == a.decode_file.empty()) throw Error("tokenize: give exactly one of --text-file or --decode-file");
  Tokenizer tok = Tokenizer::load((std::filesystem::path(a.model_dir) / "tokenizer.json").string());
  if (!a.text_file.empty()) {
    std::vector<int32_t> ids = tok.encode(read_file(a.text_file));
    std::cout << nlohmann::json(ids).dump() << "\n";
    return 0;
  }
  nlohmann::json j = read_json_file(a.decode_file);
  if (!j.is_array()) throw Error(a.decode_file + ": expected a JSON array of token ids");
  std::vector<int32_t> ids;
  for (const auto& v : j) {
    if (!v.is_number_integer()) throw Error(a.decode_file + ": every element must be an integer token id");
    ids.push_back(v.get<int32_t>());
  }
  std::cout << nlohmann::json(tok.decode(ids)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}

}  // namespace dseek::cli
