#include "server/request_fields.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "server/errors.h"

namespace dseek::server {

namespace {

const Json* present(const Json& obj, const std::string& key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string name_of(const std::string& parent, const std::string& key) { return parent.empty() ? key : parent + "." + key; }

std::string fmt(double x) {
  std::ostringstream o;
  o << x;
  return o.str();
}

// A JSON integer (16.0 too: JavaScript clients) as int64; huge unsigned values saturate.
std::optional<int64_t> as_integer(const Json& v) {
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    return u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e18) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

// The request's seed as the sampler's 64 bits: negative seeds are taken modulo 2^64.
std::optional<uint64_t> read_seed(const Json& body) {
  const Json* v = present(body, "seed");
  if (!v) return std::nullopt;
  if (v->is_number_unsigned()) return v->get<uint64_t>();
  if (auto x = as_integer(*v)) return static_cast<uint64_t>(*x);
  throw bad_request("'seed' must be an integer", "seed", "invalid_type");
}

std::vector<std::string> read_stop(const Json& body) {
  std::vector<std::string> stop;
  const Json* st = present(body, "stop");
  if (!st) return stop;
  const std::string type_msg = "'stop' must be a string or an array of strings (token ids go in 'stop_token_ids')";
  if (st->is_string()) {
    stop.push_back(st->get<std::string>());
  } else if (st->is_array()) {
    if (st->size() > 16) throw bad_request("'stop' may hold at most 16 sequences, got " + std::to_string(st->size()), "stop", "invalid_value");
    for (const auto& x : *st) {
      if (!x.is_string()) throw bad_request(type_msg, "stop", "invalid_type");
      stop.push_back(x.get<std::string>());
    }
  } else {
    throw bad_request(type_msg, "stop", "invalid_type");
  }
  for (const auto& x : stop)
    if (x.empty()) throw bad_request("'stop' sequences must not be empty", "stop", "invalid_value");
  return stop;
}

std::vector<int32_t> read_stop_token_ids(const Json& body) {
  std::vector<int32_t> ids;
  const Json* v = present(body, "stop_token_ids");
  if (!v) return ids;
  if (!v->is_array()) throw bad_request("'stop_token_ids' must be an array of token ids", "stop_token_ids", "invalid_type");
  if (v->size() > 64)
    throw bad_request("'stop_token_ids' may hold at most 64 ids, got " + std::to_string(v->size()), "stop_token_ids", "invalid_value");
  for (const auto& x : *v) {
    auto id = as_integer(x);
    if (!id) throw bad_request("'stop_token_ids' must be an array of token ids", "stop_token_ids", "invalid_type");
    if (*id < 0 || *id > INT32_MAX)
      throw bad_request("'stop_token_ids' holds " + std::to_string(*id) + ", not a token id", "stop_token_ids", "invalid_value");
    ids.push_back(static_cast<int32_t>(*id));
  }
  return ids;
}

// {"token id": bias}: OpenAI's keys are decimal strings.
std::vector<std::pair<int32_t, float>> read_logit_bias(const Json& body) {
  std::vector<std::pair<int32_t, float>> out;
  const Json* v = present(body, "logit_bias");
  if (!v) return out;
  if (!v->is_object())
    throw bad_request("'logit_bias' must be an object mapping token ids to biases", "logit_bias", "invalid_type");
  for (const auto& [key, bias] : v->items()) {
    int64_t id = -1;
    auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
    if (ec != std::errc() || end != key.data() + key.size() || id < 0 || id > INT32_MAX)
      throw bad_request("'logit_bias' keys must be token ids (non-negative integers as strings), got \"" + key + "\"",
                        "logit_bias", "invalid_value");
    if (!bias.is_number())
      throw bad_request("'logit_bias' values must be numbers, got " + bias.dump() + " for token " + key, "logit_bias",
                        "invalid_type");
    const double b = bias.get<double>();
    if (!(b >= -100 && b <= 100))
      throw bad_request("'logit_bias' values must be in [-100, 100], got " + bias.dump() + " for token " + key,
                        "logit_bias", "invalid_value");
    out.emplace_back(static_cast<int32_t>(id), static_cast<float>(b));
  }
  return out;
}

}  // namespace

Json parse_body(const std::string& text) {
  Json body;
  try {
    body = Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // Where, not the parser's own text (it names the library's internals).
    const size_t at = std::min<size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    const size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
    const size_t nl = text.rfind('\n', at == 0 ? 0 : at - 1);
    const size_t column = at - (nl == std::string::npos || nl >= at ? 0 : nl + 1) + 1;
    throw bad_request(text.empty() ? std::string("We could not parse the JSON body of your request: the body is empty")
                                   : "We could not parse the JSON body of your request: invalid JSON at line " +
                                         std::to_string(line) + ", column " + std::to_string(column),
                      {}, "invalid_json");
  } catch (const nlohmann::json::exception&) {
    // out_of_range 406: a number beyond a double (1e999); no other exception parses can throw.
    throw bad_request("We could not parse the JSON body of your request: a number is out of range", {}, "invalid_json");
  }
  if (!body.is_object()) throw bad_request("The request body must be a JSON object", {}, "invalid_json");
  return body;
}

std::optional<double> opt_number(const Json& obj, const std::string& key, double lo, double hi, const std::string& parent) {
  const Json* v = present(obj, key);
  if (!v) return std::nullopt;
  const std::string name = name_of(parent, key);
  if (!v->is_number()) throw bad_request("'" + name + "' must be a number", name, "invalid_type");
  double x = v->get<double>();
  if (!(x >= lo && x <= hi))
    throw bad_request("'" + name + "' must be in [" + fmt(lo) + ", " + fmt(hi) + "], got " + v->dump(), name, "invalid_value");
  return x;
}

std::optional<int64_t> opt_integer(const Json& obj, const std::string& key, int64_t lo, int64_t hi, const std::string& parent) {
  const Json* v = present(obj, key);
  if (!v) return std::nullopt;
  const std::string name = name_of(parent, key);
  auto x = as_integer(*v);
  // A whole number past 64 bits (99999999999999999999) parses as a double: out of range, not
  // "not an integer".
  if (!x && v->is_number_float() && std::isfinite(v->get<double>()) && v->get<double>() == std::floor(v->get<double>()))
    x = v->get<double>() < 0 ? INT64_MIN : INT64_MAX;
  if (!x) throw bad_request("'" + name + "' must be an integer", name, "invalid_type");
  if (*x < lo || *x > hi) {
    std::string range = hi < INT32_MAX ? "in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"
                        : *x < lo  ? "at least " + std::to_string(lo)
                                   : "at most " + std::to_string(hi);
    throw bad_request("'" + name + "' must be " + range + ", got " + v->dump(), name, "invalid_value");
  }
  return x;
}

std::optional<bool> opt_bool(const Json& obj, const std::string& key, const std::string& parent) {
  const Json* v = present(obj, key);
  if (!v) return std::nullopt;
  const std::string name = name_of(parent, key);
  if (!v->is_boolean()) throw bad_request("'" + name + "' must be a boolean", name, "invalid_type");
  return v->get<bool>();
}

std::optional<std::string> opt_string(const Json& obj, const std::string& key, const std::string& parent) {
  const Json* v = present(obj, key);
  if (!v) return std::nullopt;
  const std::string name = name_of(parent, key);
  if (!v->is_string()) throw bad_request("'" + name + "' must be a string", name, "invalid_type");
  return v->get<std::string>();
}

std::optional<std::string> opt_enum(const Json& obj, const std::string& key, const std::vector<std::string>& allowed,
                                    const std::string& parent) {
  auto s = opt_string(obj, key, parent);
  if (!s || std::find(allowed.begin(), allowed.end(), *s) != allowed.end()) return s;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "\"" : ", \"") + a + "\"";
  const std::string name = name_of(parent, key);
  throw bad_request("'" + name + "' must be one of " + list + ", got \"" + *s + "\"", name, "invalid_value");
}

void reject_unknown(const Json& obj, const std::vector<std::string_view>& known, const std::string& parent) {
  for (const auto& [key, _] : obj.items())
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      const std::string name = name_of(parent, key);
      throw bad_request("Unrecognized request argument supplied: " + name, name, "unknown_parameter");
    }
}

const std::vector<std::string_view>& gen_param_fields() {
  static const std::vector<std::string_view> f = {
      "temperature", "top_p", "top_k", "min_p", "seed", "n", "stop", "stop_token_ids", "presence_penalty",
      "frequency_penalty", "repetition_penalty", "logit_bias", "stream", "stream_options", "ignore_eos", "user"};
  return f;
}

GenParams parse_gen_params(const Json& body, const std::vector<std::string>& max_tokens_keys) {
  GenParams g;
  g.opt.max_tokens = 0;
  std::string max_key;
  for (const auto& k : max_tokens_keys)
    if (auto v = opt_integer(body, k, 1, INT32_MAX)) {
      if (g.opt.max_tokens > 0 && *v != g.opt.max_tokens)
        throw bad_request("'" + k + "' (" + std::to_string(*v) + ") conflicts with '" + max_key + "' (" +
                              std::to_string(g.opt.max_tokens) + "): give one of them",
                          k, "invalid_value");
      g.opt.max_tokens = static_cast<int>(*v);
      max_key = k;
    }

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
  g.seed = read_seed(body);
  if (g.seed) s.seed = choice_seed(*g.seed, 0);
  if (auto v = opt_number(body, "presence_penalty", -2, 2)) s.presence_penalty = static_cast<float>(*v);
  if (auto v = opt_number(body, "frequency_penalty", -2, 2)) s.frequency_penalty = static_cast<float>(*v);
  if (const Json* v = present(body, "repetition_penalty")) {
    if (!v->is_number()) throw bad_request("'repetition_penalty' must be a number", "repetition_penalty", "invalid_type");
    const double r = v->get<double>();
    if (!(r > 0 && r <= 10))
      throw bad_request("'repetition_penalty' must be in (0, 10], got " + v->dump(), "repetition_penalty", "invalid_value");
    s.repetition_penalty = static_cast<float>(r);
  }
  s.logit_bias = read_logit_bias(body);

  g.stop = read_stop(body);
  g.stop_token_ids = read_stop_token_ids(body);
  if (auto n = opt_integer(body, "n", 1, 128)) g.n = static_cast<int>(*n);
  g.stream = opt_bool(body, "stream").value_or(false);
  if (const Json* so = present(body, "stream_options")) {
    if (!so->is_object()) throw bad_request("'stream_options' must be an object", "stream_options", "invalid_type");
    reject_unknown(*so, {"include_usage", "include_obfuscation"}, "stream_options");
    g.include_usage = opt_bool(*so, "include_usage", "stream_options").value_or(false);
    opt_bool(*so, "include_obfuscation", "stream_options");  // no obfuscation padding is sent
  }
  g.ignore_eos = opt_bool(body, "ignore_eos").value_or(false);
  opt_string(body, "user");  // an end-user id: no per-user accounting here
  return g;
}

uint64_t choice_seed(uint64_t seed, int i) {
  const uint64_t s = seed + static_cast<uint64_t>(i);
  return s == 0 ? 0x9E3779B97F4A7C15ull : s;
}

}  // namespace dseek::server
