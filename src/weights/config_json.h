// config.json files, shared by the V3 (weights/config) and V4 (model_v4) config readers: the
// file's text and its JSON object, errors naming the file.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace dseek {

// The whole file; throws dseek::Error "PATH: cannot open config.json".
std::string read_config_text(const std::string& path);

// text parsed as a JSON object; throws dseek::Error "SRC: corrupt JSON: ..." or
// "SRC: not a JSON object".
nlohmann::json parse_config_object(const std::string& text, const std::string& src);

}  // namespace dseek
