#include "server/completions.h"

#include <algorithm>
#include <ctime>
#include <deque>

#include "server/chat_response.h"
#include "server/completion_request.h"
#include "server/defaults.h"
#include "server/generation.h"
#include "server/pump.h"
#include "server/respond.h"
#include "server/response_format.h"
#include "server/sse.h"
#include "server/text_turn.h"

namespace dseek::server {

namespace {

using nlohmann::json;

// A request's generation: one TextTurn per choice (`n`), all on one SessionGroup.
struct Turn {
  std::unique_ptr<SessionGroup> group;
  std::deque<TextTurn> texts;  // deque: TextTurn stays where it was built
  ResponseMeta meta;
  Usage usage;
  std::string echo;     // the prompt text when echo is on
  bool closed = false;  // a stream that ended early (an error event and [DONE] were sent)
};

json choice(const std::string& text, const json& logprobs, const json& finish_reason, size_t index) {
  return {{"text", text}, {"index", index}, {"logprobs", logprobs}, {"finish_reason", finish_reason}};
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

std::string text_of(Turn& t, size_t i, SessionEvents& ev) {
  std::string out;
  TextTurn& text = t.texts[i];
  for (const auto& tok : ev.tokens) {
    out += text.push_token(tok);
    if (text.stop_hit()) t.group->cancel(i);
  }
  if (ev.finish) out += text.finish();
  return out;
}

// The usage object: the prompt once, every choice's completion tokens.
json usage_json(Turn& t, const std::vector<FinishEvent>& fins) {
  t.usage.completion_tokens = t.usage.cached_tokens = 0;
  for (size_t i = 0; i < t.texts.size(); ++i) {
    t.usage.completion_tokens += t.texts[i].completion_tokens();
    t.usage.cached_tokens = std::max(t.usage.cached_tokens, fins[i].cached_tokens);
  }
  json u = t.usage.to_json();
  u.erase("completion_tokens_details");
  return u;
}

void respond_whole(ServerState& st, Turn& t, httplib::Response& res) {
  const size_t n = t.texts.size();
  std::vector<std::string> texts(n, t.echo);
  std::vector<json> lps(n, nullptr);
  std::vector<FinishEvent> fins(n);
  pump_all(*t.group, st.shutting_down, [&](std::vector<SessionEvents>& evs) {
    for (size_t i = 0; i < n; ++i) {
      if (evs[i].tokens.empty() && !evs[i].finish) continue;
      if (evs[i].finish) fins[i] = *evs[i].finish;
      texts[i] += text_of(t, i, evs[i]);
      merge_logprobs(lps[i], t.texts[i].take_logprobs());
    }
  });
  json choices = json::array();
  for (size_t i = 0; i < n; ++i) {
    if (auto err = finish_error(fins[i], t.texts[i].stop_hit())) throw *err;
    choices.push_back(choice(texts[i], lps[i], t.texts[i].finish_reason(fins[i].reason), i));
  }
  json j = envelope(t.meta, std::move(choices));
  j["usage"] = usage_json(t, fins);
  send_json(res, 200, j);
}

void respond_stream(ServerState& st, std::shared_ptr<Turn> t, bool include_usage, httplib::Response& res) {
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [&st, t, include_usage](size_t, httplib::DataSink& sink) {
        auto write = [&sink](const std::string& s) { return sink.write(s.data(), s.size()); };
        const size_t n = t->texts.size();
        std::string first;
        for (size_t i = 0; i < n && !t->echo.empty(); ++i)
          first += sse_data(envelope(t->meta, json::array({choice(t->echo, nullptr, nullptr, i)})));
        if (!first.empty() && !write(first)) {
          t->group->cancel();
          return false;
        }
        std::vector<FinishEvent> fins(n);
        size_t finished = 0;
        bool ok = pump_stream(*t->group, st.shutting_down, [&](std::vector<SessionEvents>& evs) {
          std::string out;
          for (size_t i = 0; i < n && !t->closed; ++i) {
            if (evs[i].tokens.empty() && !evs[i].finish) continue;
            std::string text = text_of(*t, i, evs[i]);
            json lps = t->texts[i].take_logprobs();
            if (!text.empty() || (!lps.is_null() && !lps["tokens"].empty()))
              out += sse_data(envelope(t->meta, json::array({choice(text, lps, nullptr, i)})));
            if (!evs[i].finish) continue;
            fins[i] = *evs[i].finish;
            if (auto err = finish_error(fins[i], t->texts[i].stop_hit())) {
              t->closed = true;  // the stream ends here; the other choices are cancelled
              t->group->cancel();
              return out + sse_data(err->to_json()) + sse_done();
            }
            out += sse_data(envelope(t->meta, json::array({choice("", nullptr, t->texts[i].finish_reason(fins[i].reason), i)})));
            if (++finished < n) continue;
            if (include_usage) {
              json last = envelope(t->meta, json::array());
              last["usage"] = usage_json(*t, fins);
              out += sse_data(last);
            }
            out += sse_done();
          }
          return out;
        }, write);
        if (ok) sink.done();
        return ok;
      },
      [t](bool) { t->group->cancel(); });
}

}  // namespace

void handle_completions(ServerState& st, const httplib::Request& req, httplib::Response& res) {
  const Json body = parse_body(req.body);
  CompletionPlan plan = parse_completion_request(body);
  constrain(st, plan.gen, plan.grammar, false);
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
  auto t = std::make_shared<Turn>();
  t->group = start_choices(st, std::move(ids), plan.gen, kDefaultMaxTokensCompletions, "prompt");
  t->meta = ResponseMeta{new_id("cmpl-"), st.model_for(opt_string(body, "model").value_or("")), static_cast<int64_t>(std::time(nullptr)), false};
  t->usage.prompt_tokens = n_prompt;
  if (plan.echo) t->echo = prompt_text;
  for (size_t i = 0; i < t->group->size(); ++i)
    t->texts.emplace_back(st.tok(), plan.gen.stop, stop_ids(st, plan.gen), plan.gen.top_logprobs,
                          plan.echo ? prompt_text.size() : 0);
  if (plan.gen.stream)
    respond_stream(st, t, plan.gen.include_usage, res);
  else
    respond_whole(st, *t, res);
}

}  // namespace dseek::server
