#include "server/chat_completions.h"

#include <algorithm>
#include <ctime>
#include <deque>

#include "server/chat_request.h"
#include "server/chat_response.h"
#include "server/chat_turn.h"
#include "server/defaults.h"
#include "server/generation.h"
#include "server/pump.h"
#include "server/respond.h"
#include "server/response_format.h"
#include "server/sse.h"

namespace dseek::server {

namespace {

// A request's generation: one ChatTurn per choice (`n`), all on one SessionGroup.
struct Turn {
  std::unique_ptr<SessionGroup> group;
  std::deque<ChatTurn> chats;  // deque: ChatTurn stays where it was built
  ResponseMeta meta;
  Usage usage;
  bool closed = false;  // a stream that ended early (an error event and [DONE] were sent)
};

// Choice i's new tokens (and, with its finish, the rest of its message) as deltas.
std::vector<chat::Delta> deltas_of(Turn& t, size_t i, SessionEvents& ev) {
  std::vector<chat::Delta> out;
  ChatTurn& chat = t.chats[i];
  for (const auto& tok : ev.tokens) {
    auto d = chat.push_token(tok);
    out.insert(out.end(), std::make_move_iterator(d.begin()), std::make_move_iterator(d.end()));
    if (chat.stop_hit()) t.group->cancel(i);
  }
  if (ev.finish) {
    auto rest = chat.finish();
    out.insert(out.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
  }
  return out;
}

// Usage over all choices: the prompt once, every choice's completion tokens.
void finish_usage(Turn& t, const std::vector<FinishEvent>& fins) {
  t.usage.completion_tokens = t.usage.reasoning_tokens = t.usage.cached_tokens = 0;
  for (size_t i = 0; i < t.chats.size(); ++i) {
    t.usage.completion_tokens += t.chats[i].completion_tokens();
    t.usage.reasoning_tokens += t.chats[i].reasoning_tokens();
    t.usage.cached_tokens = std::max(t.usage.cached_tokens, fins[i].cached_tokens);
  }
}

void respond_whole(ServerState& st, Turn& t, bool logprobs, httplib::Response& res) {
  const size_t n = t.chats.size();
  std::vector<ChatChoice> choices(n);
  std::vector<FinishEvent> fins(n);
  for (auto& c : choices) c.logprobs = nlohmann::json::array();
  pump_all(*t.group, st.shutting_down, [&](std::vector<SessionEvents>& evs) {
    for (size_t i = 0; i < n; ++i) {
      if (evs[i].tokens.empty() && !evs[i].finish) continue;
      if (evs[i].finish) fins[i] = *evs[i].finish;
      apply_deltas(choices[i].message, deltas_of(t, i, evs[i]));
      for (auto& e : t.chats[i].take_logprobs()) choices[i].logprobs.push_back(std::move(e));
    }
  });
  for (size_t i = 0; i < n; ++i) {
    if (auto err = finish_error(fins[i], t.chats[i].stop_hit())) throw *err;
    choices[i].finish_reason = t.chats[i].finish_reason(fins[i].reason);
    if (!logprobs) choices[i].logprobs = nullptr;
  }
  finish_usage(t, fins);
  send_json(res, 200, chat_completion_json(t.meta, choices, t.usage));
}

void respond_stream(ServerState& st, std::shared_ptr<Turn> t, bool include_usage, httplib::Response& res) {
  auto writer = std::make_shared<ChatStreamWriter>(t->meta, include_usage);
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [&st, t, writer](size_t, httplib::DataSink& sink) {
        auto write = [&sink](const std::string& s) { return sink.write(s.data(), s.size()); };
        const size_t n = t->chats.size();
        std::string first;
        for (size_t i = 0; i < n; ++i) first += writer->start(static_cast<int>(i));
        if (!write(first)) {
          t->group->cancel();
          return false;
        }
        std::vector<FinishEvent> fins(n);
        size_t finished = 0;
        bool ok = pump_stream(*t->group, st.shutting_down, [&](std::vector<SessionEvents>& evs) {
          std::string out;
          for (size_t i = 0; i < n && !t->closed; ++i) {
            if (evs[i].tokens.empty() && !evs[i].finish) continue;
            const int index = static_cast<int>(i);
            // The deltas first: pushing the tokens is what makes their logprobs (argument
            // evaluation order is unspecified, and GCC would take the logprobs first).
            auto deltas = deltas_of(*t, i, evs[i]);
            out += writer->deltas(deltas, t->chats[i].take_logprobs(), index);
            if (!evs[i].finish) continue;
            fins[i] = *evs[i].finish;
            if (auto err = finish_error(fins[i], t->chats[i].stop_hit())) {
              // The stream ends here; the other choices are cancelled.
              t->closed = true;
              t->group->cancel();
              return out + sse_data(err->to_json()) + sse_done();
            }
            out += writer->finish_choice(t->chats[i].finish_reason(fins[i].reason), index);
            if (++finished == n) {
              finish_usage(*t, fins);
              out += writer->end(t->usage);
            }
          }
          return out;
        }, write);
        if (ok) sink.done();
        return ok;
      },
      [t](bool) { t->group->cancel(); });
}

}  // namespace

void handle_chat_completions(ServerState& st, const httplib::Request& req, httplib::Response& res) {
  const Json body = parse_body(req.body);
  const ChatCodec& codec = ChatCodec::for_model(st.engine->lm().info());
  ChatPlan plan = parse_chat_request(body, codec);
  constrain(st, plan.gen, plan.grammar, plan.thinking);
  constrain_tool_calls(st, plan.gen, plan.calls, plan.forced_prefix, plan.thinking);
  std::vector<int32_t> ids = st.tok().encode(plan.prompt);
  const int64_t n_prompt = static_cast<int64_t>(ids.size());
  auto group = start_choices(st, std::move(ids), plan.gen,
                             plan.thinking ? kDefaultMaxTokensThinking : kDefaultMaxTokensChat, "messages");
  auto t = std::make_shared<Turn>();
  t->group = std::move(group);
  t->meta = ResponseMeta{new_id("chatcmpl-"), st.model_for(opt_string(body, "model").value_or("")), static_cast<int64_t>(std::time(nullptr)), plan.thinking};
  t->usage.prompt_tokens = n_prompt;
  const std::string call_prefix = new_id("call_");
  for (size_t i = 0; i < t->group->size(); ++i) {
    // Call ids stay unique across choices: call_<random>_<choice>_<call> for n > 1.
    std::string prefix = call_prefix;
    if (t->group->size() > 1) prefix.append("_").append(std::to_string(i));
    prefix.append("_");
    ChatTurn& c = t->chats.emplace_back(st.tok(), plan.thinking, prefix, plan.gen.stop, plan.forced_prefix,
                                        plan.gen.top_logprobs, codec, plan.gen.stream);
    c.set_stop_token_ids(plan.gen.stop_token_ids, st.engine->lm().info().eos_token_id);
    if (!plan.parallel_tool_calls) c.set_max_tool_calls(1);
    c.set_offered_tools(plan.offered_tools);
  }
  if (plan.gen.stream)
    respond_stream(st, t, plan.gen.include_usage, res);
  else
    respond_whole(st, *t, plan.gen.top_logprobs >= 0, res);
}

}  // namespace dseek::server
