// `dseek score`: logits of a token-id sequence, for parity checks against a reference.
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include "cli/commands.h"
#include "cli/io_util.h"
#include "cli/parallel.h"
#include "engine/causal_lm.h"
#include "runtime/error.h"
#include "weights/safetensors.h"

namespace dseek::cli {

int cmd_score(const ScoreArgs& a) {
  const nlohmann::json j = read_json_file(a.ids_file);
  if (!j.is_array() || j.empty()) throw Error(a.ids_file + ": expected a non-empty JSON array of token ids");
  auto model = load_parallel(a.model_dir, parse_numerics(a.numerics), a.parallel_mode);  // V3.x or V4
  const int64_t V = model->info().vocab_size;
  std::vector<int32_t> ids = read_token_ids(j, a.ids_file, V);
  const int64_t T = static_cast<int64_t>(ids.size());
  if (T > model->info().max_positions)
    throw Error(a.ids_file + ": " + std::to_string(T) + " tokens exceed the model's max_position_embeddings " +
                std::to_string(model->info().max_positions));
  // The output is [T, vocab] fp32: refuse early when it cannot fit in memory.
  const double need = double(T) * double(V) * 4.0 * 2.0;
  const double avail = double(sysconf(_SC_AVPHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
  if (avail > 0 && need > avail)
    throw Error(a.ids_file + ": logits of " + std::to_string(T) + " tokens x " + std::to_string(V) + " vocab need " +
                std::to_string(need / 1e9) + " GB; " + std::to_string(avail / 1e9) + " GB of memory is available");
  std::unique_ptr<LmSequence> seq = model->new_sequence();
  std::vector<float> logits;
  if (a.decode) {
    logits.reserve(T * V);
    for (int32_t id : ids) {
      std::vector<float> r = model->forward(*seq, {id}, true);
      logits.insert(logits.end(), r.begin(), r.end());
    }
  } else {
    logits = model->forward(*seq, ids, true);
  }
  TensorData t{"logits", DType::F32, {T, V}, std::vector<uint8_t>(logits.size() * 4)};
  std::memcpy(t.bytes.data(), logits.data(), t.bytes.size());
  write_safetensors(a.out_file, {t}, {{"numerics", a.numerics}, {"path", a.decode ? "decode" : "prefill"}});
  std::cerr << "scored " << T << " tokens -> " << a.out_file << "\n";
  return 0;
}

}  // namespace dseek::cli
