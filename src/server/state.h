// What every route of the server shares: the loaded model and tokenizer, the scheduler,
// the options and the HTTP counters.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/local_engine.h"
#include "engine/scheduler.h"
#include "server/metrics.h"

namespace dseek::server {

struct ServerOptions {
  std::string model_dir;           // checkpoint directory (with tokenizer.json)
  std::string host = "127.0.0.1";
  std::string api_key;             // empty: no authentication
  Numerics numerics = Numerics::Exact;
  int port = 8080;                 // 0: any free port
  int parallel = 4;                // sequences decoded together
  int64_t ctx_size = 0;            // tokens a sequence may hold; 0: the model's maximum
  int64_t kv_budget_bytes = 0;     // memory of the shared paged KV cache; 0: unbounded
  int prefill_chunk = 512;         // prompt tokens prefilled per step
  size_t max_body_bytes = 8u << 20;  // larger request bodies get 413
  int http_threads = 0;            // 0: max(32, 4 * parallel + 16)
};

struct ServerState {
  ServerOptions opt;
  std::unique_ptr<LocalEngine> engine;
  std::unique_ptr<Scheduler> scheduler;
  std::string model_id;            // the name /v1/models lists (the checkpoint directory's name)
  int64_t created = 0;             // when the model was loaded (unix seconds)
  HttpCounters http;
  std::atomic<bool> shutting_down{false};

  const Tokenizer& tok() const { return engine->tokenizer(); }
};

// A fresh response id: prefix + 24 random hex digits.
std::string new_id(const std::string& prefix);

}  // namespace dseek::server
