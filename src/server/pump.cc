#include "server/pump.h"

#include "server/sse.h"

namespace dseek::server {

bool pump_stream(Session& s, const std::atomic<bool>& shutting_down,
                 const std::function<std::string(Session::Events&)>& on_events,
                 const std::function<bool(const std::string&)>& write, int keepalive_ms) {
  using Clock = std::chrono::steady_clock;
  const auto every = std::chrono::milliseconds(keepalive_ms);
  auto last_write = Clock::now();
  auto send = [&](const std::string& text) {
    if (!write(text)) {
      s.cancel();
      return false;
    }
    last_write = Clock::now();
    return true;
  };
  Session::Events ev;
  while (true) {
    if (shutting_down) s.cancel();
    if (s.wait(ev, every)) {
      const bool last = ev.finish.has_value();
      std::string text = on_events(ev);
      if (!text.empty() && !send(text)) return false;
      if (last) return true;
    }
    // Nothing written for a while (queued, a long prefill, or tokens whose text is held
    // back, e.g. inside a tool-call block): probe the connection.
    if (Clock::now() - last_write >= every && !send(sse_comment("keep-alive"))) return false;
  }
}

void pump_all(Session& s, const std::atomic<bool>& shutting_down, const std::function<void(Session::Events&)>& on_events) {
  Session::Events ev;
  while (true) {
    if (shutting_down) s.cancel();
    if (!s.wait(ev, std::chrono::milliseconds(200))) continue;
    const bool last = ev.finish.has_value();
    on_events(ev);
    if (last) return;
  }
}

}  // namespace dseek::server
