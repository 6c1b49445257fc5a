#include "model_v4/state_io_v4.h"

#include <cstring>

#include "runtime/error.h"
#include "weights/safetensors.h"

namespace dseek {

namespace {

constexpr const char* kFormat = "dseek-v4-session-2";
// Earlier formats, refused by name: 1 had only fp32 indexer keys.
constexpr const char* kFormatV1 = "dseek-v4-session-1";
// Metadata 'index_keys': the storage of the CSA layers' indexer keys (StateV4::fp4_index_keys).
constexpr const char* kIndexKeysF32 = "f32";
constexpr const char* kIndexKeysFp4 = "fp4-e2m1-32";

// What a layer's state must look like at `pos` tokens: rows of every tensor (widths from c).
struct LayerShape {
  int64_t window, head_dim, index_dim, ratio;
  int64_t comp_width, idx_width;  // 0 when there is no such compressor
  int64_t pos;
  bool fp4;  // indexer keys as FP4 records (StateV4::fp4_index_keys)
  int64_t entries() const { return ratio > 0 ? pos / ratio : 0; }
  int64_t cur_rows() const { return ratio > 0 ? pos % ratio : 0; }
  int64_t prev_rows() const { return ratio == 4 ? 4 : 0; }
  int64_t f32_keys() const { return idx_width && !fp4 ? entries() : 0; }
  int64_t fp4_records() const { return idx_width && fp4 ? (entries() + kFp4Group - 1) / kFp4Group : 0; }
  int64_t record_bytes() const { return Fp4Keys::record_bytes(index_dim); }
};

LayerShape layer_shape(const ConfigV4& c, int layer, int64_t pos, bool fp4) {
  LayerShape s{};
  s.window = c.sliding_window;
  s.head_dim = c.head_dim;
  s.index_dim = c.index_head_dim;
  s.ratio = c.compress_ratio(layer);
  s.comp_width = s.ratio > 0 ? (s.ratio == 4 ? 2 : 1) * static_cast<int64_t>(c.head_dim) : 0;
  s.idx_width = c.attn_kind(layer) == AttnKindV4::kCsa ? 2 * static_cast<int64_t>(c.index_head_dim) : 0;
  s.pos = pos;
  s.fp4 = fp4;
  return s;
}

TensorData f32(const std::string& name, const std::vector<float>& v, int64_t rows, int64_t cols) {
  TensorData t{name, DType::F32, {rows, cols}, std::vector<uint8_t>(v.size() * 4)};
  if (!v.empty()) std::memcpy(t.bytes.data(), v.data(), v.size() * 4);
  return t;
}

// Appends one layer's tensors; throws when the state's sizes are not what `s` says.
void put_layer(const std::string& path, const std::string& p, const LayerStateV4& l, const LayerShape& s,
               std::vector<TensorData>& out) {
  auto put = [&](const std::string& name, const std::vector<float>& v, int64_t rows, int64_t cols) {
    if (static_cast<int64_t>(v.size()) != rows * cols)
      throw Error(path + ": not saved: state tensor '" + p + name + "' holds " + std::to_string(v.size()) +
                  " values, expected [" + std::to_string(rows) + ", " + std::to_string(cols) + "]");
    out.push_back(f32(p + name, v, rows, cols));
  };
  put("win_kv", l.win_kv, s.window, s.head_dim);
  put("comp", l.comp, s.entries(), s.head_dim);
  put("idx_keys", l.idx_keys, s.f32_keys(), s.index_dim);
  const std::vector<uint8_t>& rec = l.idx_fp4.records();
  if (l.idx_fp4.size() != (s.fp4_records() ? s.entries() : 0) || static_cast<int64_t>(rec.size()) != s.fp4_records() * s.record_bytes())
    throw Error(path + ": not saved: state tensor '" + p + "idx_keys_fp4' holds " + std::to_string(l.idx_fp4.size()) +
                " keys, expected " + std::to_string(s.fp4_records() ? s.entries() : 0));
  out.push_back({p + "idx_keys_fp4", DType::U8, {s.fp4_records(), s.record_bytes()}, rec});
  const std::pair<const char*, const CompressorStateV4*> comps[] = {{"comp.", &l.comp_state}, {"idx.", &l.idx_state}};
  for (const auto& [q, cs] : comps) {
    const int64_t w = q[0] == 'c' ? s.comp_width : s.idx_width;
    const int64_t cur = w ? s.cur_rows() : 0, prev = w ? s.prev_rows() : 0;
    put(std::string(q) + "a_cur", cs->a_cur, cur, w);
    put(std::string(q) + "g_cur", cs->g_cur, cur, w);
    put(std::string(q) + "a_prev", cs->a_prev, prev, w);
    put(std::string(q) + "g_prev", cs->g_prev, prev, w);
  }
}

// Reads one layer's tensors into `l` (a fresh layer state of the same config).
void get_layer(const SafetensorsFile& f, const std::string& p, const LayerShape& s, LayerStateV4& l) {
  auto get = [&](const std::string& name, std::vector<float>& v, int64_t rows, int64_t cols) {
    const TensorView* t = f.find(p + name);
    if (!t) throw Error(f.path() + ": session tensor '" + p + name + "' is missing");
    const std::vector<int64_t> want{rows, cols};
    if (t->dtype != DType::F32 || t->shape != want)
      throw Error(f.path() + ": session tensor '" + p + name + "' is " + std::string(dtype_name(t->dtype)) + " " +
                  t->shape_str() + ", expected F32 [" + std::to_string(rows) + ", " + std::to_string(cols) +
                  "] for the positions the file records");
    v.resize(static_cast<size_t>(rows * cols));
    if (!v.empty()) std::memcpy(v.data(), t->data, v.size() * 4);
  };
  get("win_kv", l.win_kv, s.window, s.head_dim);
  get("comp", l.comp, s.entries(), s.head_dim);
  get("idx_keys", l.idx_keys, s.f32_keys(), s.index_dim);
  const std::string fp4_name = p + "idx_keys_fp4";
  const TensorView* t = f.find(fp4_name);
  if (!t) throw Error(f.path() + ": session tensor '" + fp4_name + "' is missing");
  const std::vector<int64_t> want{s.fp4_records(), s.record_bytes()};
  if (t->dtype != DType::U8 || t->shape != want)
    throw Error(f.path() + ": session tensor '" + fp4_name + "' is " + std::string(dtype_name(t->dtype)) + " " +
                t->shape_str() + ", expected U8 [" + std::to_string(want[0]) + ", " + std::to_string(want[1]) +
                "] for the positions the file records");
  if (s.fp4_records()) {
    try {
      l.idx_fp4.assign_records(s.entries(), std::vector<uint8_t>(t->data, t->data + t->nbytes));
    } catch (const Error& e) {
      throw Error(f.path() + ": session tensor '" + fp4_name + "': " + e.what());
    }
  }
  const std::pair<const char*, CompressorStateV4*> comps[] = {{"comp.", &l.comp_state}, {"idx.", &l.idx_state}};
  for (const auto& [q, cs] : comps) {
    const int64_t w = q[0] == 'c' ? s.comp_width : s.idx_width;
    const int64_t cur = w ? s.cur_rows() : 0, prev = w ? s.prev_rows() : 0;
    get(std::string(q) + "a_cur", cs->a_cur, cur, w);
    get(std::string(q) + "g_cur", cs->g_cur, cur, w);
    get(std::string(q) + "a_prev", cs->a_prev, prev, w);
    get(std::string(q) + "g_prev", cs->g_prev, prev, w);
  }
}

std::string trunk_prefix(int L) { return "layers." + std::to_string(L) + "."; }
std::string mtp_prefix(int i) { return "mtp." + std::to_string(i) + "."; }

}  // namespace

std::string state_shape_key_v4(const ConfigV4& c) {
  std::string ratios;
  for (size_t i = 0; i < c.compress_ratios.size(); ++i) {
    if (i) ratios += ',';  // (not `(i ? "," : "") + ...`: GCC 12 warns a false -Wrestrict there)
    ratios += std::to_string(c.compress_ratios[i]);
  }
  return "deepseek_v4 layers=" + std::to_string(c.num_hidden_layers) + "+" + std::to_string(c.num_nextn_predict_layers) +
         " window=" + std::to_string(c.sliding_window) + " head_dim=" + std::to_string(c.head_dim) +
         " index_head_dim=" + std::to_string(c.index_head_dim) + " ratios=" + ratios +
         " hidden=" + std::to_string(c.hidden_size) + " vocab=" + std::to_string(c.vocab_size);
}

void save_state_v4(const std::string& path, const ConfigV4& c, const StateV4& st, const std::vector<int32_t>& tokens,
                   const std::string& user_metadata, const std::string& identity) {
  if (static_cast<int64_t>(tokens.size()) != st.pos)
    throw Error(path + ": not saved: the sequence holds " + std::to_string(tokens.size()) + " tokens but its state is at position " +
                std::to_string(st.pos));
  if (st.layers.size() != static_cast<size_t>(c.num_hidden_layers) ||
      st.mtp.size() != static_cast<size_t>(c.num_nextn_predict_layers))
    throw Error(path + ": not saved: the state has " + std::to_string(st.layers.size()) + "+" + std::to_string(st.mtp.size()) +
                " layers, the model " + std::to_string(c.num_hidden_layers) + "+" + std::to_string(c.num_nextn_predict_layers));
  const int64_t n = st.pos;
  std::vector<TensorData> ts;
  TensorData toks{"tokens", DType::I32, {n}, std::vector<uint8_t>(static_cast<size_t>(n) * 4)};
  if (n) std::memcpy(toks.bytes.data(), tokens.data(), static_cast<size_t>(n) * 4);
  ts.push_back(std::move(toks));
  TensorData pos{"positions", DType::I64, {2}, std::vector<uint8_t>(16)};
  const int64_t pv[2] = {st.pos, st.mtp_pos};
  std::memcpy(pos.bytes.data(), pv, 16);
  ts.push_back(std::move(pos));
  const bool fp4 = st.fp4_index_keys;
  for (int L = 0; L < c.num_hidden_layers; ++L)
    put_layer(path, trunk_prefix(L), st.layers[L], layer_shape(c, L, st.pos, fp4), ts);
  for (int i = 0; i < c.num_nextn_predict_layers; ++i)
    put_layer(path, mtp_prefix(i), st.mtp[i], layer_shape(c, c.num_hidden_layers + i, st.mtp_pos, fp4), ts);
  write_safetensors(path, ts,
                    {{"format", kFormat},
                     {"shape", state_shape_key_v4(c)},
                     {"model", identity},
                     {"index_keys", fp4 ? kIndexKeysFp4 : kIndexKeysF32},
                     {"user", user_metadata}});
}

StateV4 load_state_v4(const std::string& path, const ConfigV4& c, std::vector<int32_t>* tokens,
                      std::string* user_metadata, const std::string& identity) {
  auto f = SafetensorsFile::open(path);
  const auto& meta = f->metadata();
  auto field = [&](const char* k) -> std::string {
    auto it = meta.find(k);
    return it == meta.end() ? std::string() : it->second;
  };
  const std::string format = field("format");
  if (format == "dseek-kv-session-1")
    throw Error(path + ": a DeepSeek-V3.x session (dseek-kv-session-1), this model is DeepSeek-V4; start a new session");
  if (format == kFormatV1)
    throw Error(path + ": a DeepSeek-V4 session of an older dseek (format " + format + ", before the FP4 indexer keys of " +
                kFormat + "); start a new session");
  if (format != kFormat) throw Error(path + ": not a dseek DeepSeek-V4 session file (metadata 'format' is '" + format + "')");
  // The identity before the shape: other weights of the same shape would load cleanly and
  // continue the conversation from another model's state.
  const std::string model = field("model");
  if (model.empty())
    throw Error(path + ": records no model identity, this model is " + identity + "; start a new session");
  if (model != identity)
    throw Error(path + ": saved with another model or numerics (" + model + "), this model is " + identity +
                "; start a new session or load the model it was saved with");
  if (field("shape") != state_shape_key_v4(c))
    throw Error(path + ": saved for a state of shape '" + field("shape") + "', this model's is '" + state_shape_key_v4(c) + "'");
  const TensorView& pv = f->get("positions");
  if (pv.dtype != DType::I64 || pv.shape != std::vector<int64_t>{2})
    throw Error(path + ": session tensor 'positions' is " + std::string(dtype_name(pv.dtype)) + " " + pv.shape_str() +
                ", expected I64 [2]");
  int64_t p[2];
  std::memcpy(p, pv.data, 16);
  if (p[0] < 0 || p[0] > c.max_position_embeddings || p[1] < 0 || p[1] > p[0])
    throw Error(path + ": session tensor 'positions' holds (" + std::to_string(p[0]) + ", " + std::to_string(p[1]) +
                "), expected 0 <= mtp_pos <= pos <= " + std::to_string(c.max_position_embeddings));
  const TensorView& tv = f->get("tokens");
  if (tv.dtype != DType::I32 || tv.shape != std::vector<int64_t>{p[0]})
    throw Error(path + ": session tensor 'tokens' is " + std::string(dtype_name(tv.dtype)) + " " + tv.shape_str() +
                ", expected I32 [" + std::to_string(p[0]) + "] (the position it records)");
  std::vector<int32_t> t(static_cast<size_t>(p[0]));
  if (!t.empty()) std::memcpy(t.data(), tv.data, t.size() * 4);
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i] < 0 || t[i] >= c.vocab_size)
      throw Error(path + ": session tensor 'tokens' holds id " + std::to_string(t[i]) + " at " + std::to_string(i) +
                  ", outside the vocabulary of " + std::to_string(c.vocab_size));
  const std::string keys = field("index_keys");
  if (keys != kIndexKeysF32 && keys != kIndexKeysFp4)
    throw Error(path + ": metadata 'index_keys' is '" + keys + "', expected '" + kIndexKeysF32 + "' or '" + kIndexKeysFp4 + "'");
  const bool fp4 = keys == kIndexKeysFp4;
  StateV4 st = StateV4::fresh(c, fp4);
  st.pos = p[0];
  st.mtp_pos = p[1];
  for (int L = 0; L < c.num_hidden_layers; ++L)
    get_layer(*f, trunk_prefix(L), layer_shape(c, L, st.pos, fp4), st.layers[L]);
  for (int i = 0; i < c.num_nextn_predict_layers; ++i)
    get_layer(*f, mtp_prefix(i), layer_shape(c, c.num_hidden_layers + i, st.mtp_pos, fp4), st.mtp[i]);
  if (tokens) *tokens = std::move(t);
  if (user_metadata) *user_metadata = field("user");
  return st;
}

}  // namespace dseek
