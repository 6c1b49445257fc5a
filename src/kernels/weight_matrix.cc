#include "kernels/weight_matrix.h"

#include <vector>

#include "runtime/error.h"

namespace dseek {

namespace {

std::string where(const TensorView& t) { return (t.file ? *t.file : std::string("?")) + ": tensor '" + t.name + "'"; }

std::string shape_str(const std::vector<int64_t>& shape) {
  TensorView v;
  v.shape = shape;
  return v.shape_str();
}

void expect_shape(const TensorView& t, const std::vector<int64_t>& shape, const std::string& what = "") {
  if (t.shape != shape)
    throw Error(where(t) + " has shape " + t.shape_str() + ", expected " + shape_str(shape) + what);
}

void expect_dtype(const TensorView& t, DType want, const std::string& what) {
  if (t.dtype != want)
    throw Error(where(t) + " has dtype " + std::string(dtype_name(t.dtype)) + ", expected " +
                std::string(dtype_name(want)) + " (" + what + ")");
}

// "<base>.weight" -> "<base>." + suffix.
std::string beside(const std::string& name, const std::string& suffix) {
  const std::string w = "weight";
  const size_t n = name.size() >= w.size() && name.compare(name.size() - w.size(), w.size(), w) == 0
                       ? name.size() - w.size()
                       : name.size();
  return name.substr(0, n) + suffix;
}

}  // namespace

Matrix weight_matrix(const TensorView& w, const TensorView* scale, int64_t rows, int64_t cols) {
  Matrix m;
  m.name = w.name;
  m.rows = rows;
  m.cols = cols;
  m.data = w.data;
  m.dtype = w.dtype;
  const int64_t g = Matrix::kFp4Group;
  switch (w.dtype) {
    case DType::I8: {  // packed FP4
      if (w.shape.size() == 2 && w.shape[1] % 2 != 0)
        throw Error(where(w) + " has shape " + w.shape_str() + ": an odd packed FP4 width (" +
                    std::to_string(w.shape[1]) + " bytes, " + std::to_string(2 * w.shape[1]) +
                    " columns, not whole 32-column scale groups); expected " + shape_str({rows, cols / 2}) +
                    " (two e2m1 codes a byte)");
      expect_shape(w, {rows, cols / 2}, " (FP4: two e2m1 codes a byte)");
      if (cols % g != 0)
        throw Error(where(w) + ": FP4 weight of " + std::to_string(cols) +
                    " columns is not a whole number of 32-column scale groups");
      if (!scale) throw Error(where(w) + ": FP4 weight without its F8_E8M0 scale tensor");
      expect_dtype(*scale, DType::F8_E8M0, "FP4 scales: one power of two a 32 columns");
      expect_shape(*scale, {rows, cols / g}, " (FP4 scales: one a 32 columns)");
      m.dtype = DType::F4_E2M1;
      m.scale_e8m0 = scale->data;
      return m;
    }
    case DType::F8_E4M3: {
      expect_shape(w, {rows, cols});
      if (!scale) throw Error(where(w) + ": FP8 weight without its block scale tensor");
      const std::vector<int64_t> blocks{(rows + Matrix::kBlock - 1) / Matrix::kBlock,
                                        (cols + Matrix::kBlock - 1) / Matrix::kBlock};
      if (scale->dtype == DType::F8_E8M0) {
        m.scale_e8m0 = scale->data;
      } else if (scale->dtype == DType::F32) {
        m.scale = reinterpret_cast<const float*>(scale->data);
      } else {
        throw Error(where(*scale) + " has dtype " + std::string(dtype_name(scale->dtype)) +
                    ", expected F8_E8M0 or F32 (FP8 block scales)");
      }
      expect_shape(*scale, blocks, " (FP8 scales: one a 128x128 block)");
      return m;
    }
    case DType::BF16: case DType::F16: case DType::F32:
      expect_shape(w, {rows, cols});
      return m;
    default:
      if (is_block_quant(w.dtype)) {
        expect_shape(w, {rows, cols});
        if (cols % dtype_block_elems(w.dtype) != 0)
          throw Error(where(w) + ": " + std::to_string(cols) + " columns is not a whole number of " +
                      std::string(dtype_name(w.dtype)) + " blocks");
        return m;
      }
      throw Error(where(w) + " has dtype " + std::string(dtype_name(w.dtype)) +
                  ", expected F8_E4M3, I8 (packed FP4), BF16, F16, F32 or a ggml block type");
  }
}

Matrix weight_matrix(const Checkpoint& ck, const std::string& name, int64_t rows, int64_t cols) {
  const TensorView& w = ck.get(name);
  const TensorView* scale = nullptr;
  if (w.dtype == DType::I8) {
    scale = ck.find(beside(name, "scale"));
    if (!scale)
      throw Error(where(w) + ": FP4 weight (I8, two e2m1 codes a byte) without its F8_E8M0 scale tensor '" +
                  beside(name, "scale") + "' (" + ck.missing_tensor_message(beside(name, "scale")) + ")");
  } else if (w.dtype == DType::F8_E4M3) {
    scale = ck.find(beside(name, "scale"));
    if (!scale) scale = ck.find(beside(name, "weight_scale_inv"));
    if (!scale)
      throw Error(ck.missing_tensor_message(beside(name, "scale")) + " (the block scales of FP8 '" + name +
                  "' in " + (w.file ? *w.file : std::string("?")) + "; V3 checkpoints name them '" +
                  beside(name, "weight_scale_inv") + "')");
  }
  return weight_matrix(w, scale, rows, cols);
}

}  // namespace dseek
