#include "server/completions.h"

#include <ctime>

#include "server/chat_response.h"
#include "server/completion_request.h"
#include "server/generation.h"
#include "server/pump.h"
#include "server/respond.h"
#include "server/sse.h"
#include "server/text_turn.h"

namespace dseek::server {

namespace {

constexpr int kDefaultMaxTokens = 16;  // OpenAI's default for /v1/completions

using nlohmann::json;

struct Turn {
  std::unique_ptr<Session> session;
  TextTurn text;
  ResponseMeta meta;
  Usage usage;
  std::string echo;  // the prompt text when echo is on
};

json choice(const std::string& text, const json& logprobs, const json& finish_reason) {
  return {{"text", text}, {"index", 0}, {"logprobs", logprobs}, {"finish_reason", finish_reason}};
}

json envelope(const ResponseMeta& meta, json choices) {
  return {{"id", meta.id},
          {"object", "text_completion"},
          {"created", meta.created},
          {"model", meta.model},
          {"system_fingerprint", "dseek"},
          {"choices", std::move(choices)}};
}

// Appends the legacy logprobs arrays of `more` to `all`.
void merge_logprobs(json& all, const json& more) {
  if (more.is_null()) return;
  if (all.is_null()) {
    all = more;
    return;
  }
  for (const char* k : {"tokens", "token_logprobs", "top_logprobs", "text_offset"})
    for (const auto& x : more[k]) all[k].push_back(x);
}

std::string text_of(Turn& t, Session::Events& ev) {
  std::string out;
  for (const auto& tok : ev.tokens) {
    out += t.text.push_token(tok);
    if (t.text.stop_hit()) t.session->cancel();
  }
  if (ev.finish) out += t.text.finish();
  return out;
}


}  // namespace

void handle_completions(ServerState& st, const httplib::Request& req, httplib::Response& res) {
  const Json body = parse_body(req.body);
  CompletionPlan plan = parse_completion_request(body);
  std::vector<int32_t> ids = plan.prompt_ids;
  std::string prompt_text = plan.prompt_text;
  if (plan.ids_given) {
    prompt_text = st.tok().decode(ids);
  } else {
    // BOS first unless the text starts with it (the tokenizer's text of the model's bos id).
    const int32_t bos = st.engine->lm().info().bos_token_id;
    const std::string bos_text = st.tok().id_to_token(bos);
    if (bos_text.empty() || prompt_text.rfind(bos_text, 0) != 0) ids.push_back(bos);
    auto more = st.tok().encode(prompt_text);
    ids.insert(ids.end(), more.begin(), more.end());
  }
  const int64_t n_prompt = static_cast<int64_t>(ids.size());
  auto session = start_generation(st, std::move(ids), plan.gen, kDefaultMaxTokens, "prompt");
  ResponseMeta meta{new_id("cmpl-"), st.model_id, static_cast<int64_t>(std::time(nullptr)), false};
  auto t = std::shared_ptr<Turn>(new Turn{std::move(session),
                                          TextTurn(st.tok(), plan.gen.stop, stop_ids(st, plan.gen), plan.gen.top_logprobs,
                                                   plan.echo ? prompt_text.size() : 0),
                                          meta, Usage{}, plan.echo ? prompt_text : std::string()});
  t->usage.prompt_tokens = n_prompt;

  if (!plan.gen.stream) {
    std::string text = t->echo;
    json lps = nullptr;
    FinishEvent fin;
    pump_all(*t->session, st.shutting_down, [&](Session::Events& ev) {
      if (ev.finish) fin = *ev.finish;
      text += text_of(*t, ev);
      merge_logprobs(lps, t->text.take_logprobs());
    });
    if (auto err = finish_error(fin, t->text.stop_hit())) throw *err;
    t->usage.completion_tokens = t->text.completion_tokens();
    t->usage.cached_tokens = fin.cached_tokens;
    json j = envelope(meta, json::array({choice(text, lps, t->text.finish_reason(fin.reason))}));
    json u = t->usage.to_json();
    u.erase("completion_tokens_details");
    j["usage"] = u;
    send_json(res, 200, j);
    return;
  }

  const bool include_usage = plan.gen.include_usage;
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [&st, t, include_usage](size_t, httplib::DataSink& sink) {
        auto write = [&sink](const std::string& s) { return sink.write(s.data(), s.size()); };
        if (!t->echo.empty() && !write(sse_data(envelope(t->meta, json::array({choice(t->echo, nullptr, nullptr)}))))) {
          t->session->cancel();
          return false;
        }
        bool ok = pump_stream(*t->session, st.shutting_down, [&](Session::Events& ev) {
          std::string text = text_of(*t, ev);
          json lps = t->text.take_logprobs();
          std::string out;
          if (!text.empty() || (!lps.is_null() && !lps["tokens"].empty()))
            out += sse_data(envelope(t->meta, json::array({choice(text, lps, nullptr)})));
          if (ev.finish) {
            if (auto err = finish_error(*ev.finish, t->text.stop_hit())) return out + sse_data(err->to_json()) + sse_done();
            out += sse_data(envelope(t->meta, json::array({choice("", nullptr, t->text.finish_reason(ev.finish->reason))})));
            if (include_usage) {
              t->usage.completion_tokens = t->text.completion_tokens();
              t->usage.cached_tokens = ev.finish->cached_tokens;
              json u = t->usage.to_json();
              u.erase("completion_tokens_details");
              json last = envelope(t->meta, json::array());
              last["usage"] = u;
              out += sse_data(last);
            }
            out += sse_done();
          }
          return out;
        }, write);
        if (ok) sink.done();
        return ok;
      },
      [t](bool) { t->session->cancel(); });
}

}  // namespace dseek::server
