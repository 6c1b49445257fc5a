// Driving a request's generation from an HTTP thread until it finishes: the streaming variant
// writes as events arrive and notices a client that went away; the plain variant just
// collects. The group variants drive all choices of a request (SessionGroup) at once.
#pragma once
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "server/session.h"
#include "server/session_group.h"

namespace dseek::server {

// Calls on_events with each wake-up's events (events[i]: choice i's; a choice's last batch
// carries its finish) and writes what it returns. Whenever nothing was written for
// `keepalive_ms` (the request waits in the queue or in a long prefill, or its tokens' text is
// held back, e.g. inside a tool-call block), writes an SSE comment, so a client that
// disconnected is always noticed. When a write fails, or the server is shutting down, every
// choice is cancelled (its slot is free at once) and false is returned. True once every
// choice's finish was handled and written.
bool pump_stream(SessionGroup& g, const std::atomic<bool>& shutting_down,
                 const std::function<std::string(std::vector<SessionEvents>&)>& on_events,
                 const std::function<bool(const std::string&)>& write, int keepalive_ms = 200);

// Calls on_events for each wake-up until every choice's finish has been handled. A server
// shutdown cancels the choices (their finish then says "cancelled").
void pump_all(SessionGroup& g, const std::atomic<bool>& shutting_down,
              const std::function<void(std::vector<SessionEvents>&)>& on_events);

// The same for one Session.
bool pump_stream(Session& s, const std::atomic<bool>& shutting_down,
                 const std::function<std::string(Session::Events&)>& on_events,
                 const std::function<bool(const std::string&)>& write, int keepalive_ms = 200);
void pump_all(Session& s, const std::atomic<bool>& shutting_down, const std::function<void(Session::Events&)>& on_events);

}  // namespace dseek::server
