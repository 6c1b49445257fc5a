#include "convert/tensor_source.h"

#include <algorithm>

#include "runtime/error.h"

namespace dseek {

namespace {

std::string shape_str(const std::vector<int64_t>& s) {
  TensorView v;
  v.shape = s;
  return v.shape_str();
}

Matrix bind(const Checkpoint& ck, const std::string& name, const std::vector<int64_t>& shape, const std::string& gguf_name) {
  const TensorView* t = ck.find(name);
  if (!t) throw Error(ck.dir() + ": missing tensor '" + name + "' (for GGUF tensor " + gguf_name + ")");
  const std::string where = (t->file ? *t->file : ck.dir()) + ": tensor '" + name + "'";
  if (t->shape != shape) throw Error(where + " has shape " + t->shape_str() + ", expected " + shape_str(shape));
  Matrix m;
  m.name = name;
  m.dtype = t->dtype;
  m.rows = shape.size() == 2 ? shape[0] : 1;
  m.cols = shape.back();
  m.data = t->data;
  if (t->dtype == DType::F8_E4M3) {
    const std::string sname = name.substr(0, name.size() - 6) + "weight_scale_inv";
    const TensorView* s = ck.find(sname);
    if (!s) throw Error(ck.dir() + ": missing tensor '" + sname + "' (the FP8 block scales of " + name + ")");
    const std::vector<int64_t> want = {(m.rows + 127) / 128, (m.cols + 127) / 128};
    if (s->dtype != DType::F32 || s->shape != want)
      throw Error((s->file ? *s->file : ck.dir()) + ": tensor '" + sname + "' must be F32 " + shape_str(want) + ", is " +
                  std::string(dtype_name(s->dtype)) + " " + s->shape_str());
    m.scale = reinterpret_cast<const float*>(s->data);
  } else if (t->dtype != DType::BF16 && t->dtype != DType::F16 && t->dtype != DType::F32) {
    throw Error(where + " has dtype " + std::string(dtype_name(t->dtype)) + ", expected F8_E4M3, BF16, F16 or F32");
  }
  return m;
}

}  // namespace

TensorSource::TensorSource(const Checkpoint& ck, const GgufTensorPlan& t) : kind_(t.kind), cols_(t.cols()) {
  switch (t.kind) {
    case SourceKind::Plain:
      m_.push_back(bind(ck, t.sources.at(0), t.shape, t.name));
      break;
    case SourceKind::ExpertStack:
      out_rows_ = t.shape[1];
      for (const auto& s : t.sources) m_.push_back(bind(ck, s, {t.shape[1], t.shape[2]}, t.name));
      break;
    case SourceKind::KvbK:  // [H, kv_lora, nope]
    case SourceKind::KvbV: {  // [H, v, kv_lora]
      const ModelConfig& c = ck.config();
      nope_ = c.qk_nope_head_dim;
      v_ = c.v_head_dim;
      kv_lora_ = c.kv_lora_rank;
      const int64_t H = t.shape[0];
      m_.push_back(bind(ck, t.sources.at(0), {H * (nope_ + v_), kv_lora_}, t.name));
      break;
    }
  }
}

void TensorSource::rows(int64_t r0, int64_t n, float* out) const {
  switch (kind_) {
    case SourceKind::Plain:
      for (int64_t i = 0; i < n; ++i) m_[0].row(r0 + i, out + i * cols_);
      return;
    case SourceKind::ExpertStack:
      for (int64_t i = 0; i < n; ++i) {
        const int64_t r = r0 + i;
        m_[r / out_rows_].row(r % out_rows_, out + i * cols_);
      }
      return;
    case SourceKind::KvbV:  // row (h, j) = kv_b row h*(nope+v) + nope + j
      for (int64_t i = 0; i < n; ++i) {
        const int64_t h = (r0 + i) / v_, j = (r0 + i) % v_;
        m_[0].row(h * (nope_ + v_) + nope_ + j, out + i * cols_);
      }
      return;
    case SourceKind::KvbK: {  // row (h, c), element j = kv_b[h*(nope+v) + j, c]
      std::vector<float> head(static_cast<size_t>(nope_ * kv_lora_));
      int64_t loaded = -1;
      for (int64_t i = 0; i < n; ++i) {
        const int64_t h = (r0 + i) / kv_lora_, c = (r0 + i) % kv_lora_;
        if (h != loaded) {
          for (int64_t j = 0; j < nope_; ++j) m_[0].row(h * (nope_ + v_) + j, head.data() + j * kv_lora_);
          loaded = h;
        }
        for (int64_t j = 0; j < nope_; ++j) out[i * cols_ + j] = head[j * kv_lora_ + c];
      }
      return;
    }
  }
}

}  // namespace dseek
