#include "engine/causal_lm.h"

#include <filesystem>

#include "runtime/error.h"
#include "weights/config_json.h"

namespace dseek {

std::unique_ptr<CausalLm> make_causal_lm_v3(std::unique_ptr<Model> m);
std::unique_ptr<CausalLm> make_causal_lm_v4(const std::string& dir);

bool is_v4_checkpoint(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path cfg = fs::path(path) / "config.json";
  std::error_code ec;
  if (!fs::is_directory(path, ec) || !fs::is_regular_file(cfg, ec)) return false;
  try {
    const nlohmann::json j = parse_config_object(read_config_text(cfg.string()), cfg.string());
    return j.contains("model_type") && j["model_type"].is_string() && j["model_type"] == "deepseek_v4";
  } catch (const Error&) {
    return false;  // the V3 loader reports the defect with its own message
  }
}

std::unique_ptr<CausalLm> CausalLm::load(const std::string& path, Numerics numerics) {
  if (is_v4_checkpoint(path)) {
    if (numerics != Numerics::Exact)
      throw Error(path + ": DeepSeek-V4 runs in --numerics exact only for now (official and int8 are V3 modes)");
    return make_causal_lm_v4(path);
  }
  return make_causal_lm_v3(Model::load(path, numerics));
}

}  // namespace dseek
