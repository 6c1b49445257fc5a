#include "server/server.h"

#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <chrono>
#include <thread>
#include <ctime>
#include <filesystem>
#include <vector>

#include "runtime/error.h"
#include "server/body_as_is.h"
#include "server/anthropic_errors.h"
#include "server/anthropic_messages.h"
#include "server/chat_completions.h"
#include "server/completions.h"
#include "server/errors.h"
#include "server/metrics.h"
#include "server/props.h"
#include "server/request_guard.h"
#include "server/respond.h"
#include "server/tokenize.h"
#include "server/web/web_ui.h"

namespace dseek::server {

namespace {

std::string model_name(const std::string& dir) {
  std::filesystem::path p(dir);
  while (!p.empty() && p.filename().empty()) p = p.parent_path();
  std::string n = p.filename().string();
  return n.empty() ? "dseek" : n;
}

// Compares without an early exit, so the time does not reveal how much of a key matched.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % std::max<size_t>(b.size(), 1)]);
  return diff == 0 && !b.empty();
}

// Wraps a route: ApiError and dseek::Error become OpenAI errors; nothing escapes.
httplib::Server::Handler guarded(ServerState& st, void (*fn)(ServerState&, const httplib::Request&, httplib::Response&)) {
  return [&st, fn](const httplib::Request& req, httplib::Response& res) {
    try {
      check_request(st, req);
      fn(st, req, res);
    } catch (const ApiError& e) {
      send_error(res, e);
    } catch (const Error& e) {
      send_error(res, bad_request(e.what()));
    } catch (const std::exception& e) {
      send_error(res, ApiError(500, std::string("internal error: ") + e.what(), "server_error"));
    }
  };
}

nlohmann::json model_json(const ServerState& st, const std::string& id) {
  return {{"id", id}, {"object", "model"}, {"created", st.created}, {"owned_by", "dseek"}};
}

void get_models(ServerState& st, const httplib::Request&, httplib::Response& res) {
  auto data = nlohmann::json::array();
  for (const auto& name : st.model_names) data.push_back(model_json(st, name));
  send_json(res, 200, {{"object", "list"}, {"data", data}});
}

void get_model(ServerState& st, const httplib::Request& req, httplib::Response& res) {
  std::string id = req.matches.size() > 1 ? req.matches[1].str() : "";
  if (std::find(st.model_names.begin(), st.model_names.end(), id) == st.model_names.end())
    throw ApiError(404, "The model '" + id + "' does not exist (this server serves '" + st.model_id + "')",
                   "invalid_request_error", "model", "model_not_found");
  send_json(res, 200, model_json(st, id));
}

// --served-model-name values: trimmed, non-empty, each once; none: the checkpoint's name.
std::vector<std::string> served_names(const ServerOptions& opt) {
  std::vector<std::string> out;
  for (std::string n : opt.served_model_names) {
    n.erase(0, n.find_first_not_of(" \t"));
    n.erase(n.find_last_not_of(" \t") + 1);
    if (n.empty()) throw Error("--served-model-name: a name is empty");
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  }
  if (out.empty()) out.push_back(model_name(opt.model_dir));
  return out;
}

void get_health(ServerState& st, const httplib::Request&, httplib::Response& res) {
  SchedulerMetrics m = st.scheduler->metrics();
  send_json(res, 200,
            {{"status", "ok"}, {"model", st.model_id}, {"requests_active", m.requests_active}, {"queue_depth", m.queue_depth}});
}

void get_metrics(ServerState& st, const httplib::Request&, httplib::Response& res) {
  res.set_content(prometheus_text(st.http, st.scheduler->metrics(), st.scheduler->ctx_size(), st.model_id),
                  "text/plain; version=0.0.4");
}

}  // namespace

Server::Server(const ServerOptions& opt) {
  if (opt.parallel < 1) throw Error("--parallel must be >= 1");
  if (opt.ctx_size < 0) throw Error("--ctx-size must be >= 0");
  ::signal(SIGPIPE, SIG_IGN);  // a client that went away must not kill the server
  st_.opt = opt;
  st_.cors = Cors(opt.cors_origins);  // option errors before the model loads
  st_.model_names = served_names(opt);
  st_.engine = std::make_unique<LocalEngine>(opt.model_dir, opt.numerics, opt.chat_format);
  if (opt.prefill_chunk < 1) throw Error("--prefill-chunk must be >= 1");
  if (opt.prefill_step_ms < 0) throw Error("--prefill-step-ms must be >= 0");
  st_.scheduler = std::make_unique<Scheduler>(st_.engine->lm(), opt.parallel, opt.ctx_size, opt.kv_budget_bytes,
                                              opt.prefill_chunk, opt.prefill_step_ms / 1000.0, opt.draft);
  if (opt.request_timeout_s < 0) throw Error("--request-timeout must be >= 0");
  if (opt.max_queued < 0) throw Error("--max-queued must be >= 0");
  st_.scheduler->set_max_queued(opt.max_queued);
  st_.model_id = st_.model_names.front();
  st_.created = static_cast<int64_t>(std::time(nullptr));
  http_ = std::make_unique<httplib::Server>();
  routes();
}

Server::~Server() {
  stop();
  http_.reset();
  st_.scheduler.reset();  // cancels whatever is left before the model goes
}

void Server::routes() {
  httplib::Server& s = *http_;
  const int threads = st_.opt.http_threads > 0 ? st_.opt.http_threads : std::max(32, 4 * st_.opt.parallel + 16);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_payload_max_length(st_.opt.max_body_bytes);
  s.set_tcp_nodelay(true);
  // Keep-alive clients (Node's agents) reuse their connection. An idle one is closed after
  // cpp-httplib's 5 s, which also bounds how long a shutdown waits for idle connections.
  s.set_keep_alive_max_count(1000);
  // cpp-httplib's default sets SO_REUSEPORT, so a second server on a busy port would bind too
  // and silently take part of its connections. SO_REUSEADDR alone still binds over TIME_WAIT
  // (a quick restart) but fails on a port someone listens on; --reuse-port shares on purpose.
  s.set_socket_options([reuse_port = st_.opt.reuse_port](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (reuse_port) ::setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof(yes));
  });

  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    // CORS first: a browser must be able to read a 401 too, and preflights carry no key.
    st_.cors.apply(req, res);
    read_body_as_is(req);  // JSON whatever the Content-Type (`curl -d` sends a form's)
    if (req.method == "OPTIONS" && st_.cors.enabled()) {
      st_.cors.preflight(req, res);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (st_.opt.api_key.empty() || req.path == "/health" || (st_.opt.web_ui && is_web_chat_path(req.path)))
      return httplib::Server::HandlerResponse::Unhandled;  // the page asks for the key the API needs
    const std::string auth = req.get_header_value("Authorization");
    const std::string bearer = "Bearer ";
    if (auth.rfind(bearer, 0) == 0 && same_secret(auth.substr(bearer.size()), st_.opt.api_key))
      return httplib::Server::HandlerResponse::Unhandled;
    // Anthropic clients send the key as `x-api-key`; either header works on every route.
    const std::string x_key = req.get_header_value("x-api-key");
    if (!x_key.empty() && same_secret(x_key, st_.opt.api_key)) return httplib::Server::HandlerResponse::Unhandled;
    const ApiError e(401,
                     auth.empty() && x_key.empty() ? "Missing API key: send it as `Authorization: Bearer KEY` or `x-api-key: KEY`"
                                                   : "Incorrect API key provided",
                     "invalid_request_error", {}, "invalid_api_key");
    is_anthropic_path(req.path) ? send_anthropic_error(res, e) : send_error(res, e);
    return httplib::Server::HandlerResponse::Handled;
  });
  s.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Handled;
    const ApiError e = error_for_status(res.status, req.method, req.path);
    is_anthropic_path(req.path) ? send_anthropic_error(res, e) : send_json(res, res.status, e.to_json());
    return httplib::Server::HandlerResponse::Handled;
  }));
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    send_error(res, ApiError(500, "internal error", "server_error"));
  });
  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) { st_.http.count(req.path, res.status); });

  for (const char* p : {"/v1/chat/completions", "/chat/completions"}) s.Post(p, guarded(st_, handle_chat_completions));
  for (const char* p : {"/v1/completions", "/completions"}) s.Post(p, guarded(st_, handle_completions));
  for (const char* p : {"/v1/messages", "/messages"}) s.Post(p, anthropic_route(st_, handle_messages));
  for (const char* p : {"/v1/messages/count_tokens", "/messages/count_tokens"})
    s.Post(p, anthropic_route(st_, handle_count_tokens));
  for (const char* p : {"/v1/models", "/models"}) s.Get(p, guarded(st_, get_models));
  for (const char* p : {"/v1/models/(.+)", "/models/(.+)"}) s.Get(p, guarded(st_, get_model));
  s.Post("/tokenize", guarded(st_, handle_tokenize));
  s.Post("/detokenize", guarded(st_, handle_detokenize));
  s.Get("/props", guarded(st_, handle_props));
  s.Get("/health", guarded(st_, get_health));
  s.Get("/metrics", guarded(st_, get_metrics));
  if (st_.opt.web_ui)
    for (const char* p : {"/", R"(/index\.html)"}) s.Get(p, guarded(st_, handle_web_chat));
}

int Server::bind() {
  int port = st_.opt.port;
  errno = 0;
  if (port == 0) {
    port = http_->bind_to_any_port(st_.opt.host);
  } else if (!http_->bind_to_port(st_.opt.host, port)) {
    port = -1;
  }
  const int err = errno;  // bind's, when that is what failed (cpp-httplib only says false)
  const std::string where = "cannot listen on " + st_.opt.host + ":" + std::to_string(st_.opt.port);
  if (port <= 0 && err == EADDRINUSE)
    throw Error(where + ": the port is already in use (another server listens there; pick another --port, or start every server on it with --reuse-port to share it)");
  if (port <= 0 && (err == EACCES || err == EADDRNOTAVAIL))
    throw Error(where + ": " + std::strerror(err));
  if (port <= 0) throw Error(where + " (the address is not available or the host does not resolve)");
  return port;
}

void Server::run() {
  run_active_ = true;
  if (!st_.shutting_down) http_->listen_after_bind();
  run_active_ = false;
}

void Server::stop() {
  st_.shutting_down = true;
  // httplib's stop() only reaches a server that is already listening: when run() has been
  // entered, wait until it listens (or has returned) first.
  while (run_active_ && !http_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  http_->stop();
}

}  // namespace dseek::server
