// ModelClient over an OpenAI-compatible endpoint (cpp-httplib client), with retries.
#include <httplib.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "agent/client.h"
#include "agent/process.h"
#include "runtime/error.h"

namespace dseek::agent {

namespace {

using Clock = std::chrono::steady_clock;

std::string str_or_empty(const Json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) && obj[key].is_string() ? obj[key].get<std::string>() : std::string();
}

// The assistant turn in an OpenAI chat.completion body. Throws dseek::Error.
ModelReply parse_response(const Json& body) {
  if (!body.is_object() || !body.contains("choices") || !body["choices"].is_array() || body["choices"].empty())
    throw Error("the response has no choices: " + body.dump().substr(0, 300));
  const Json& choice = body["choices"][0];
  if (!choice.contains("message") || !choice["message"].is_object()) throw Error("the response's choice has no message");
  const Json& m = choice["message"];
  ModelReply r;
  r.message.content = str_or_empty(m, "content");
  r.message.reasoning_content = str_or_empty(m, "reasoning_content");
  // A server that could not parse the model's tool calls hands their markup back as text
  // (dseek serve passes an unparseable block on as content): a malformed reply for the loop.
  if (r.message.content.find("｜DSML｜") != std::string::npos || r.message.content.find("<｜tool▁call") != std::string::npos)
    r.parse_error = "its content holds tool-call markup that the endpoint did not parse";
  if (m.contains("tool_calls") && m["tool_calls"].is_array()) {
    for (const auto& tc : m["tool_calls"]) {
      if (!tc.is_object() || !tc.contains("function") || !tc["function"].is_object()) continue;
      chat::ToolCall call;
      call.id = str_or_empty(tc, "id");
      call.name = str_or_empty(tc["function"], "name");
      const Json& args = tc["function"].contains("arguments") ? tc["function"]["arguments"] : Json();
      call.arguments = args.is_string() ? args.get<std::string>() : args.is_null() ? "{}" : args.dump();
      r.message.tool_calls.push_back(std::move(call));
    }
  }
  r.finish_reason = str_or_empty(choice, "finish_reason");
  if (body.contains("usage") && body["usage"].is_object()) {
    const Json& u = body["usage"];
    if (u.contains("prompt_tokens") && u["prompt_tokens"].is_number()) r.prompt_tokens = u["prompt_tokens"];
    if (u.contains("completion_tokens") && u["completion_tokens"].is_number()) r.completion_tokens = u["completion_tokens"];
  }
  return r;
}

class HttpClient : public ModelClient {
 public:
  HttpClient(const HttpSettings& http, const GenerationSettings& gen) : http_(http), gen_(gen) {
    const std::string& e = http_.endpoint;
    size_t scheme = e.find("://");
    if (scheme == std::string::npos || (e.compare(0, scheme, "http") != 0 && e.compare(0, scheme, "https") != 0))
      throw Error("--endpoint must be an http:// or https:// URL, got \"" + e + "\"");
    size_t slash = e.find('/', scheme + 3);
    origin_ = e.substr(0, slash);
    path_ = slash == std::string::npos ? "" : e.substr(slash);
    while (!path_.empty() && path_.back() == '/') path_.pop_back();
    const std::string suffix = "/chat/completions";
    if (path_.size() < suffix.size() || path_.compare(path_.size() - suffix.size(), suffix.size(), suffix) != 0)
      path_ += suffix;
  }

  ModelReply complete(const Json& messages, const Json& tools) override {
    Json body = {{"model", http_.model}, {"messages", messages}};
    if (tools.is_array() && !tools.empty()) body["tools"] = tools;
    body["max_tokens"] = gen_.max_tokens;
    body["temperature"] = gen_.sampling.temperature;
    body["top_p"] = gen_.sampling.top_p;
    if (gen_.sampling.seed != 0) body["seed"] = gen_.sampling.seed;
    if (gen_.thinking) body["thinking"] = {{"type", "enabled"}};
    body["stream"] = false;
    const std::string text = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    httplib::Headers headers;
    if (!http_.api_key.empty()) headers.emplace("Authorization", "Bearer " + http_.api_key);

    const auto t0 = Clock::now();
    std::string last_error;
    const int attempts = std::max(1, http_.max_attempts);
    for (int attempt = 0; attempt < attempts; ++attempt) {
      if (attempt > 0) {
        double wait = http_.backoff_s * std::pow(2.0, attempt - 1);
        if (http_.log)
          http_.log(last_error + "; retrying in " + std::to_string(wait).substr(0, 4) + " s (attempt " +
                    std::to_string(attempt + 1) + " of " + std::to_string(attempts) + ")");
        const auto until = Clock::now() + std::chrono::milliseconds(static_cast<long>(wait * 1000));
        while (Clock::now() < until) {
          if (interrupt_flag().load()) throw Error("interrupted while waiting to retry the endpoint");
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
      httplib::Client cli(origin_);
      cli.set_connection_timeout(std::chrono::seconds(30));
      cli.set_read_timeout(std::chrono::milliseconds(static_cast<long>(http_.timeout_s * 1000)));
      cli.set_write_timeout(std::chrono::seconds(60));
      auto res = cli.Post(path_, headers, text, "application/json");
      if (!res) {
        last_error = "POST " + origin_ + path_ + ": " + httplib::to_string(res.error());
        continue;
      }
      if (res->status == 200) {
        Json parsed;
        try {
          parsed = Json::parse(res->body);
        } catch (const std::exception& e) {
          throw Error("POST " + origin_ + path_ + ": the response is not JSON: " + res->body.substr(0, 300));
        }
        ModelReply r = parse_response(parsed);
        r.elapsed_s = std::chrono::duration<double>(Clock::now() - t0).count();
        r.timings = {{"attempts", attempt + 1}};
        return r;
      }
      last_error = "POST " + origin_ + path_ + ": HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 300);
      const bool retry = res->status >= 500 || res->status == 429 || res->status == 408;
      if (!retry) throw Error(last_error);
    }
    throw Error(last_error + " (gave up after " + std::to_string(attempts) + " attempts)");
  }

  std::string describe() const override {
    return origin_ + path_ + " (model " + http_.model + (gen_.thinking ? ", thinking" : "") + ")";
  }

 private:
  HttpSettings http_;
  GenerationSettings gen_;
  std::string origin_, path_;
};

}  // namespace

std::unique_ptr<ModelClient> make_http_client(const HttpSettings& http, const GenerationSettings& gen) {
  return std::make_unique<HttpClient>(http, gen);
}

}  // namespace dseek::agent
