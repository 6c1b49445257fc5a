#include "engine/causal_lm.h"

#include <filesystem>

#include "model_v4/config_v4.h"
#include "runtime/error.h"
#include "weights/config_json.h"

namespace dseek {

std::unique_ptr<CausalLm> make_causal_lm_v3(std::unique_ptr<Model> m);
std::unique_ptr<CausalLm> make_causal_lm_v4(const std::string& dir, Numerics numerics);

std::vector<float> CausalLm::forward_batch(const std::vector<LmRun>& runs) const {
  const int64_t V = info().vocab_size;
  std::vector<float> out;
  out.reserve(runs.size() * V);
  for (const LmRun& r : runs) {
    std::vector<float> l = forward(*r.seq, r.tokens, false);
    out.insert(out.end(), l.end() - V, l.end());
  }
  return out;
}

void CausalLm::save_session(const std::string& path, LmSequence&, const std::string&, const std::string&) const {
  throw Error(path + ": saving a " + info().model_type + " session is not supported yet");
}

std::unique_ptr<LmSequence> CausalLm::load_session(const std::string& path, std::string*, const std::string&) const {
  throw Error(path + ": restoring a " + info().model_type + " session is not supported yet");
}

bool is_v4_checkpoint(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path cfg = fs::path(path) / "config.json";
  std::error_code ec;
  if (!fs::is_directory(path, ec) || !fs::is_regular_file(cfg, ec)) return false;
  try {
    return ConfigV4::is_v4_text(read_config_text(cfg.string()));
  } catch (const Error&) {
    return false;  // unreadable: the V3 loader reports the defect with its own message
  }
}

std::unique_ptr<CausalLm> CausalLm::load(const std::string& path, Numerics numerics) {
  if (is_v4_checkpoint(path)) {
    if (numerics == Numerics::Int8)
      throw Error(path + ": DeepSeek-V4 runs in --numerics exact or official (int8 is llama.cpp's CPU mode for "
                         "GGUF K-quant weights)");
    return make_causal_lm_v4(path, numerics);
  }
  return make_causal_lm_v3(Model::load(path, numerics));
}

}  // namespace dseek
