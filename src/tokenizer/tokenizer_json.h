// Fast reading of tokenizer.json: a SAX pass that streams the two huge members (model.vocab
// with ~128k entries, model.merges with ~127k) into flat vectors and builds an ordinary
// nlohmann DOM for everything else. This avoids a 128k-node std::map and about 250k heap
// strings, which made up most of the load time.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace dseek {

struct TokenizerJson {
  // The document without model.vocab / model.merges when those were collected below.
  nlohmann::json rest;
  // model.vocab's (piece, value) entries in file order, when model.vocab is an object.
  std::optional<std::vector<std::pair<std::string, nlohmann::json>>> vocab;
  // model.merges's items in file order, when model.merges is an array.
  std::optional<std::vector<nlohmann::json>> merges;
};

// Parses the JSON document `text`. Throws std::invalid_argument carrying the parser's message
// when `text` is not valid JSON.
TokenizerJson parse_tokenizer_json(std::string_view text);

}  // namespace dseek
