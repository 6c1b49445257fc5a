// What every route of the server shares: the loaded model and tokenizer, the scheduler,
// the options and the HTTP counters.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/local_engine.h"
#include "engine/scheduler.h"
#include "grammar/token_trie.h"
#include "server/cors.h"
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
  double prefill_step_ms = 0;      // time budget of a step with prompt tokens (0: prefill_chunk alone)
  int draft = 0;                   // speculative decoding: tokens the MTP layer drafts a step (0: off)
  std::string chat_format;         // v3 | v3.1 | v3.2 | v4; empty: the checkpoint's (engine/chat_format.h)
  size_t max_body_bytes = 8u << 20;  // larger request bodies get 413
  double request_timeout_s = 0;    // > 0: a generation request ends with 504 after this long (queue included)
  int64_t max_queued = 0;          // > 0: requests beyond this many waiting for a slot get 503
  int http_threads = 0;            // 0: max(32, 4 * parallel + 16)
  std::vector<std::string> served_model_names;  // names clients use; empty: the checkpoint directory's name
  std::vector<std::string> cors_origins;        // "*" or origins; empty: no CORS headers (Cors)
  bool reuse_port = false;         // SO_REUSEPORT: share the port with other servers that set it too
  bool web_ui = true;              // GET / serves the web chat (server/web); --no-webui: off
};

struct ServerState {
  ServerOptions opt;
  std::unique_ptr<LocalEngine> engine;
  std::unique_ptr<Scheduler> scheduler;
  std::string model_id;            // the first served name (default: the checkpoint directory's name)
  std::vector<std::string> model_names;  // every served name, model_id first
  Cors cors;
  int64_t created = 0;             // when the model was loaded (unix seconds)
  HttpCounters http;
  std::atomic<bool> shutting_down{false};

  const Tokenizer& tok() const { return engine->tokenizer(); }
  // The vocabulary as a byte trie for structured output (response_format), built on first
  // use (a pass over the vocabulary) and shared by all requests. Safe from any thread.
  std::shared_ptr<const grammar::TokenTrie> token_trie() const;
  // The name a response reports for a request whose `model` was `requested`: that name
  // when it is one of model_names, else model_id (any name is accepted).
  const std::string& model_for(const std::string& requested) const;

 private:
  mutable std::once_flag trie_once_;
  mutable std::shared_ptr<const grammar::TokenTrie> trie_;
};

// A fresh response id: prefix + 24 random hex digits.
std::string new_id(const std::string& prefix);

}  // namespace dseek::server
