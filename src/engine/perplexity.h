// Perplexity over a text and the KL divergence of a model's next-token distributions against a
// reference model's saved ones: the quality figures llama.cpp users compare quant types by
// (llama-perplexity's scheme: chunks of `ctx` tokens, each starting with BOS, each scored on
// its second half so every scored token has at least ctx/2 tokens of context).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/causal_lm.h"
#include "model/model.h"

namespace dseek {

// A file of log-probabilities saved by a reference run ("DSEEKLP1"): header (vocab, ctx,
// chunks, first scored position), the tokens [chunks * ctx] (i32), then per scored token the
// log-softmax over the vocabulary as u16 codes between the row's min and max (f32 min, f32
// step, u16[vocab]; error <= step / 2, about 3e-4 nats for a 40-nat range).
class LogprobFile {
 public:
  // Writes to PATH.tmp; finish() renames it to PATH. Throws dseek::Error naming the path.
  static std::unique_ptr<LogprobFile> create(const std::string& path, int64_t vocab, int64_t ctx, int64_t chunks,
                                             int64_t first_scored, const std::vector<int32_t>& tokens);
  // Reads the whole header and the tokens; rows are read on demand.
  static std::unique_ptr<LogprobFile> open(const std::string& path);
  ~LogprobFile();

  int64_t vocab() const { return vocab_; }
  int64_t ctx() const { return ctx_; }
  int64_t chunks() const { return chunks_; }
  int64_t first_scored() const { return first_; }
  const std::vector<int32_t>& tokens() const { return tokens_; }
  void write_row(const float* logprobs);
  // Reads the next row (in write order) into logprobs [vocab].
  void read_row(float* logprobs);
  void finish();

 private:
  LogprobFile() = default;
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
  bool writing_ = false, done_ = false;
  int64_t vocab_ = 0, ctx_ = 0, chunks_ = 0, first_ = 0;
  std::vector<int32_t> tokens_;
  std::vector<uint16_t> codes_;
};

struct PerplexityOptions {
  int64_t ctx = 512;       // tokens a chunk (BOS included)
  int64_t max_chunks = 0;  // 0: every whole chunk of the text
  int32_t bos = 0;
};

struct PerplexityResult {
  int64_t chunks = 0, scored = 0;
  double nll = 0;                    // summed negative log-likelihood, nats
  std::vector<double> chunk_ppl;     // running perplexity after each chunk
  // Against a reference (when given): per scored token KL(ref || model), top-1 agreement,
  // the reference's own NLL.
  bool has_ref = false;
  std::vector<double> kld;
  int64_t top1_same = 0;
  double ref_nll = 0;
  double ppl() const;
  double ref_ppl() const;
};

// Scores `tokens` chunk by chunk. save: log-probs written for a later comparison (nullptr:
// none); ref: a reference run's file over the same tokens and ctx (nullptr: none). progress
// is called after each chunk with (chunks done, chunks total). Throws dseek::Error when the
// text has fewer than ctx tokens, or the reference's tokens, ctx or vocab differ.
PerplexityResult run_perplexity(const CausalLm& lm, const std::vector<int32_t>& tokens, const PerplexityOptions& opt,
                                LogprobFile* save, LogprobFile* ref,
                                const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace dseek
