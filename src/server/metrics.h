// GET /metrics: Prometheus text exposition of the HTTP counters and the scheduler's
// numbers (tokens in/out, prefill/decode tokens/s, queue depth, KV-cache use).
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "engine/scheduler.h"

namespace dseek::server {

// Requests served, by route and HTTP status.
class HttpCounters {
 public:
  // Counts one finished request. Unknown paths are counted as "other".
  void count(const std::string& path, int status);
  std::map<std::pair<std::string, int>, int64_t> snapshot() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, int64_t> n_;
};

// The metrics page. `ctx_size`: tokens a sequence may hold (for the KV-cache use ratio).
std::string prometheus_text(const HttpCounters& http, const SchedulerMetrics& m, int64_t ctx_size,
                            const std::string& model_id);

}  // namespace dseek::server
