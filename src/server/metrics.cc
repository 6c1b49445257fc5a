#include "server/metrics.h"

#include <set>
#include <iomanip>
#include <sstream>

namespace dseek::server {

void HttpCounters::count(const std::string& path, int status) {
  static const std::set<std::string> known = {"/v1/chat/completions", "/v1/completions", "/v1/models", "/health",
                                              "/metrics", "/chat/completions", "/completions", "/models",
                                              "/tokenize", "/detokenize", "/props"};
  std::lock_guard<std::mutex> l(mu_);
  ++n_[{known.count(path) ? path : "other", status}];
}

std::map<std::pair<std::string, int>, int64_t> HttpCounters::snapshot() const {
  std::lock_guard<std::mutex> l(mu_);
  return n_;
}

std::string prometheus_text(const HttpCounters& http, const SchedulerMetrics& m, int64_t ctx_size,
                            const std::string& model_id) {
  std::ostringstream o;
  o << std::setprecision(12);
  auto metric = [&](const char* name, const char* type, const char* help, double value) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n" << name << "{model=\""
      << model_id << "\"} " << value << "\n";
  };
  o << "# HELP dseek_http_requests_total HTTP requests answered, by path and status.\n"
       "# TYPE dseek_http_requests_total counter\n";
  for (const auto& [k, n] : http.snapshot())
    o << "dseek_http_requests_total{path=\"" << k.first << "\",status=\"" << k.second << "\"} " << n << "\n";
  metric("dseek_requests_total", "counter", "Generation requests submitted to the scheduler.", double(m.requests_total));
  metric("dseek_requests_timed_out_total", "counter", "Generation requests ended by --request-timeout.",
         double(m.requests_timed_out));
  metric("dseek_requests_refused_busy_total", "counter", "Generation requests refused (503) by --max-queued.",
         double(m.requests_refused_busy));
  metric("dseek_requests_active", "gauge", "Sequences being decoded now.", double(m.requests_active));
  metric("dseek_queue_depth", "gauge", "Requests waiting for a decoding slot.", double(m.queue_depth));
  metric("dseek_parallel_slots", "gauge", "Sequences decoded together (--parallel).", double(m.parallel));
  metric("dseek_prompt_tokens_total", "counter", "Prompt tokens prefilled.", double(m.prompt_tokens_total));
  metric("dseek_generated_tokens_total", "counter", "Tokens generated.", double(m.generated_tokens_total));
  metric("dseek_prefill_tokens_total", "counter", "Prompt tokens in prefill steps.", double(m.prefill_tokens_total));
  metric("dseek_decode_tokens_total", "counter", "Tokens fed by decode-only steps (all sequences).", double(m.decode_tokens_total));
  metric("dseek_prefill_seconds_total", "counter", "Time in steps that prefilled prompt tokens.", m.prefill_seconds_total);
  metric("dseek_decode_seconds_total", "counter", "Time in decode-only steps.", m.decode_seconds_total);
  metric("dseek_prefill_tokens_per_second", "gauge", "Prompt tokens per second of prefill time (since start).",
         m.prefill_seconds_total > 0 ? double(m.prefill_tokens_total) / m.prefill_seconds_total : 0.0);
  metric("dseek_decode_tokens_per_second", "gauge",
         "Decoded tokens per second of decode time, all sequences together (since start).",
         m.decode_seconds_total > 0 ? double(m.decode_tokens_total) / m.decode_seconds_total : 0.0);
  metric("dseek_draft_tokens_total", "counter", "Tokens the MTP layer drafted (serve --draft; 0 without).",
         double(m.draft_tokens_total));
  metric("dseek_draft_accepted_total", "counter", "Drafted tokens the main model accepted (<= drafted).",
         double(m.draft_accepted_total));
  metric("dseek_kv_cache_tokens", "gauge", "Tokens held in the KV caches of active sequences.", double(m.kv_cache_tokens));
  metric("dseek_kv_cache_bytes", "gauge", "Bytes of the KV caches of active sequences.", double(m.kv_cache_bytes));
  metric("dseek_kv_blocks_used", "gauge", "Blocks of the paged KV cache in use.", double(m.kv_blocks_used));
  metric("dseek_kv_blocks_capacity", "gauge", "Blocks the KV-cache budget holds (-1: unbounded).", double(m.kv_blocks_capacity));
  metric("dseek_kv_block_tokens", "gauge", "Tokens a KV-cache block holds.", double(m.kv_block_tokens));
  metric("dseek_kv_evictions_total", "counter", "Cached blocks evicted to make room.", double(m.kv_evictions));
  metric("dseek_prefix_cache_hits_total", "counter", "Prefix-cache lookups that found cached blocks.", double(m.prefix_hits));
  metric("dseek_prefix_cache_lookups_total", "counter", "Prefix-cache lookups.", double(m.prefix_lookups));
  metric("dseek_prefix_cached_tokens_total", "counter", "Prompt tokens taken from the prefix cache (not prefilled).",
         double(m.prefix_cached_tokens_total));
  // Use: blocks in use / budget when the cache is bounded, else tokens held / (slots x context).
  const double cap = m.kv_blocks_capacity > 0 ? double(m.kv_blocks_capacity) : double(m.parallel) * double(ctx_size);
  const double used = m.kv_blocks_capacity > 0 ? double(m.kv_blocks_used) : double(m.kv_cache_tokens);
  metric("dseek_kv_cache_usage_ratio", "gauge",
         "KV-cache use: blocks in use / budget (bounded cache), else tokens held / (slots x context).",
         cap > 0 ? used / cap : 0.0);
  return o.str();
}

}  // namespace dseek::server
