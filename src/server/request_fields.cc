#include "server/request_fields.h"

#include <cmath>
#include <sstream>

#include "server/errors.h"

namespace dseek::server {

namespace {

const Json* present(const Json& body, const std::string& key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string fmt(double x) {
  std::ostringstream o;
  o << x;
  return o.str();
}

}  // namespace

Json parse_body(const std::string& text) {
  Json body;
  try {
    body = Json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw bad_request(std::string("We could not parse the JSON body of your request: ") + e.what(), {},
                      "invalid_json");
  }
  if (!body.is_object()) throw bad_request("The request body must be a JSON object", {}, "invalid_json");
  return body;
}

std::optional<double> opt_number(const Json& body, const std::string& key, double lo, double hi) {
  const Json* v = present(body, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) throw bad_request("'" + key + "' must be a number", key, "invalid_type");
  double x = v->get<double>();
  if (!(x >= lo && x <= hi))
    throw bad_request("'" + key + "' must be between " + fmt(lo) + " and " + fmt(hi) + ", got " + v->dump(), key,
                      "invalid_value");
  return x;
}

std::optional<int64_t> opt_integer(const Json& body, const std::string& key, int64_t lo, int64_t hi) {
  const Json* v = present(body, key);
  if (!v) return std::nullopt;
  int64_t x;
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    x = u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(u);
  } else if (v->is_number_integer()) {
    x = v->get<int64_t>();
  } else if (v->is_number_float() && std::isfinite(v->get<double>()) && v->get<double>() == std::floor(v->get<double>()) &&
             std::fabs(v->get<double>()) < 9e18) {
    x = static_cast<int64_t>(v->get<double>());  // 16.0 is an integer too (JavaScript clients)
  } else {
    throw bad_request("'" + key + "' must be an integer", key, "invalid_type");
  }
  if (x < lo || x > hi) {
    std::string range = hi >= INT32_MAX ? "at least " + std::to_string(lo)
                                        : "between " + std::to_string(lo) + " and " + std::to_string(hi);
    throw bad_request("'" + key + "' must be " + range + ", got " + std::to_string(x), key, "invalid_value");
  }
  return x;
}

std::optional<bool> opt_bool(const Json& body, const std::string& key) {
  const Json* v = present(body, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) throw bad_request("'" + key + "' must be a boolean", key, "invalid_type");
  return v->get<bool>();
}

std::optional<std::string> opt_string(const Json& body, const std::string& key) {
  const Json* v = present(body, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) throw bad_request("'" + key + "' must be a string", key, "invalid_type");
  return v->get<std::string>();
}

GenParams parse_gen_params(const Json& body, const std::vector<std::string>& max_tokens_keys) {
  GenParams g;
  g.opt.max_tokens = 0;
  for (const auto& k : max_tokens_keys)
    if (auto v = opt_integer(body, k, 1, INT32_MAX)) g.opt.max_tokens = static_cast<int>(*v);

  SamplingParams& s = g.opt.sampling;
  if (auto v = opt_number(body, "temperature", 0, 2)) s.temperature = static_cast<float>(*v);
  if (auto v = opt_number(body, "top_p", 0, 1)) {
    s.top_p = static_cast<float>(*v);
    if (*v == 0) {  // OpenAI accepts 0: only the most likely token survives
      s.top_p = 1;
      s.top_k = 1;
    }
  }
  if (auto v = opt_integer(body, "top_k", 0, INT32_MAX)) {
    if (s.top_k != 1) s.top_k = static_cast<int>(*v);
  }
  if (auto v = opt_number(body, "min_p", 0, 1)) s.min_p = static_cast<float>(*v);
  if (auto v = opt_integer(body, "seed", INT64_MIN, INT64_MAX)) {
    // Sampler seed 0 means "random"; a client's seed 0 must be reproducible like any other.
    s.seed = *v == 0 ? 0x9E3779B97F4A7C15ull : static_cast<uint64_t>(*v);
  }
  opt_number(body, "presence_penalty", -2, 2);
  opt_number(body, "frequency_penalty", -2, 2);

  if (const Json* st = present(body, "stop")) {
    if (st->is_string()) {
      g.stop.push_back(st->get<std::string>());
    } else if (st->is_array()) {
      if (st->size() > 16) throw bad_request("'stop' may hold at most 16 sequences", "stop", "invalid_value");
      for (const auto& x : *st) {
        if (!x.is_string()) throw bad_request("'stop' must be a string or an array of strings", "stop", "invalid_type");
        g.stop.push_back(x.get<std::string>());
      }
    } else {
      throw bad_request("'stop' must be a string or an array of strings", "stop", "invalid_type");
    }
    for (const auto& x : g.stop)
      if (x.empty()) throw bad_request("'stop' sequences must not be empty", "stop", "invalid_value");
  }

  if (auto n = opt_integer(body, "n", 1, INT32_MAX); n && *n != 1)
    throw bad_request("'n' must be 1: this server returns one choice per request", "n", "invalid_value");
  g.stream = opt_bool(body, "stream").value_or(false);
  if (const Json* so = present(body, "stream_options")) {
    if (!so->is_object()) throw bad_request("'stream_options' must be an object", "stream_options", "invalid_type");
    if (so->contains("include_usage") && !(*so)["include_usage"].is_null()) {
      if (!(*so)["include_usage"].is_boolean())
        throw bad_request("'stream_options.include_usage' must be a boolean", "stream_options.include_usage", "invalid_type");
      g.include_usage = (*so)["include_usage"].get<bool>();
    }
  }
  g.ignore_eos = opt_bool(body, "ignore_eos").value_or(false);
  return g;
}

}  // namespace dseek::server
