#include "cli/bench_spec.h"

#include <cmath>
#include <fstream>
#include <iostream>

#include "engine/generate.h"
#include "model/synthetic.h"

namespace dseek::cli {

namespace {

struct Acceptance {
  double rate = 0, mean_len = 0, tps = 0, plain_tps = 0;
};

// Greedy generation of every sample (prompt_ids) at draft N and at draft 0: acceptance and the
// median decode tokens/s of `repeat` passes.
Acceptance measure_acceptance(const Model& model, const std::vector<std::vector<int32_t>>& prompts, int draft,
                              int repeat) {
  auto pass = [&](int n, GenerateStats* total) {
    GenerateStats sum;
    for (const auto& p : prompts) {
      GenerateOptions opt;
      opt.max_tokens = 96;
      opt.sampling.temperature = 0;
      opt.stop_ids = {model.config().eos_token_id};
      opt.draft = n;
      SequenceCache cache = model.new_cache();
      GenerateStats st;
      generate(model, cache, p, opt, [](int32_t) { return true; }, &st);
      sum.generated_tokens += st.generated_tokens - 1;  // decode tokens/s counts all but the first
      sum.decode_s += st.decode_s;
      sum.drafted_tokens += st.drafted_tokens;
      sum.accepted_tokens += st.accepted_tokens;
      sum.verify_steps += st.verify_steps;
    }
    if (total) *total = sum;
    return sum.decode_s > 0 ? double(sum.generated_tokens) / sum.decode_s : 0.0;
  };
  std::vector<double> spec, plain;
  GenerateStats st;
  for (int i = 0; i < repeat; ++i) {  // interleaved: both see the same machine load
    plain.push_back(pass(0, nullptr));
    spec.push_back(pass(draft, &st));
  }
  std::sort(spec.begin(), spec.end());
  std::sort(plain.begin(), plain.end());
  return {st.acceptance_rate(), st.mean_accepted_length(), spec[spec.size() / 2], plain[plain.size() / 2]};
}

std::vector<std::vector<int32_t>> read_prompts(const std::string& path) {
  std::vector<std::vector<int32_t>> out;
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot read");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ojson s = ojson::parse(line, nullptr, false);
    if (s.is_discarded() || !s.contains("prompt_ids")) throw Error(path + ": a line without prompt_ids");
    out.push_back(s["prompt_ids"].get<std::vector<int32_t>>());
  }
  return out;
}

}  // namespace

void speculative_rows(const Model& model, const std::string& name, const std::vector<int64_t>& drafts,
                      const std::vector<int64_t>& batches, const std::vector<int64_t>& contexts, int repeat,
                      const std::string& samples_jsonl, Machine& m, ojson& rows) {
  const ModelConfig& c = model.config();
  const bool has_mtp = !model.weights().mtp.empty();
  std::vector<std::vector<int32_t>> prompts;
  if (!samples_jsonl.empty()) prompts = read_prompts(samples_jsonl);
  std::vector<Acceptance> acc(drafts.size());
  for (size_t d = 0; d < drafts.size() && !prompts.empty(); ++d) {
    acc[d] = measure_acceptance(model, prompts, static_cast<int>(drafts[d]), repeat);
    ojson r = row(name, "decode", 1, 0, acc[d].tps, 0, 0, acc[d].tps > 0 ? 1.0 / acc[d].tps : 0, m);
    r["name"] = "speculative:" + name;
    r["draft"] = drafts[d];
    r["acceptance_rate"] = acc[d].rate;
    r["mean_accepted_length"] = acc[d].mean_len;
    r["plain_tokens_per_s"] = acc[d].plain_tps;
    r["speedup"] = acc[d].plain_tps > 0 ? acc[d].tps / acc[d].plain_tps : 0;
    rows.push_back(r);
    std::cerr << "draft " << drafts[d] << ": acceptance " << acc[d].rate << ", mean accepted length " << acc[d].mean_len
              << ", " << acc[d].tps << " tokens/s against " << acc[d].plain_tps << " without drafts\n";
  }
  for (int64_t ctx : contexts)
    for (int64_t b : batches) {
      std::vector<SequenceCache> caches;
      for (int64_t i = 0; i < b; ++i) {
        caches.push_back(model.new_cache());
        fill_cache_random(c, caches.back(), ctx, 2000 + i);
      }
      std::vector<SequenceCache*> ptrs;
      for (auto& s : caches) ptrs.push_back(&s);
      int64_t steps = 0;
      // n tokens of each sequence in one forward, then back to `ctx`: every repetition verifies
      // at the same context, with other tokens (other experts).
      auto forward_n = [&](int64_t n) {
        Batch batch;
        for (int64_t i = 0; i < b; ++i)
          for (int64_t t = 0; t < n; ++t) {
            batch.tokens.push_back(static_cast<int32_t>((17 + 31 * i + 7 * t + 7919 * steps) % c.vocab_size));
            batch.seq.push_back(static_cast<int32_t>(i));
          }
        ++steps;
        ForwardResult r = model.forward(batch, ptrs, n > 1);
        for (auto& s : caches) s.truncate(ctx);
        return r;
      };
      forward_n(1);  // warm-up: page in the weights
      const double t1 = median_seconds(repeat, [&] { forward_n(1); });
      double tm = 0;
      if (has_mtp) {
        ForwardResult h = forward_n(1);
        Batch nb;
        for (int64_t i = 0; i < b; ++i) nb.tokens.push_back(5), nb.seq.push_back(static_cast<int32_t>(i));
        tm = median_seconds(repeat, [&] {
          for (auto& s : caches) s.truncate_mtp(0);
          model.forward_mtp(nb, h.hidden, ptrs, false);
        });
      }
      for (size_t d = 0; d < drafts.size(); ++d) {
        const int64_t n = drafts[d] + 1;
        const double tn = median_seconds(repeat, [&] { forward_n(n); });
        const double a = prompts.empty() ? 0.8 : acc[d].rate;
        const double per_step = a >= 1.0 ? double(n) : (1.0 - std::pow(a, double(n))) / (1.0 - a);
        const double ratio = tn / t1, mtp_ratio = tm / t1;
        ojson r = row("verify:" + std::to_string(n) + ":" + name, "decode", b, ctx, double(b * n) / tn, 0, 0, tn, m);
        r["draft"] = drafts[d];
        r["verify_cost_ratio"] = ratio;
        r["mtp_cost_ratio"] = mtp_ratio;
        r["projected_at_acceptance"] = a;
        r["projected_speedup"] = per_step / (ratio + double(drafts[d]) * mtp_ratio);
        if (!prompts.empty()) {
          r["acceptance_rate"] = acc[d].rate;
          r["mean_accepted_length"] = acc[d].mean_len;
        }
        rows.push_back(r);
        std::cerr << "verify " << n << " tokens, batch " << b << ", context " << ctx << ": " << ratio
                  << " x a decode step (MTP draft step " << mtp_ratio << " x)\n";
      }
    }
}

}  // namespace dseek::cli
