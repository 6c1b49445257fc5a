#include "server/props.h"

#include <cmath>

#include "server/defaults.h"
#include "server/request_fields.h"
#include "server/respond.h"

#ifndef DSEEK_VERSION
#define DSEEK_VERSION "unknown"
#endif

namespace dseek::server {

namespace {

// 0.95f as 0.95, not 0.949999988079071.
double shown(float x) { return std::round(static_cast<double>(x) * 1e6) / 1e6; }

}  // namespace

void handle_props(ServerState& st, const httplib::Request&, httplib::Response& res) {
  const LmInfo& info = st.engine->lm().info();
  // The defaults are read from an empty request, so they are the ones requests really get.
  const GenParams g = parse_gen_params(Json::object(), {"max_tokens"});
  const SamplingParams& s = g.opt.sampling;
  const nlohmann::json params = {
      {"n_predict", kDefaultMaxTokensChat},
      {"temperature", shown(s.temperature)},
      {"top_k", s.top_k},
      {"top_p", shown(s.top_p)},
      {"min_p", shown(s.min_p)},
      {"seed", s.seed == 0 ? nlohmann::json(-1) : nlohmann::json(s.seed)},
      {"ignore_eos", g.ignore_eos},
      {"stop", g.stop},
      {"n_probs", 0},
      {"stream", g.stream},
  };
  send_json(res, 200,
            {{"model_alias", st.model_id},
             {"model_aliases", st.model_names},
             {"model_path", st.opt.model_dir},
             {"model_type", info.model_type},
             {"chat_format", info.chat_format},
             {"total_slots", st.opt.parallel},
             {"bos_token", st.tok().id_to_token(info.bos_token_id)},
             {"eos_token", st.tok().id_to_token(info.eos_token_id)},
             {"vocab_size", st.tok().vocab_size()},
             {"build_info", std::string("dseek ") + DSEEK_VERSION},
             {"modalities", {{"vision", false}, {"audio", false}}},
             {"default_generation_settings", {{"n_ctx", st.scheduler->ctx_size()}, {"params", params}}},
             {"max_tokens_defaults",
              {{"chat", kDefaultMaxTokensChat},
               {"thinking", kDefaultMaxTokensThinking},
               {"completions", kDefaultMaxTokensCompletions}}}});
}

}  // namespace dseek::server
