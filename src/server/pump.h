// Driving a Session from an HTTP thread until it finishes: the streaming variant writes as
// events arrive and notices a client that went away; the plain variant just collects.
#pragma once
#include <atomic>
#include <functional>
#include <string>

#include "server/session.h"

namespace dseek::server {

// Calls on_events for each batch of events (the last one carries the finish) and writes
// what it returns. Whenever nothing was written for `keepalive_ms` (the request waits in
// the queue or in a long prefill, or its tokens' text is held back, e.g. inside a tool-call
// block), writes an SSE comment, so a client that disconnected is always noticed. When a
// write fails, or the server is shutting down, the session is cancelled (its slot is free
// at once) and false is returned. True once the finish was handled and written.
bool pump_stream(Session& s, const std::atomic<bool>& shutting_down,
                 const std::function<std::string(Session::Events&)>& on_events,
                 const std::function<bool(const std::string&)>& write, int keepalive_ms = 200);

// Calls on_events for each batch until the finish has been handled. A server shutdown
// cancels the session (the finish then says "cancelled").
void pump_all(Session& s, const std::atomic<bool>& shutting_down, const std::function<void(Session::Events&)>& on_events);

}  // namespace dseek::server
