// dseek perplexity: PPL equals exp(mean NLL) of the scored halves computed directly from the
// model's logits; a run against its own saved log-probs gives KL ~ 0 and full top-1
// agreement; a coarser quant against a finer one gives KL > 0 and lower agreement.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "engine/perplexity.h"
#include "runtime/error.h"
#include "test_paths.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

std::vector<int32_t> some_tokens(int64_t n, int64_t vocab) {
  std::vector<int32_t> t(n);
  for (int64_t i = 0; i < n; ++i) t[i] = static_cast<int32_t>((i * 7919 + 13) % vocab);
  return t;
}

std::string gguf(const std::string& name) { return data_path("fixtures/gguf/gguf-v32/" + name); }

TEST(Perplexity, EqualsExpMeanNllOfTheSecondHalves) {
  auto model = Model::load(gguf("gguf-v32-Q4_K_M.gguf"), Numerics::Exact);
  const int64_t V = model->config().vocab_size, ctx = 32;
  const std::vector<int32_t> toks = some_tokens(3 * ctx + 5, V);
  PerplexityOptions opt;
  opt.ctx = ctx;
  const PerplexityResult r = run_perplexity(*CausalLm::borrow(*model), toks, opt, nullptr, nullptr);
  EXPECT_EQ(r.chunks, 3);
  EXPECT_EQ(r.scored, 3 * (ctx - 1 - ctx / 2));
  double nll = 0;
  for (int c = 0; c < 3; ++c) {
    std::vector<int32_t> ids(toks.begin() + c * ctx, toks.begin() + (c + 1) * ctx);
    ids[0] = model->config().bos_token_id;
    SequenceCache cache = model->new_cache();
    const ForwardResult f = model->forward(Batch{ids, std::vector<int32_t>(ctx, 0)}, {&cache}, true);
    for (int64_t i = ctx / 2; i < ctx - 1; ++i) {
      const float* row = f.logits.data() + i * V;
      double m = row[0], s = 0;
      for (int64_t v = 0; v < V; ++v) m = std::max<double>(m, row[v]);
      for (int64_t v = 0; v < V; ++v) s += std::exp(row[v] - m);
      nll += m + std::log(s) - row[ids[i + 1]];
    }
  }
  EXPECT_NEAR(r.ppl(), std::exp(nll / double(r.scored)), 1e-6 * r.ppl());
  EXPECT_GT(r.ppl(), 1.0);
}

TEST(Perplexity, KlDivergenceAgainstSavedLogprobs) {
  const fs::path dir = fs::temp_directory_path() / ("dseek_ppl_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string base = (dir / "q8.lp").string();
  auto q8 = Model::load(gguf("gguf-v32-Q8_0.gguf"), Numerics::Exact);
  const std::vector<int32_t> toks = some_tokens(4 * 32, q8->config().vocab_size);
  PerplexityOptions opt;
  opt.ctx = 32;
  {
    auto save = LogprobFile::create(base, q8->config().vocab_size, 32, 4, 16, toks);
    run_perplexity(*CausalLm::borrow(*q8), toks, opt, save.get(), nullptr);
    EXPECT_FALSE(fs::exists(base));  // only PATH.tmp until finish()
    save->finish();
  }
  ASSERT_TRUE(fs::exists(base));
  auto ref = LogprobFile::open(base);
  const PerplexityResult self = run_perplexity(*CausalLm::borrow(*q8), toks, opt, nullptr, ref.get());
  ASSERT_EQ(self.kld.size(), size_t(self.scored));
  double mx = 0;
  for (double k : self.kld) mx = std::max(mx, k);
  EXPECT_LT(mx, 2e-5);  // only the u16 coding of the saved log-probs (<= 3e-4 nats a value)
  EXPECT_EQ(self.top1_same, self.scored);
  EXPECT_NEAR(self.ref_ppl(), self.ppl(), 1e-3 * self.ppl());

  auto q2 = Model::load(gguf("gguf-v32-Q2_K-00001-of-00002.gguf"), Numerics::Exact);
  auto ref2 = LogprobFile::open(base);
  const PerplexityResult r2 = run_perplexity(*CausalLm::borrow(*q2), toks, opt, nullptr, ref2.get());
  double mean = 0;
  for (double k : r2.kld) mean += k / double(r2.kld.size());
  EXPECT_GT(mean, 1e-3) << "Q2_K against Q8_0";
  EXPECT_NEAR(r2.ref_ppl(), self.ppl(), 1e-3 * self.ppl());

  // Another text: refused, naming the chunk.
  std::vector<int32_t> other = toks;
  other[40] = (other[40] + 1) % q8->config().vocab_size;
  auto ref3 = LogprobFile::open(base);
  EXPECT_THROW(run_perplexity(*CausalLm::borrow(*q8), other, opt, nullptr, ref3.get()), Error);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dseek::test
