// dseek's OpenAI-compatible HTTP server (cpp-httplib): POST /v1/chat/completions,
// POST /v1/completions, GET /v1/models, GET /health, GET /metrics, and llama.cpp's
// POST /tokenize, POST /detokenize, GET /props. One model per server (under one or more names);
// requests are decoded together by the continuous-batching Scheduler (`parallel` slots,
// the rest queue). Errors are OpenAI error objects. See src/server/README.md.
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "server/state.h"

namespace httplib {
class Server;
}

namespace dseek::server {

class Server {
 public:
  // Loads the model and tokenizer of opt.model_dir and starts the scheduler. Throws
  // dseek::Error for a bad checkpoint or options (a CORS origin or served name is checked
  // before the model loads).
  explicit Server(const ServerOptions& opt);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds opt.host:opt.port (port 0: a free port); returns the bound port. The port is
  // exclusive unless opt.reuse_port. Throws dseek::Error when the address cannot be bound
  // (the message says when the port is in use).
  int bind();
  // Serves until stop(); call after bind(). Returns when every connection is closed.
  void run();
  // Makes run() return: requests in flight are cancelled (streams end with an error
  // event), the listening socket closes. Safe from any thread, more than once.
  void stop();

  const std::string& model_id() const { return st_.model_id; }
  const ServerState& state() const { return st_; }

 private:
  void routes();

  ServerState st_;
  std::unique_ptr<httplib::Server> http_;
  std::atomic<bool> run_active_{false};  // run() entered and not yet returned
};

}  // namespace dseek::server
