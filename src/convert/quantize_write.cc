// write_quantized: the streaming writer of a QuantizePlan.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>

#include "convert/encode_rows.h"
#include "convert/progress.h"
#include "convert/quantize.h"
#include "convert/tensor_source.h"
#include "runtime/error.h"
#include "runtime/signal_cleanup.h"
#include "weights/gguf_writer.h"

namespace dseek {

namespace {

constexpr uint64_t kSlabBytes = 32ull << 20;  // output bytes encoded between two writes
constexpr int64_t kChunkFloats = 64 * 1024;   // most fp32 scratch a thread decodes at once

// Rows of one slab: at most kSlabBytes of output (but at least one row group), and for an
// expert stack whole experts, at least one.
int64_t slab_rows(const GgufTensorPlan& t, int64_t group, size_t row_bytes) {
  int64_t rows = std::max<int64_t>(1, static_cast<int64_t>(kSlabBytes / std::max<size_t>(row_bytes, 1)));
  if (t.kind == SourceKind::ExpertStack) rows = std::max<int64_t>(1, rows / t.shape[1]) * t.shape[1];
  rows = std::max(group, rows / group * group);
  return std::min(rows, t.rows());
}

// Encodes rows [r0, r0 + n) of `src` into dst, in parallel over chunks of whole row groups.
void encode_slab(const TensorSource& src, const GgufTensorPlan& t, int64_t r0, int64_t n, size_t row_bytes, uint8_t* dst) {
  const int64_t cols = t.cols(), group = src.row_group();
  // Chunks small enough that every thread gets several (load balance), at most kChunkFloats.
  const int64_t per_thread = (n + 4 * omp_get_max_threads() - 1) / (4 * omp_get_max_threads());
  int64_t chunk = std::min(per_thread, std::max<int64_t>(1, kChunkFloats / cols));
  chunk = std::max(group, chunk / group * group);
  const int64_t n_chunks = (n + chunk - 1) / chunk;
  std::exception_ptr err;
#pragma omp parallel if (n_chunks > 1)
  {
    std::vector<float> buf(static_cast<size_t>(chunk * cols));
#pragma omp for schedule(dynamic, 1)
    for (int64_t k = 0; k < n_chunks; ++k) {
      const int64_t a = k * chunk, m = std::min(chunk, n - a);
      try {
        src.rows(r0 + a, m, buf.data());
        encode_rows(t.type, buf.data(), m, cols, dst + a * row_bytes);
      } catch (...) {
#pragma omp critical(dseek_quantize_err)
        if (!err) err = std::current_exception();
      }
    }
  }
  if (err) std::rethrow_exception(err);
}

}  // namespace

QuantizeResult write_quantized(const Checkpoint& ck, const QuantizePlan& p, std::ostream* progress, bool tty) {
  const auto start = std::chrono::steady_clock::now();
  const auto& tensors = p.layout.tensors;
  const int parts = static_cast<int>(p.paths.size());
  // Every temp file, and each part once renamed, is removed if the run fails or is interrupted
  // (install_signal_cleanup); declared before the writers, so it outlives them.
  OutputFiles outputs;
  // All parts open at once (their temp files), finished together at the end.
  std::vector<std::unique_ptr<GgufWriter>> w;
  for (int k = 0; k < parts; ++k) {
    outputs.add(p.paths[k] + ".tmp");  // GgufWriter's temp file, registered before it exists
    w.push_back(std::make_unique<GgufWriter>(p.paths[k]));
    if (k == 0)
      for (const auto& [key, v] : p.metadata) w[k]->set(key, v);
    if (parts > 1) {
      w[k]->set("split.no", gguf_u16(static_cast<uint16_t>(k)));
      w[k]->set("split.tensors.count", gguf_i32(static_cast<int32_t>(tensors.size())));
      w[k]->set("split.count", gguf_u16(static_cast<uint16_t>(parts)));
    }
  }
  for (size_t i = 0; i < tensors.size(); ++i) w[p.part[i]]->add_tensor(tensors[i].name, tensors[i].type, tensors[i].shape);
  for (auto& x : w) x->write_header();

  Progress bar(p.data_bytes(), progress ? *progress : std::cerr, tty);
  uint64_t done = 0;
  std::vector<uint8_t> slab;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const GgufTensorPlan& t = tensors[i];
    const TensorSource src(ck, t);
    const size_t row_bytes = dtype_row_bytes(t.type, t.cols());
    const int64_t rows = t.rows(), step = slab_rows(t, src.row_group(), row_bytes);
    slab.resize(static_cast<size_t>(step) * row_bytes);
    for (int64_t r0 = 0; r0 < rows; r0 += step) {
      const int64_t n = std::min(step, rows - r0);
      encode_slab(src, t, r0, n, row_bytes, slab.data());
      w[p.part[i]]->write_tensor_part(t.name, slab.data(), static_cast<size_t>(n) * row_bytes);
      done += static_cast<uint64_t>(n) * row_bytes;
      if (progress) bar.update(done, t.name);
    }
  }
  if (progress) bar.finish();

  // A part renamed before a later one fails (or a signal comes) is removed too; it is
  // registered only once renamed, so an earlier GGUF at that path is never removed for nothing.
  for (int k = 0; k < parts; ++k) {
    w[k]->finish();
    outputs.add(p.paths[k]);
  }
  outputs.keep();
  QuantizeResult r;
  r.bytes = p.total_file_bytes();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace dseek
