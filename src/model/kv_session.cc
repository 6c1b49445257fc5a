#include "model/kv_session.h"

#include <cstring>

#include "weights/safetensors.h"

namespace dseek {

namespace {
std::string shape_key(const ModelConfig& c) {
  return std::to_string(c.num_hidden_layers) + "x" + std::to_string(c.kv_lora_rank) + "+" +
         std::to_string(c.qk_rope_head_dim) + "+" + std::to_string(c.has_indexer ? c.index_head_dim : 0) + "/h" +
         std::to_string(c.hidden_size) + "/v" + std::to_string(c.vocab_size);
}
}  // namespace

void save_sequence_cache(const std::string& path, const SequenceCache& cache, const std::string& user_metadata,
                         const std::string& model_fingerprint) {
  const ModelConfig& c = cache.pool().config();
  const int64_t n = cache.length, L = c.num_hidden_layers, C = c.kv_lora_rank, R = c.qk_rope_head_dim,
                D = c.has_indexer ? c.index_head_dim : 0;
  TensorData toks{"tokens", DType::I32, {n}, std::vector<uint8_t>(n * 4)};
  std::memcpy(toks.bytes.data(), cache.tokens.data(), n * 4);
  TensorData lat{"latent", DType::F32, {L, n, C + R}, std::vector<uint8_t>(L * n * (C + R) * 4)};
  TensorData ik{"index_keys", DType::F32, {L, n, D}, std::vector<uint8_t>(L * n * D * 4)};
  std::vector<float> kv(n * C), pe(n * R), hs;
  for (int64_t l = 0; l < L; ++l) {
    cache.gather_prefix(static_cast<int>(l), n, kv.data(), pe.data());
    float* dst = reinterpret_cast<float*>(lat.bytes.data()) + l * n * (C + R);
    for (int64_t p = 0; p < n; ++p) {
      std::memcpy(dst + p * (C + R), kv.data() + p * C, C * 4);
      std::memcpy(dst + p * (C + R) + C, pe.data() + p * R, R * 4);
    }
    if (D) {
      // Read the keys back through an identity product: q = I (D x D) gives hs[d, p] = k_p[d].
      std::vector<float> eye(D * D, 0.0f);
      for (int64_t d = 0; d < D; ++d) eye[d * D + d] = 1.0f;
      hs.resize(D * n);
      cache.index_dots(static_cast<int>(l), eye.data(), D, n, hs.data());
      float* kd = reinterpret_cast<float*>(ik.bytes.data()) + l * n * D;
      for (int64_t p = 0; p < n; ++p)
        for (int64_t d = 0; d < D; ++d) kd[p * D + d] = hs[d * n + p];
    }
  }
  write_safetensors(path, {toks, lat, ik},
                    {{"format", "dseek-kv-session-1"},
                     {"shape", shape_key(c)},
                     {"model", model_fingerprint},
                     {"user", user_metadata}});
}

SequenceCache load_sequence_cache(const std::string& path, std::shared_ptr<KvPool> pool, std::string* user_metadata,
                                  const std::string& model_fingerprint) {
  auto f = SafetensorsFile::open(path);
  const ModelConfig& c = pool->config();
  auto meta = f->metadata();
  if (meta["format"] != "dseek-kv-session-1") throw Error(path + ": not a dseek session file");
  // The model check comes before the shape check: a cache filled by other weights of the same
  // shape would load cleanly and silently continue the conversation with wrong attention state.
  auto model = meta.find("model");
  if (model == meta.end() || model->second.empty())
    throw Error(path + ": records no model fingerprint (saved by an older dseek), this model is " + model_fingerprint +
                "; start a new session");
  if (model->second != model_fingerprint)
    throw Error(path + ": saved with another model (" + model->second + "), this model is " + model_fingerprint +
                "; start a new session or load the model it was saved with");
  if (meta["shape"] != shape_key(c))
    throw Error(path + ": saved for a model of shape " + meta["shape"] + ", this model is " + shape_key(c));
  const TensorView& toks = f->get("tokens");
  const TensorView& lat = f->get("latent");
  const TensorView& ik = f->get("index_keys");
  const int64_t n = toks.numel(), L = c.num_hidden_layers, C = c.kv_lora_rank, R = c.qk_rope_head_dim,
                D = c.has_indexer ? c.index_head_dim : 0;
  if (toks.dtype != DType::I32 || lat.dtype != DType::F32 || ik.dtype != DType::F32 ||
      lat.shape != std::vector<int64_t>{L, n, C + R} || ik.shape != std::vector<int64_t>{L, n, D})
    throw Error(path + ": tensors have unexpected dtypes or shapes");
  SequenceCache cache(std::move(pool));
  cache.reserve(n);
  const float* lp = reinterpret_cast<const float*>(lat.data);
  const float* kp = reinterpret_cast<const float*>(ik.data);
  for (int64_t l = 0; l < L; ++l)
    for (int64_t p = 0; p < n; ++p) {
      const float* row = lp + (l * n + p) * (C + R);
      cache.write(static_cast<int>(l), p, row, row + C, D ? kp + (l * n + p) * D : nullptr);
    }
  std::vector<int32_t> t(n);
  std::memcpy(t.data(), toks.data, n * 4);
  cache.commit(t.data(), n);
  if (user_metadata) *user_metadata = meta["user"];
  return cache;
}

}  // namespace dseek
