// Speculative decoding with the MTP layer (engine/speculative.h): greedy output identical to
// draft 0 (built-in model and the tiny-moe-dsa fixture, stops inside accepted runs), the cache
// after rejections equal to one fed the emitted tokens one at a time, unverified blocks never
// published, and the sampled distribution equal to plain sampling (and a wrong rule caught).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/causal_lm.h"
#include "engine/generate.h"
#include "engine/speculative.h"
#include "model/golden.h"
#include "test_paths.h"
#include "weights/safetensors.h"

namespace dseek::test {
namespace {

struct Sample {
  std::vector<int32_t> prompt, want;
};

// The built-in model's held-out samples whose greedy output (the reference's) is given.
std::vector<Sample> nano_samples(size_t n) {
  std::ifstream in(repo_dir() + "/models/nano-agent/samples.jsonl");
  std::vector<Sample> out;
  std::string line;
  while (out.size() < n && std::getline(in, line)) {
    if (line.empty()) continue;
    auto s = nlohmann::json::parse(line);
    out.push_back({s["prompt_ids"].get<std::vector<int32_t>>(), s["greedy_output_ids"].get<std::vector<int32_t>>()});
  }
  return out;
}

std::vector<int32_t> run(const Model& m, const std::vector<int32_t>& prompt, int draft, int max_tokens,
                         std::vector<int32_t> stop_ids, GenerateStats* st = nullptr, SequenceCache* keep = nullptr) {
  GenerateOptions opt;
  opt.max_tokens = max_tokens;
  opt.sampling.temperature = 0;
  opt.stop_ids = std::move(stop_ids);
  opt.draft = draft;
  SequenceCache cache = m.new_cache();
  auto out = generate(m, cache, prompt, opt, [](int32_t) { return true; }, st);
  if (keep) *keep = std::move(cache);
  return out;
}

// The reference's output cut where draft 0 would stop: at the first stop id, or max_tokens.
std::vector<int32_t> cut(const std::vector<int32_t>& want, int32_t stop, size_t max_tokens) {
  std::vector<int32_t> r;
  for (int32_t t : want) {
    if (r.size() == max_tokens) break;
    r.push_back(t);
    if (t == stop) break;
  }
  return r;
}

TEST(Speculative, GreedyIdenticalOnTheBuiltInModel) {
  auto m = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  const int32_t eos = m->config().eos_token_id;
  for (const Sample& s : nano_samples(1)) {
    for (int draft : {1, 2, 3}) {
      GenerateStats st;
      EXPECT_EQ(run(*m, s.prompt, draft, 40, {eos}, &st), cut(s.want, eos, 40)) << "draft " << draft;
      // Drafts were accepted (the trained MTP layer agrees often) and some rejected.
      EXPECT_GT(st.accepted_tokens, 0) << "draft " << draft;
      EXPECT_LE(st.accepted_tokens, st.drafted_tokens);
      if (draft == 3) {
        EXPECT_LT(st.accepted_tokens, st.drafted_tokens);
      }
    }
  }
}

TEST(Speculative, StopsInsideAcceptedRunsAsWithoutDrafts) {
  auto m = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  const Sample s = nano_samples(1)[0];
  // A stop id met inside the output (inside accepted runs at draft 3, where the MTP layer
  // agrees), and max_tokens at lengths that end mid-step.
  for (size_t i : {4u, 11u}) {
    const int32_t stop = s.want[i];
    EXPECT_EQ(run(*m, s.prompt, 3, 24, {stop}), cut(s.want, stop, 24)) << "stop at output token " << i;
  }
  for (int n : {1, 2, 6, 9}) EXPECT_EQ(run(*m, s.prompt, 3, n, {-1}), cut(s.want, -2, n)) << "max_tokens " << n;
}

TEST(Speculative, GreedyIdenticalOnTinyMoeDsa) {
  const std::string dir = data_path("fixtures/tiny-moe-dsa");
  ASSERT_FALSE(dir.empty()) << "fixtures/tiny-moe-dsa missing";
  auto m = Model::load(dir, Numerics::Exact);
  auto golden = SafetensorsFile::open(dir + "/golden.exact.safetensors");
  for (const std::string p : {"prompt0", "prompt1"}) {
    const std::vector<int32_t> prompt = as_token_ids(golden->get(p + ".tokens"));
    const std::vector<int32_t> plain = run(*m, prompt, 0, 24, {-1});
    const std::vector<int64_t> oracle = as_i64(golden->get(p + ".greedy.tokens"));
    ASSERT_EQ(std::vector<int64_t>(plain.begin(), plain.begin() + static_cast<int64_t>(oracle.size())), oracle);
    for (int draft : {1, 2, 3}) {
      GenerateStats st;
      EXPECT_EQ(run(*m, prompt, draft, 24, {-1}, &st), plain) << p << " draft " << draft;
      EXPECT_GT(st.drafted_tokens, 0);
    }
    // An EOS-like stop on a token of the output.
    EXPECT_EQ(run(*m, prompt, 3, 24, {plain[7]}), cut(plain, plain[7], 24)) << p;
  }
}

// Every cached value of `a` and `b` (main layers: latent, k_pe, indexer keys; MTP rows),
// bit for bit.
void expect_same_cache(const Model& m, const SequenceCache& a, const SequenceCache& b) {
  const ModelConfig& c = m.config();
  ASSERT_EQ(a.length, b.length);
  ASSERT_EQ(a.tokens, b.tokens);
  const int64_t n = a.length, C = c.kv_lora_rank, R = c.qk_rope_head_dim, Di = c.index_head_dim;
  std::vector<float> eye(Di * Di, 0.0f);
  for (int64_t i = 0; i < Di; ++i) eye[i * Di + i] = 1.0f;  // q = identity: index_dots reads the keys back
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    std::vector<float> la(n * C), pa(n * R), lb(n * C), pb(n * R);
    a.gather_prefix(l, n, la.data(), pa.data());
    b.gather_prefix(l, n, lb.data(), pb.data());
    EXPECT_EQ(la, lb) << "latent, layer " << l;
    EXPECT_EQ(pa, pb) << "k_pe, layer " << l;
    if (c.has_indexer) {
      std::vector<float> ka(Di * n), kb(Di * n);
      a.index_dots(l, eye.data(), Di, n, ka.data());
      b.index_dots(l, eye.data(), Di, n, kb.data());
      EXPECT_EQ(ka, kb) << "indexer keys, layer " << l;
    }
  }
  EXPECT_EQ(a.mtp_length, b.mtp_length);
  EXPECT_EQ(a.mtp.kv, b.mtp.kv);
  EXPECT_EQ(a.mtp.pe, b.mtp.pe);
  EXPECT_EQ(a.mtp.ik, b.mtp.ik);
}

// After speculative generation with rejections, the cache equals one fed the prompt and then
// the emitted tokens one at a time (main model and MTP layer, as the engine pairs them), and
// the next step's logits agree bit for bit.
void check_rollback(const Model& m, const std::vector<int32_t>& prompt, int draft, int max_tokens) {
  GenerateStats st;
  SequenceCache spec = m.new_cache();
  const std::vector<int32_t> out = run(m, prompt, draft, max_tokens, {-1}, &st, &spec);
  ASSERT_EQ(static_cast<int>(out.size()), max_tokens);
  EXPECT_LT(st.accepted_tokens, st.drafted_tokens) << "no draft was rejected: the rollback is not exercised";
  const int64_t P = static_cast<int64_t>(prompt.size()), D = m.config().hidden_size;

  SequenceCache ref = m.new_cache();
  ForwardResult r = m.forward(Batch{prompt, std::vector<int32_t>(P, 0)}, {&ref}, false);
  if (P > 1)
    m.forward_mtp(Batch{std::vector<int32_t>(prompt.begin() + 1, prompt.end()), std::vector<int32_t>(P - 1, 0)},
                  std::vector<float>(r.hidden.begin(), r.hidden.end() - D), {&ref}, false);
  std::vector<float> h(r.hidden.end() - D, r.hidden.end());
  for (size_t i = 0; i < out.size(); ++i) {
    m.forward_mtp(Batch{{out[i]}, {0}}, h, {&ref}, false);
    if (i + 1 == out.size()) break;
    h = m.forward(Batch{{out[i]}, {0}}, {&ref}, false).hidden;
  }
  expect_same_cache(m, spec, ref);
  // The next step: the pending (last) token through both, then a draft from its hidden state.
  ForwardResult ns = m.forward(Batch{{out.back()}, {0}}, {&spec}, false);
  ForwardResult nr = m.forward(Batch{{out.back()}, {0}}, {&ref}, false);
  EXPECT_EQ(ns.logits, nr.logits);
  EXPECT_EQ(m.forward_mtp(Batch{{7}, {0}}, ns.hidden, {&spec}), m.forward_mtp(Batch{{7}, {0}}, nr.hidden, {&ref}));
}

TEST(Speculative, RollbackLeavesTheCacheAsIfFedTheEmittedTokens) {
  const std::string dir = data_path("fixtures/tiny-moe-dsa");
  ASSERT_FALSE(dir.empty());
  auto tiny = Model::load(dir, Numerics::Exact);
  auto golden = SafetensorsFile::open(dir + "/golden.exact.safetensors");
  // 77 prompt tokens: past index_topk (16), so the verified rows select top-k positions.
  check_rollback(*tiny, as_token_ids(golden->get("prompt0.tokens")), 3, 20);
  auto nano = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  check_rollback(*nano, nano_samples(1)[0].prompt, 3, 30);
}

TEST(Speculative, UnverifiedBlocksAreNotPublished) {
  auto m = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  auto pool = m->new_pool(0, 4);
  const std::vector<int32_t> toks = {0, 5, 9, 14, 20, 31, 7, 8, 3};
  SequenceCache a(pool);
  a.set_verified_limit(2);
  m->forward(Batch{toks, std::vector<int32_t>(toks.size(), 0)}, {&a}, false);
  SequenceCache b(pool);
  EXPECT_EQ(b.adopt_prefix(toks), 0);  // blocks [0, 4) and [4, 8) hold positions >= 2: held back
  a.truncate(6);
  a.set_verified_limit(INT64_MAX);  // verified up to 6: the first block only
  EXPECT_EQ(b.adopt_prefix(toks), 4);
  // The engine's own use: after speculative generation every block it published is adoptable
  // and no longer than the verified sequence.
  SequenceCache c(pool);
  GenerateOptions opt;
  opt.max_tokens = 20;
  opt.sampling.temperature = 0;
  opt.draft = 3;
  const std::vector<int32_t> prompt = nano_samples(1)[0].prompt;
  std::vector<int32_t> out = generate(*m, c, prompt, opt, [](int32_t) { return true; });
  std::vector<int32_t> all = prompt;
  all.insert(all.end(), out.begin(), out.end());
  SequenceCache d(pool);
  EXPECT_EQ(d.adopt_prefix(all), (c.length / 4) * 4);
}

TEST(Speculative, RefusesWhatItCannotDo) {
  auto m = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  auto lm = CausalLm::borrow(*m);
  EXPECT_NO_THROW(check_draft(*lm, 0));
  EXPECT_NO_THROW(check_draft(*lm, kMaxDraft));
  EXPECT_THROW(check_draft(*lm, kMaxDraft + 1), Error);
  EXPECT_THROW(check_draft(*lm, -1), Error);
  const std::string v4 = data_path("fixtures-v4/tiny-v4");
  if (!v4.empty()) {
    auto lm4 = CausalLm::load(v4, Numerics::Exact);
    try {
      check_draft(*lm4, 2);
      ADD_FAILURE() << "V4 accepted --draft 2";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("--draft"), std::string::npos) << e.what();
    }
  }
}

// The rule alone, on overlapping p and q (where the residual matters): the emitted token's
// distribution over 200000 draws is p; resampling from p instead of the residual is caught.
TEST(Speculative, AcceptanceRuleEmitsTheTargetDistribution) {
  const TokenDist p{{0, 1, 2, 3}, {0.5, 0.3, 0.2, 0.0}}, q{{0, 1, 2, 3}, {0.2, 0.2, 0.4, 0.2}};
  const int N = 200000;
  // E[TV] <= 0.5 sqrt(K / N) = 0.0022 for K = 4 cells; TV moves by at most 1/N a draw, so
  // P(TV > E + 0.005) <= exp(-2 N 0.005^2) = 4.5e-5 (McDiarmid). The wrong rule is off by
  // sum(p - min(p, q)) x TV(p, residual) = 0.4 x 0.25 = 0.1.
  const double thr = 0.5 * std::sqrt(4.0 / N) + 0.005;
  for (AcceptRule rule : {AcceptRule::Exact, AcceptRule::ResampleTarget}) {
    SamplingParams sp;
    sp.seed = 7;
    Sampler rng(sp);
    std::vector<double> h(4, 0.0);
    int accepted = 0;
    for (int i = 0; i < N; ++i) {
      bool acc = false;
      const int32_t d = rng.draw(q);
      h[verify_draft(rng, p, q, d, &acc, rule)] += 1.0 / N;
      accepted += acc;
    }
    double tv = 0;
    for (int t = 0; t < 4; ++t) tv += std::abs(h[t] - p.probs[t]) / 2;
    // Acceptance rate sum(min(p, q)) = 0.6 either way.
    EXPECT_NEAR(double(accepted) / N, 0.6, 0.01);
    if (rule == AcceptRule::Exact) {
      EXPECT_LT(tv, thr);
    } else {
      EXPECT_GT(tv, thr) << "the wrong rule passes";
    }
  }
}

// The whole engine at temperature 1: the first generated tokens (top-k 2, so that a few
// hundred runs estimate every cell) against the exact distribution from the model's own
// logits. E[TV] <= 0.5 sqrt(K / N) for K cells and N runs (Cauchy-Schwarz over the cells'
// standard deviations); TV moves by at most 1/N a run, so P(TV > E + t) <= exp(-2 N t^2).
double tv_of_spec_sampling(const Model& m, const std::vector<int32_t>& prompt, AcceptRule rule, int runs) {
  const int kTokens = 3;  // t1 from the prompt's logits, t2 and t3 after verified drafts
  SamplingParams sp;
  sp.temperature = 1.0f;
  sp.top_k = 2;
  sp.top_p = 1.0f;
  std::map<std::vector<int32_t>, double> emp;
  for (int i = 0; i < runs; ++i) {
    GenerateOptions opt;
    opt.max_tokens = kTokens + 1;  // room for two chained drafts after t1
    opt.sampling = sp;
    opt.sampling.seed = 1000 + i;
    opt.draft = 2;
    opt.stop_ids = {-1};
    opt.accept_rule = rule;
    SequenceCache cache = m.new_cache();
    std::vector<int32_t> out = generate(m, cache, prompt, opt, [](int32_t) { return true; });
    emp[std::vector<int32_t>(out.begin(), out.begin() + kTokens)] += 1.0 / runs;
  }
  // Exact: p(t1) p(t2 | t1) p(t3 | t1, t2) over the top-2 tree, one forward a prefix.
  const int64_t V = m.config().vocab_size;
  Sampler filt(sp);
  std::map<std::vector<int32_t>, double> exact;
  std::function<void(const std::vector<int32_t>&, const std::vector<int32_t>&, double)> walk =
      [&](const std::vector<int32_t>& seq, const std::vector<int32_t>& gen, double pr) {
        if (static_cast<int>(gen.size()) == kTokens) {
          exact[gen] = pr;
          return;
        }
        SequenceCache c = m.new_cache();
        std::vector<float> l = m.forward(Batch{seq, std::vector<int32_t>(seq.size(), 0)}, {&c}, false).logits;
        const TokenDist d = filt.distribution(l.data(), V);
        for (size_t i = 0; i < d.ids.size(); ++i) {
          auto s2 = seq, g2 = gen;
          s2.push_back(d.ids[i]);
          g2.push_back(d.ids[i]);
          walk(s2, g2, pr * d.probs[i]);
        }
      };
  walk(prompt, {}, 1.0);
  double tv = 0;
  for (const auto& [k, p] : exact) tv += std::abs(p - (emp.count(k) ? emp[k] : 0.0));
  for (const auto& [k, q] : emp)
    if (!exact.count(k)) tv += q;
  return tv / 2;
}

TEST(Speculative, SamplingKeepsTheDistribution) {
  // tiny-moe-dsa: a 512-token vocabulary keeps a run cheap. Its MTP layer is untrained, so its
  // top-2 rarely meets the target's and most drafts are rejected with p(d) = 0: the residual
  // is p itself there, which is why the wrong rule's power is shown on the rule alone above.
  const std::string dir = data_path("fixtures/tiny-moe-dsa");
  ASSERT_FALSE(dir.empty());
  auto m = Model::load(dir, Numerics::Exact);
  const std::vector<int32_t> prompt = {0, 17, 301, 44, 5};
  const int N = 200, K = 8;
  const double thr = 0.5 * std::sqrt(double(K) / N) + 0.1;  // P(false alarm) <= exp(-2 N 0.1^2) = 1.8e-2
  const double tv = tv_of_spec_sampling(*m, prompt, AcceptRule::Exact, N);
  EXPECT_LT(tv, thr) << "speculative sampling changed the distribution";
  // A defect that shifts the distribution (every draft accepted) is far above it.
  const double wrong = tv_of_spec_sampling(*m, prompt, AcceptRule::AcceptAll, N);
  EXPECT_GT(wrong, thr) << "the test cannot tell a wrong rule";
  std::printf("TV %.3f (exact rule), %.3f (every draft accepted), threshold %.3f\n", tv, wrong, thr);
}

}  // namespace
}  // namespace dseek::test
