#include "server/chat_completions.h"

#include <ctime>

#include "server/chat_request.h"
#include "server/chat_response.h"
#include "server/chat_turn.h"
#include "server/generation.h"
#include "server/pump.h"
#include "server/respond.h"
#include "server/sse.h"

namespace dseek::server {

namespace {

// Default max_tokens when the request gives none (DeepSeek's API defaults).
constexpr int kDefaultMaxTokensChat = 4096;
constexpr int kDefaultMaxTokensThinking = 32768;


struct Turn {
  std::unique_ptr<Session> session;
  ChatTurn chat;
  ResponseMeta meta;
  Usage usage;
};

void apply_tokens(Turn& t, Session::Events& ev, std::vector<chat::Delta>& out) {
  for (const auto& tok : ev.tokens) {
    auto d = t.chat.push_token(tok);
    out.insert(out.end(), std::make_move_iterator(d.begin()), std::make_move_iterator(d.end()));
    if (t.chat.stop_hit()) t.session->cancel();
  }
}

void finish_usage(Turn& t, const FinishEvent& fin) {
  t.usage.cached_tokens = fin.cached_tokens;
  t.usage.completion_tokens = t.chat.completion_tokens();
  t.usage.reasoning_tokens = t.chat.reasoning_tokens();
}

void respond_whole(ServerState& st, Turn& t, bool logprobs, httplib::Response& res) {
  chat::AssistantMessage msg;
  nlohmann::json lps = nlohmann::json::array();
  FinishEvent fin;
  pump_all(*t.session, st.shutting_down, [&](Session::Events& ev) {
    std::vector<chat::Delta> ds;
    apply_tokens(t, ev, ds);
    for (auto& e : t.chat.take_logprobs()) lps.push_back(std::move(e));
    if (ev.finish) {
      fin = *ev.finish;
      auto rest = t.chat.finish();
      ds.insert(ds.end(), rest.begin(), rest.end());
    }
    apply_deltas(msg, ds);
  });
  if (auto err = finish_error(fin, t.chat.stop_hit())) throw *err;
  finish_usage(t, fin);
  send_json(res, 200,
            chat_completion_json(t.meta, msg, t.chat.finish_reason(fin.reason), t.usage, logprobs ? lps : nlohmann::json(nullptr)));
}

void respond_stream(ServerState& st, std::shared_ptr<Turn> t, bool include_usage, httplib::Response& res) {
  auto writer = std::make_shared<ChatStreamWriter>(t->meta, include_usage);
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [&st, t, writer](size_t, httplib::DataSink& sink) {
        auto write = [&sink](const std::string& s) { return sink.write(s.data(), s.size()); };
        if (!write(writer->start())) {
          t->session->cancel();
          return false;
        }
        bool ok = pump_stream(*t->session, st.shutting_down, [&](Session::Events& ev) {
          std::vector<chat::Delta> ds;
          apply_tokens(*t, ev, ds);
          if (ev.finish) {
            auto rest = t->chat.finish();
            ds.insert(ds.end(), rest.begin(), rest.end());
          }
          std::string out = writer->deltas(ds, t->chat.take_logprobs());
          if (ev.finish) {
            if (auto err = finish_error(*ev.finish, t->chat.stop_hit())) return out + sse_data(err->to_json()) + sse_done();
            finish_usage(*t, *ev.finish);
            out += writer->finish(t->chat.finish_reason(ev.finish->reason), t->usage);
          }
          return out;
        }, write);
        if (ok) sink.done();
        return ok;
      },
      [t](bool) { t->session->cancel(); });
}

}  // namespace

void handle_chat_completions(ServerState& st, const httplib::Request& req, httplib::Response& res) {
  const Json body = parse_body(req.body);
  const ChatCodec& codec = ChatCodec::for_format(st.engine->lm().info().chat_format);
  ChatPlan plan = parse_chat_request(body, codec);
  std::vector<int32_t> ids = st.tok().encode(plan.prompt);
  const int64_t n_prompt = static_cast<int64_t>(ids.size());
  auto session = start_generation(st, std::move(ids), plan.gen,
                                  plan.thinking ? kDefaultMaxTokensThinking : kDefaultMaxTokensChat, "messages");
  ResponseMeta meta{new_id("chatcmpl-"), st.model_id, static_cast<int64_t>(std::time(nullptr)), plan.thinking};
  auto t = std::shared_ptr<Turn>(new Turn{std::move(session),
                                          ChatTurn(st.tok(), plan.thinking, new_id("call_") + "_", plan.gen.stop,
                                                   plan.forced_prefix, plan.gen.top_logprobs, codec),
                                          meta, Usage{}});
  t->usage.prompt_tokens = n_prompt;
  if (plan.gen.stream)
    respond_stream(st, t, plan.gen.include_usage, res);
  else
    respond_whole(st, *t, plan.gen.top_logprobs >= 0, res);
}

}  // namespace dseek::server
