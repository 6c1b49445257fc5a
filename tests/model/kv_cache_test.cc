// The paged KV cache: prefix reuse, long-context sparse attention against a masked-dense
// reference, save/restore, and a cache that runs out of room.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "golden.h"
#include "model/model.h"
#include "model/synthetic.h"

namespace dseek::test {
namespace {

std::vector<int32_t> random_tokens(int64_t n, int32_t vocab, uint32_t seed) {
  std::mt19937 g(seed);
  std::uniform_int_distribution<int32_t> d(2, vocab - 1);
  std::vector<int32_t> t(n);
  for (auto& v : t) v = d(g);
  return t;
}

Batch one_seq(const std::vector<int32_t>& toks) { return Batch{toks, std::vector<int32_t>(toks.size(), 0)}; }

TEST(KvCache, PrefixReusePrefillsOnlyTheNewTokensAndMatchesAColdRun) {
  auto model = Model::load(data_path("fixtures/tiny-moe-dsa"), Numerics::Exact);
  std::vector<int32_t> a = random_tokens(1000, 512, 1);
  a[0] = 0;
  std::vector<int32_t> b(a.begin(), a.begin() + 900), tail = random_tokens(100, 512, 2);
  b.insert(b.end(), tail.begin(), tail.end());

  SequenceCache cold = model->new_cache();
  ForwardResult want = model->forward(one_seq(b), {&cold}, true);

  auto pool = model->new_pool(0);
  {
    SequenceCache ca(pool);
    model->forward(one_seq(a), {&ca}, false);
  }  // released: its full blocks stay cached
  SequenceCache cb(pool);
  const int64_t cached = cb.adopt_prefix(b);
  EXPECT_EQ(cached, 896);  // 14 full blocks of 64 tokens lie inside the shared 900
  EXPECT_EQ(pool->stats().prefix_hits, 14);
  std::vector<int32_t> rest(b.begin() + cached, b.end());
  ForwardResult got = model->forward(one_seq(rest), {&cb}, true);
  ASSERT_EQ(got.logits.size(), rest.size() * 512);  // only the 104 new tokens were computed
  const float* w = want.logits.data() + cached * 512;
  EXPECT_LE(max_abs_diff(got.logits.data(), w, got.logits.size()), 1e-4f);
  for (size_t r = 0; r < rest.size(); ++r) EXPECT_EQ(argmax_row(got.logits.data() + r * 512, 512), argmax_row(w + r * 512, 512));
}

class LongContext : public ::testing::TestWithParam<int64_t> {};

// At 8K and 32K cached tokens (random rows, real 671B attention shapes), decode steps and a
// prefill chunk through the sparse-gather path equal the masked-dense reference over the same
// top-k selection; the cache is paged and its prefix was adopted from another sequence.
TEST_P(LongContext, SparseGatherEqualsMaskedDense) {
  const int64_t L = GetParam();
  ModelConfig c = real_layer_config(4, 256);
  auto model = Model::from_checkpoint(synthetic_checkpoint(c, 7, "real-layer"), Numerics::Exact);
  auto pool = model->new_pool(0);
  std::vector<int32_t> toks = random_tokens(L, 256, 3);
  {
    SequenceCache filler(pool);
    fill_cache_random(c, filler, L, 11, &toks);
  }
  std::vector<int32_t> prompt = toks;
  prompt.push_back(5);
  SequenceCache cache(pool);
  ASSERT_EQ(cache.adopt_prefix(prompt), L);

  auto run = [&](const std::vector<int32_t>& t, bool reference, Trace* trace) {
    model->set_masked_dense_reference(reference);
    ForwardResult r = model->forward(one_seq(t), {&cache}, true, trace);
    model->set_masked_dense_reference(false);
    return r.logits;
  };
  for (const std::vector<int32_t>& step : {std::vector<int32_t>{5}, std::vector<int32_t>{9}, std::vector<int32_t>{7, 8, 3, 4}}) {
    const int64_t before = cache.length;
    Trace ts, tr;
    std::vector<float> sparse = run(step, false, &ts);
    cache.truncate(before);
    std::vector<float> ref = run(step, true, &tr);
    for (size_t t = 0; t < step.size(); ++t) {
      EXPECT_EQ(ts.topk[0][t], tr.topk[0][t]);
      EXPECT_EQ(static_cast<int64_t>(ts.topk[0][t].size()), c.index_topk);  // really sparse
    }
    float mx = 0;
    for (float v : ref) mx = std::max(mx, std::fabs(v));
    EXPECT_LE(max_abs_diff(sparse.data(), ref.data(), ref.size()), 1e-4f * std::max(1.0f, mx)) << "context " << before;
  }
}

INSTANTIATE_TEST_SUITE_P(Contexts, LongContext, ::testing::Values(8192, 32768));

TEST(KvCache, BudgetExhaustedIsAClearErrorAndChangesNothing) {
  auto model = Model::load(data_path("fixtures/tiny-dense"), Numerics::Exact);
  auto probe = model->new_pool(0);
  auto pool = model->new_pool(probe->block_bytes() * 2);  // room for 128 tokens
  SequenceCache cache(pool);
  model->forward(one_seq(random_tokens(100, 512, 9)), {&cache}, false);
  EXPECT_EQ(cache.length, 100);
  try {
    model->forward(one_seq(random_tokens(60, 512, 10)), {&cache}, false);
    FAIL() << "expected KvCacheFull";
  } catch (const KvCacheFull& e) {
    EXPECT_NE(std::string(e.what()).find("--kv-budget"), std::string::npos);
  }
  EXPECT_EQ(cache.length, 100);
  EXPECT_EQ(cache.blocks(), 2);
  ForwardResult r = model->forward(one_seq({7, 8}), {&cache}, false);  // still usable
  EXPECT_EQ(cache.length, 102);
  EXPECT_EQ(r.logits.size(), 512u);
}

}  // namespace
}  // namespace dseek::test
