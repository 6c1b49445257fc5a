#include "engine/perplexity.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "runtime/error.h"

namespace dseek {

namespace {
constexpr char kMagic[8] = {'D', 'S', 'E', 'E', 'K', 'L', 'P', '1'};

// log-softmax of one row, in double for the sum.
void log_softmax(const float* x, int64_t n, std::vector<float>& out) {
  out.resize(n);
  const float m = *std::max_element(x, x + n);
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += std::exp(double(x[i]) - m);
  const double lse = m + std::log(s);
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(x[i] - lse);
}
}  // namespace

std::unique_ptr<LogprobFile> LogprobFile::create(const std::string& path, int64_t vocab, int64_t ctx, int64_t chunks,
                                                 int64_t first_scored, const std::vector<int32_t>& tokens) {
  std::unique_ptr<LogprobFile> f(new LogprobFile());
  f->path_ = path;
  f->tmp_ = path + ".tmp";
  f->writing_ = true;
  f->vocab_ = vocab, f->ctx_ = ctx, f->chunks_ = chunks, f->first_ = first_scored;
  f->tokens_.assign(tokens.begin(), tokens.begin() + chunks * ctx);
  f->f_ = std::fopen(f->tmp_.c_str(), "wb");
  if (!f->f_) throw Error(path + ": cannot create: " + std::strerror(errno));
  const uint32_t hdr[4] = {uint32_t(vocab), uint32_t(ctx), uint32_t(chunks), uint32_t(first_scored)};
  bool ok = std::fwrite(kMagic, 1, 8, f->f_) == 8 && std::fwrite(hdr, 4, 4, f->f_) == 4 &&
            std::fwrite(f->tokens_.data(), 4, f->tokens_.size(), f->f_) == f->tokens_.size();
  if (!ok) throw Error(path + ": write failed: " + std::strerror(errno));
  return f;
}

std::unique_ptr<LogprobFile> LogprobFile::open(const std::string& path) {
  std::unique_ptr<LogprobFile> f(new LogprobFile());
  f->path_ = path;
  f->f_ = std::fopen(path.c_str(), "rb");
  if (!f->f_) throw Error(path + ": cannot open: " + std::strerror(errno));
  char magic[8];
  uint32_t hdr[4];
  if (std::fread(magic, 1, 8, f->f_) != 8 || std::memcmp(magic, kMagic, 8) != 0)
    throw Error(path + ": not a dseek log-prob file (saved by `dseek perplexity --save-logprobs`)");
  if (std::fread(hdr, 4, 4, f->f_) != 4) throw Error(path + ": truncated header");
  f->vocab_ = hdr[0], f->ctx_ = hdr[1], f->chunks_ = hdr[2], f->first_ = hdr[3];
  if (f->vocab_ <= 0 || f->ctx_ <= 1 || f->first_ >= f->ctx_ || f->chunks_ > (int64_t(1) << 24))
    throw Error(path + ": corrupt header");
  const auto size = std::filesystem::file_size(path);
  const uint64_t want = 24 + uint64_t(f->chunks_) * f->ctx_ * 4 +
                        uint64_t(f->chunks_) * (f->ctx_ - 1 - f->first_) * (8 + 2 * uint64_t(f->vocab_));
  if (size != want) throw Error(path + ": " + std::to_string(size) + " bytes, expected " + std::to_string(want) + " (truncated?)");
  f->tokens_.resize(f->chunks_ * f->ctx_);
  if (std::fread(f->tokens_.data(), 4, f->tokens_.size(), f->f_) != f->tokens_.size()) throw Error(path + ": truncated");
  return f;
}

LogprobFile::~LogprobFile() {
  if (f_) std::fclose(f_);
  if (writing_ && !done_) std::remove(tmp_.c_str());
}

void LogprobFile::write_row(const float* lp) {
  const float lo = *std::min_element(lp, lp + vocab_), hi = *std::max_element(lp, lp + vocab_);
  const float step = hi > lo ? (hi - lo) / 65535.0f : 1.0f;
  codes_.resize(vocab_);
  for (int64_t i = 0; i < vocab_; ++i)
    codes_[i] = static_cast<uint16_t>(std::lround(std::clamp((lp[i] - lo) / step, 0.0f, 65535.0f)));
  if (std::fwrite(&lo, 4, 1, f_) != 1 || std::fwrite(&step, 4, 1, f_) != 1 ||
      std::fwrite(codes_.data(), 2, vocab_, f_) != size_t(vocab_))
    throw Error(path_ + ": write failed (disk full?): " + std::strerror(errno));
}

void LogprobFile::read_row(float* lp) {
  float lo, step;
  codes_.resize(vocab_);
  if (std::fread(&lo, 4, 1, f_) != 1 || std::fread(&step, 4, 1, f_) != 1 ||
      std::fread(codes_.data(), 2, vocab_, f_) != size_t(vocab_))
    throw Error(path_ + ": truncated");
  for (int64_t i = 0; i < vocab_; ++i) lp[i] = lo + step * codes_[i];
}

void LogprobFile::finish() {
  if (!writing_ || done_) return;
  const bool ok = std::fflush(f_) == 0 && std::fclose(f_) == 0;
  f_ = nullptr;
  if (!ok) throw Error(path_ + ": write failed (disk full?): " + std::strerror(errno));
  std::filesystem::rename(tmp_, path_);
  done_ = true;
}

double PerplexityResult::ppl() const { return scored ? std::exp(nll / double(scored)) : 0.0; }
double PerplexityResult::ref_ppl() const { return scored ? std::exp(ref_nll / double(scored)) : 0.0; }

PerplexityResult run_perplexity(const CausalLm& lm, const std::vector<int32_t>& tokens, const PerplexityOptions& opt,
                                LogprobFile* save, LogprobFile* ref, const std::function<void(int64_t, int64_t)>& progress) {
  const int64_t V = lm.info().vocab_size, n = opt.ctx, first = n / 2;
  if (n < 4) throw Error("perplexity: --ctx must be at least 4 (each chunk is scored on its second half)");
  if (n > lm.info().max_positions)
    throw Error("perplexity: --ctx " + std::to_string(n) + " exceeds the model's context " +
                std::to_string(lm.info().max_positions));
  int64_t chunks = static_cast<int64_t>(tokens.size()) / n;
  if (opt.max_chunks > 0) chunks = std::min(chunks, opt.max_chunks);
  if (chunks == 0)
    throw Error("perplexity: the text has " + std::to_string(tokens.size()) + " tokens, fewer than one chunk of --ctx " +
                std::to_string(n));
  if (ref) {
    if (ref->vocab() != V || ref->ctx() != n || ref->first_scored() != first)
      throw Error("perplexity: the reference log-probs were saved with vocab " + std::to_string(ref->vocab()) + ", ctx " +
                  std::to_string(ref->ctx()) + "; this run has vocab " + std::to_string(V) + ", ctx " + std::to_string(n));
    if (ref->chunks() < chunks) chunks = ref->chunks();
  }
  PerplexityResult res;
  res.has_ref = ref != nullptr;
  std::vector<float> lp, rp(ref ? V : 0);
  for (int64_t c = 0; c < chunks; ++c) {
    std::vector<int32_t> ids(tokens.begin() + c * n, tokens.begin() + (c + 1) * n);
    ids[0] = opt.bos;  // every chunk starts as a document does
    if (ref && !std::equal(ids.begin() + 1, ids.end(), ref->tokens().begin() + c * n + 1))
      throw Error("perplexity: chunk " + std::to_string(c) + " has other tokens than the reference run (another text or tokenizer?)");
    std::unique_ptr<LmSequence> seq = lm.new_sequence();
    const std::vector<float> logits = lm.forward(*seq, ids, true);
    for (int64_t i = first; i < n - 1; ++i) {
      log_softmax(logits.data() + i * V, V, lp);
      const int32_t next = ids[i + 1];
      res.nll -= lp[next];
      ++res.scored;
      if (save) save->write_row(lp.data());
      if (ref) {
        ref->read_row(rp.data());
        double kl = 0;
        for (int64_t v = 0; v < V; ++v) kl += std::exp(double(rp[v])) * (double(rp[v]) - lp[v]);
        res.kld.push_back(std::max(kl, 0.0));
        res.ref_nll -= rp[next];
        res.top1_same += std::max_element(rp.begin(), rp.end()) - rp.begin() == std::max_element(lp.begin(), lp.end()) - lp.begin();
      }
    }
    ++res.chunks;
    res.chunk_ppl.push_back(res.ppl());
    if (progress) progress(c + 1, chunks);
  }
  return res;
}

}  // namespace dseek
