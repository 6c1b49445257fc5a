#include "server/anthropic_messages.h"

#include "runtime/error.h"
#include "server/anthropic_errors.h"
#include "server/anthropic_request.h"
#include "server/anthropic_response.h"
#include "server/request_guard.h"
#include "server/chat_turn.h"
#include "server/generation.h"
#include "server/pump.h"
#include "server/respond.h"

namespace dseek::server {

namespace {

struct Turn {
  std::unique_ptr<Session> session;
  ChatTurn chat;
  std::string id, model;
  AnthropicUsage usage;
  int max_tool_uses = -1;
};

std::vector<chat::Delta> turn_deltas(Turn& t, Session::Events& ev) {
  std::vector<chat::Delta> out;
  for (const auto& tok : ev.tokens) {
    auto d = t.chat.push_token(tok);
    out.insert(out.end(), std::make_move_iterator(d.begin()), std::make_move_iterator(d.end()));
    if (t.chat.stop_hit()) t.session->cancel();
  }
  if (ev.finish) {
    auto rest = t.chat.finish();
    out.insert(out.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
  }
  return out;
}

std::string stop_reason(Turn& t, const FinishEvent& fin) {
  t.usage.cached_tokens = fin.cached_tokens;
  t.usage.output_tokens = t.chat.completion_tokens();
  return anthropic_stop_reason(t.chat.finish_reason(fin.reason), t.chat.stop_sequence());
}

void respond_whole(ServerState& st, Turn& t, httplib::Response& res) {
  ContentBlocks blocks(t.max_tool_uses);
  FinishEvent fin;
  pump_all(*t.session, st.shutting_down, [&](Session::Events& ev) {
    if (ev.finish) fin = *ev.finish;
    blocks.feed(turn_deltas(t, ev));
  });
  if (auto err = finish_error(fin, t.chat.stop_hit())) throw *err;
  blocks.finish();
  const std::string reason = stop_reason(t, fin);
  send_json(res, 200, anthropic_message_json(t.id, t.model, blocks.blocks(), reason, t.chat.stop_sequence(), t.usage));
}

void respond_stream(ServerState& st, std::shared_ptr<Turn> t, httplib::Response& res) {
  auto writer = std::make_shared<AnthropicStreamWriter>(t->id, t->model, t->usage.prompt_tokens, t->max_tool_uses);
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
          std::string out = writer->deltas(turn_deltas(*t, ev));
          if (ev.finish) {
            if (auto err = finish_error(*ev.finish, t->chat.stop_hit())) return out + writer->error(*err);
            const std::string reason = stop_reason(*t, *ev.finish);
            out += writer->finish(reason, t->chat.stop_sequence(), t->usage);
          }
          return out;
        }, write);
        if (ok) sink.done();
        return ok;
      },
      [t](bool) { t->session->cancel(); });
}

const ChatCodec& codec_of(const ServerState& st) { return ChatCodec::for_format(st.engine->lm().info().chat_format); }

}  // namespace

void handle_messages(ServerState& st, const httplib::Request& req, httplib::Response& res) {
  const Json body = parse_body(req.body);
  const ChatCodec& codec = codec_of(st);
  AnthropicPlan plan = parse_anthropic_request(body, codec);
  constrain_tool_calls(st, plan.chat.gen, plan.chat.calls, plan.chat.forced_prefix, plan.chat.thinking);
  std::vector<int32_t> ids = st.tok().encode(plan.chat.prompt);
  const int64_t n_prompt = static_cast<int64_t>(ids.size());
  // max_tokens is required here, so the default never applies.
  auto session = start_generation(st, std::move(ids), plan.chat.gen, plan.chat.gen.opt.max_tokens, "messages");
  auto t = std::shared_ptr<Turn>(new Turn{std::move(session),
                                          ChatTurn(st.tok(), plan.chat.thinking, new_id("toolu_") + "_", plan.chat.gen.stop,
                                                   plan.chat.forced_prefix, -1, codec, plan.stream),
                                          new_id("msg_"), st.model_id, AnthropicUsage{}, plan.max_tool_uses});
  t->usage.prompt_tokens = n_prompt;
  t->chat.set_offered_tools(plan.chat.offered_tools);
  if (plan.stream)
    respond_stream(st, t, res);
  else
    respond_whole(st, *t, res);
}

void handle_count_tokens(ServerState& st, const httplib::Request& req, httplib::Response& res) {
  const Json body = parse_body(req.body);
  AnthropicPlan plan = parse_anthropic_request(body, codec_of(st), true);
  send_json(res, 200, {{"input_tokens", static_cast<int64_t>(st.tok().encode(plan.chat.prompt).size())}});
}

httplib::Server::Handler anthropic_route(ServerState& st,
                                         void (*fn)(ServerState&, const httplib::Request&, httplib::Response&)) {
  return [&st, fn](const httplib::Request& req, httplib::Response& res) {
    try {
      check_request(st, req);
      fn(st, req, res);
    } catch (const ApiError& e) {
      send_anthropic_error(res, e);
    } catch (const Error& e) {
      send_anthropic_error(res, bad_request(e.what()));
    } catch (const std::exception& e) {
      send_anthropic_error(res, ApiError(500, std::string("internal error: ") + e.what(), "server_error"));
    }
  };
}

}  // namespace dseek::server
