// `dseek serve`: the OpenAI-compatible HTTP server (src/server). Prints
// "listening on http://HOST:PORT" to stderr once it accepts connections; SIGINT/SIGTERM
// stop it cleanly (requests in flight are cancelled).
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "cli/commands.h"
#include "engine/scheduler.h"
#include "engine/state_budget.h"
#include "runtime/error.h"
#include "server/server.h"

namespace dseek::cli {

int cmd_serve(const ServeArgs& a) {
  // Block SIGINT/SIGTERM in every thread (the server's threads inherit the mask); one
  // thread takes them with sigwait and stops the server.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  server::ServerOptions o;
  o.model_dir = a.model_dir;
  o.host = a.host;
  o.api_key = a.api_key;
  o.numerics = parse_numerics(a.numerics);
  o.port = a.port;
  o.parallel = a.parallel;
  o.ctx_size = a.ctx_size;
  o.kv_budget_bytes = a.kv_budget.empty() ? 0 : parse_bytes(a.kv_budget, "--kv-budget");
  o.prefill_chunk = a.prefill_chunk;
  o.prefill_step_ms = a.prefill_step_ms;
  o.chat_format = a.chat_format;
  o.served_model_names = a.served_model_names;
  o.cors_origins = a.cors_origins;
  o.reuse_port = a.reuse_port;
  o.web_ui = !a.no_webui;
  o.max_body_bytes = static_cast<size_t>(parse_bytes(a.max_body_bytes, "--max-body-bytes"));
  o.request_timeout_s = a.request_timeout_s;
  o.max_queued = a.max_queued;
  o.draft = a.draft;
  if (a.port < 0 || a.port > 65535) throw Error("--port must be in 0..65535");
  server::Server srv(o);
  const int port = srv.bind();

  std::atomic<bool> done{false};
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&sigs, &sig);
    if (done) return;
    std::fprintf(stderr, "dseek serve: signal %d, shutting down\n", sig);
    srv.stop();
  });
  std::fprintf(stderr, "dseek serve: model %s, %d parallel sequences, context %lld tokens", srv.model_id().c_str(), o.parallel,
               static_cast<long long>(srv.state().scheduler->ctx_size()));
  if (o.draft > 0) std::fprintf(stderr, ", speculative decoding: %d MTP drafts a step (no prefix-cache reuse)", o.draft);
  std::fprintf(stderr, "\n");
  {  // The memory plan: mmap'd weights, KV cache a token (latent + k_pe, indexer key), budget.
    const Scheduler& sch = *srv.state().scheduler;
    if (const Model* m = sch.lm().v3(); m && sch.pool()) {
      const ModelConfig& c = m->config();
      const KvPoolStats ps = sch.pool()->stats();
      const double esz = sch.pool()->dtype() == KvDtype::F32 ? 4 : 2;
      const double latent = c.num_hidden_layers * (c.kv_lora_rank + c.qk_rope_head_dim) * esz;
      const double index = c.num_hidden_layers * (c.has_indexer ? c.index_head_dim : 0) * esz;
      std::fprintf(stderr, "dseek serve: memory: weights %.1f MiB (mmap'd); KV cache %.0f B a token (latent + k_pe %.0f B, indexer key %.0f B)",
                   m->checkpoint().total_bytes() / 1048576.0, latent + index, latent, index);
      if (ps.capacity_blocks >= 0)
        std::fprintf(stderr, "; budget %.1f MiB = %lld tokens\n", ps.capacity_blocks * ps.block_bytes / 1048576.0,
                     static_cast<long long>(ps.capacity_blocks * sch.pool()->block_tokens()));
      else
        std::fprintf(stderr, "; budget unbounded (--kv-budget to cap it)\n");
    } else if (const StateBudget* b = sch.budget()) {
      // Whole states (V4): the plan's fixed bytes (rings, carries) and growth a token (compressed
      // entries, indexer keys; averaged over a 2^20-token sequence), then the budget.
      const int64_t fixed = b->bytes_at(0), far = int64_t(1) << 20;
      std::fprintf(stderr,
                   "dseek serve: memory: %s, each sequence keeps its own state: %.1f KiB fixed (window rings, compressor "
                   "carries) + %.0f B a token (compressed entries, indexer keys)",
                   sch.lm().info().model_type.c_str(), fixed / 1024.0, double(b->bytes_at(far) - fixed) / double(far));
      if (b->bounded())
        std::fprintf(stderr, "; budget %.1f MiB = one sequence of %lld tokens, prefix snapshots within it (evicted first)\n",
                     b->capacity() / 1048576.0, static_cast<long long>(sch.metrics().kv_budget_tokens));
      else
        std::fprintf(stderr, "; budget unbounded (--kv-budget to cap it), prefix snapshots up to 1 GiB\n");
    } else {
      std::fprintf(stderr, "dseek serve: memory: %s, each sequence keeps its own state\n", sch.lm().info().model_type.c_str());
    }
  }
  if (o.web_ui) std::fprintf(stderr, "dseek serve: web chat at http://%s:%d/\n", a.host.c_str(), port);
  std::fprintf(stderr, "listening on http://%s:%d\n", a.host.c_str(), port);
  std::fflush(stderr);
  srv.run();
  done = true;
  if (!stopper.joinable()) return 0;
  pthread_kill(stopper.native_handle(), SIGTERM);  // wake sigwait if the server stopped on its own
  stopper.join();
  return 0;
}

}  // namespace dseek::cli
