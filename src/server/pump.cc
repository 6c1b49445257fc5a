#include "server/pump.h"

#include "server/sse.h"

namespace dseek::server {

namespace {

// Counts the choices whose finish is among `events`.
size_t finishes(const std::vector<SessionEvents>& events) {
  size_t n = 0;
  for (const auto& e : events) n += e.finish.has_value();
  return n;
}

}  // namespace

bool pump_stream(SessionGroup& g, const std::atomic<bool>& shutting_down,
                 const std::function<std::string(std::vector<SessionEvents>&)>& on_events,
                 const std::function<bool(const std::string&)>& write, int keepalive_ms) {
  using Clock = std::chrono::steady_clock;
  const auto every = std::chrono::milliseconds(keepalive_ms);
  auto last_write = Clock::now();
  auto send = [&](const std::string& text) {
    if (!write(text)) {
      g.cancel();
      return false;
    }
    last_write = Clock::now();
    return true;
  };
  std::vector<SessionEvents> ev;
  size_t done = 0;
  while (true) {
    if (shutting_down) g.cancel();
    if (g.wait(ev, every)) {
      done += finishes(ev);
      std::string text = on_events(ev);
      if (!text.empty() && !send(text)) return false;
      if (done == g.size()) return true;
    }
    // Nothing written for a while (queued, a long prefill, or tokens whose text is held
    // back, e.g. inside a tool-call block): probe the connection.
    if (Clock::now() - last_write >= every && !send(sse_comment("keep-alive"))) return false;
  }
}

void pump_all(SessionGroup& g, const std::atomic<bool>& shutting_down,
              const std::function<void(std::vector<SessionEvents>&)>& on_events) {
  std::vector<SessionEvents> ev;
  size_t done = 0;
  while (true) {
    if (shutting_down) g.cancel();
    if (!g.wait(ev, std::chrono::milliseconds(200))) continue;
    done += finishes(ev);
    on_events(ev);
    if (done == g.size()) return;
  }
}

bool pump_stream(Session& s, const std::atomic<bool>& shutting_down,
                 const std::function<std::string(Session::Events&)>& on_events,
                 const std::function<bool(const std::string&)>& write, int keepalive_ms) {
  return pump_stream(
      s.group(), shutting_down, [&](std::vector<SessionEvents>& ev) { return on_events(ev[0]); }, write, keepalive_ms);
}

void pump_all(Session& s, const std::atomic<bool>& shutting_down, const std::function<void(Session::Events&)>& on_events) {
  pump_all(s.group(), shutting_down, [&](std::vector<SessionEvents>& ev) { on_events(ev[0]); });
}

}  // namespace dseek::server
