#include "weights/config_json.h"

#include <fstream>
#include <sstream>

#include "runtime/error.h"

namespace dseek {

std::string read_config_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open config.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json parse_config_object(const std::string& text, const std::string& src) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(src + ": corrupt JSON: " + e.what());
  }
  if (!j.is_object()) throw Error(src + ": not a JSON object");
  return j;
}

}  // namespace dseek
