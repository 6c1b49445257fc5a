// `dseek perplexity`: perplexity of a model over a text, and the KL divergence / top-1
// agreement against a reference model's saved log-probs (e.g. the FP8 original vs a quant).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/io_util.h"
#include "engine/model_tokenizer.h"
#include "engine/perplexity.h"
#include "runtime/error.h"
#include "runtime/signal_cleanup.h"

namespace dseek::cli {

namespace {
double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * double(v.size() - 1) + 0.5))];
}
}  // namespace

int cmd_perplexity(const PerplexityArgs& a) {
  if (a.ctx < 4) throw Error("perplexity: --ctx must be at least 4 (each chunk is scored on its second half)");
  if (!a.save_logprobs.empty() && std::filesystem::is_directory(a.save_logprobs))
    throw Error(a.save_logprobs + ": is a directory; --save-logprobs names the file to write");
  if (!a.save_logprobs.empty() && a.save_logprobs == a.kld_base)
    throw Error(a.save_logprobs + ": --save-logprobs would overwrite the --kl-divergence-base it reads");
  // An interrupted run leaves no F.tmp behind; an unwritable path fails before any work.
  OutputFiles outputs;
  if (!a.save_logprobs.empty()) {
    install_signal_cleanup();
    const std::string tmp = a.save_logprobs + ".tmp";
    outputs.add(tmp);
    std::FILE* probe = std::fopen(tmp.c_str(), "wb");
    if (!probe) throw Error(a.save_logprobs + ": cannot create --save-logprobs file: " + std::strerror(errno));
    std::fclose(probe);
  }
  const std::string text = read_file(a.text_file);
  auto model = CausalLm::load(a.model_dir, parse_numerics(a.numerics));
  const Tokenizer tok = load_model_tokenizer(a.model_dir);
  check_tokenizer_fits(tok, model->info().vocab_size, a.model_dir);
  const std::vector<int32_t> tokens = tok.encode(text);
  PerplexityOptions opt;
  opt.ctx = a.ctx;
  opt.max_chunks = a.chunks;
  opt.bos = model->info().bos_token_id;
  std::unique_ptr<LogprobFile> ref, save;
  if (!a.kld_base.empty()) ref = LogprobFile::open(a.kld_base);
  int64_t chunks = static_cast<int64_t>(tokens.size()) / a.ctx;
  if (a.chunks > 0) chunks = std::min<int64_t>(chunks, a.chunks);
  if (ref) chunks = std::min(chunks, ref->chunks());
  if (!a.save_logprobs.empty() && chunks > 0)
    save = LogprobFile::create(a.save_logprobs, model->info().vocab_size, a.ctx, chunks, a.ctx / 2, tokens);
  opt.max_chunks = chunks;
  std::fprintf(stderr, "perplexity: %zu tokens, %lld chunks of %lld (scored on their second half)\n", tokens.size(),
               static_cast<long long>(chunks), static_cast<long long>(a.ctx));
  const auto t0 = std::chrono::steady_clock::now();
  const bool tty = isatty(2);
  PerplexityResult r = run_perplexity(*model, tokens, opt, save.get(), ref.get(), [&](int64_t done, int64_t total) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "%s[%lld/%lld] %.1f s, ETA %.1f s", tty ? "\r" : "", static_cast<long long>(done),
                 static_cast<long long>(total), s, s / double(done) * double(total - done));
    if (!tty) std::fprintf(stderr, "\n");
  });
  if (tty) std::fprintf(stderr, "\n");
  if (save) save->finish();
  if (save) outputs.keep();  // else the destructor removes the probe
  nlohmann::ordered_json j;
  j["tokens_scored"] = r.scored;
  j["chunks"] = r.chunks;
  j["ppl"] = r.ppl();
  j["chunk_ppl"] = r.chunk_ppl;
  if (r.has_ref) {
    double sum = 0;
    for (double k : r.kld) sum += k;
    j["ref_ppl"] = r.ref_ppl();
    j["ln_ppl_ratio"] = std::log(r.ppl() / r.ref_ppl());
    j["kld_mean"] = sum / double(r.kld.size());
    j["kld_median"] = percentile(r.kld, 0.5);
    j["kld_p99"] = percentile(r.kld, 0.99);
    j["kld_max"] = percentile(r.kld, 1.0);
    j["top1_agreement"] = double(r.top1_same) / double(r.scored);
  }
  if (a.json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("PPL = %.4f over %lld tokens (%lld chunks of %lld)\n", r.ppl(), static_cast<long long>(r.scored),
              static_cast<long long>(r.chunks), static_cast<long long>(a.ctx));
  if (r.has_ref)
    std::printf("reference PPL = %.4f, ln(PPL/ref) = %.5f\nKL divergence: mean %.6f, median %.6f, p99 %.6f, max %.6f\n"
                "top-1 agreement with the reference: %.2f %%\n",
                r.ref_ppl(), j["ln_ppl_ratio"].get<double>(), j["kld_mean"].get<double>(), j["kld_median"].get<double>(),
                j["kld_p99"].get<double>(), j["kld_max"].get<double>(), 100.0 * j["top1_agreement"].get<double>());
  if (save) std::printf("log-probs saved to %s\n", a.save_logprobs.c_str());
  return 0;
}

}  // namespace dseek::cli
