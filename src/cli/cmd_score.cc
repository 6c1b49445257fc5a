// `dseek score`: logits of a token-id sequence, for parity checks against a reference.
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "model/model.h"
#include "runtime/error.h"
#include "weights/safetensors.h"

namespace dseek::cli {

int cmd_score(const ScoreArgs& a) {
  std::ifstream in(a.ids_file);
  if (!in) throw Error(a.ids_file + ": cannot open");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(a.ids_file + ": not valid JSON: " + e.what());
  }
  if (!j.is_array() || j.empty()) throw Error(a.ids_file + ": expected a non-empty JSON array of token ids");
  std::vector<int32_t> ids;
  for (const auto& v : j) {
    if (!v.is_number_integer()) throw Error(a.ids_file + ": every element must be an integer token id");
    ids.push_back(v.get<int32_t>());
  }
  auto model = Model::load(a.model_dir, parse_numerics(a.numerics));
  const int64_t V = model->config().vocab_size, T = static_cast<int64_t>(ids.size());
  for (int32_t id : ids)
    if (id < 0 || id >= V) throw Error(a.ids_file + ": token id " + std::to_string(id) + " out of range [0, " + std::to_string(V) + ")");
  SequenceCache cache = model->new_cache();
  std::vector<SequenceCache*> caches{&cache};
  std::vector<float> logits;
  if (a.decode) {
    logits.reserve(T * V);
    for (int32_t id : ids) {
      Batch b{{id}, {0}};
      ForwardResult r = model->forward(b, caches, true);
      logits.insert(logits.end(), r.logits.begin(), r.logits.end());
    }
  } else {
    Batch b{ids, std::vector<int32_t>(ids.size(), 0)};
    logits = model->forward(b, caches, true).logits;
  }
  TensorData t{"logits", DType::F32, {T, V}, std::vector<uint8_t>(logits.size() * 4)};
  std::memcpy(t.bytes.data(), logits.data(), t.bytes.size());
  write_safetensors(a.out_file, {t}, {{"numerics", a.numerics}, {"path", a.decode ? "decode" : "prefill"}});
  std::cerr << "scored " << T << " tokens -> " << a.out_file << "\n";
  return 0;
}

}  // namespace dseek::cli
