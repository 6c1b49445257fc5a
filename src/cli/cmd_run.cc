// `dseek run` (one answer) and `dseek chat` (interactive, keeps history).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/io_util.h"
#include "engine/local_engine.h"

namespace dseek::cli {

namespace {

GenerateOptions gen_options(const RunArgs& a) {
  if (a.max_tokens < 1) throw Error("--max-tokens must be >= 1");
  if (a.sampling.temperature < 0) throw Error("--temperature must be >= 0");
  if (a.sampling.top_p <= 0 || a.sampling.top_p > 1) throw Error("--top-p must be in (0, 1]");
  if (a.sampling.min_p < 0 || a.sampling.min_p > 1) throw Error("--min-p must be in [0, 1]");
  if (a.sampling.top_k < 0) throw Error("--top-k must be >= 0");
  GenerateOptions o;
  o.max_tokens = a.max_tokens;
  o.sampling = a.sampling;
  return o;
}

chat::Json load_tools(const std::string& path) {
  chat::Json t = read_json_file(path);
  if (t.is_object() && t.contains("tools")) t = t["tools"];
  if (!t.is_array()) throw Error(path + ": expected a JSON array of OpenAI tool schemas");
  return t;
}

void print_stats(const Completion& c) {
  std::fprintf(stderr, "\n[%lld prompt tokens, prefill %.1f tokens/s | %lld generated tokens, decode %.1f tokens/s | %s]\n",
               static_cast<long long>(c.stats.prompt_tokens), c.stats.prefill_tps(),
               static_cast<long long>(c.stats.generated_tokens), c.stats.decode_tps(), c.finish_reason.c_str());
}

// Prints reasoning (stderr, dimmed on a terminal), the answer (stdout) and tool calls (stdout).
void print_message(const Completion& c, const std::string& chat_format) {
  const chat::AssistantMessage& m = c.message;
  const bool tty = isatty(2);
  if (!m.reasoning_content.empty())
    std::cerr << (tty ? "\033[2m" : "") << "[reasoning]\n" << m.reasoning_content << (tty ? "\033[0m" : "") << "\n[answer]\n";
  if (!c.parsed && c.finish_reason != "length")
    std::cerr << "[note: the completion is not well-formed " << (chat_format == "v4" ? "DeepSeek-V4" : "V3.2")
              << " output (" << c.parse_error << "); shown verbatim]\n";
  std::cout << m.content;
  if (!m.content.empty() && m.content.back() != '\n') std::cout << "\n";
  for (const auto& tc : m.tool_calls) std::cout << "[tool call] " << tc.name << " " << tc.arguments << "\n";
  std::cout.flush();
}

}  // namespace

int cmd_run(const RunArgs& a) {
  chat::Json body;
  if (!a.request_file.empty()) {
    if (!a.prompt.empty()) throw Error("give either -p or --request-file, not both");
    body = read_json_file(a.request_file);
    if (!body.is_object()) throw Error(a.request_file + ": the request body must be a JSON object");
  } else {
    if (a.prompt.empty()) throw Error("no prompt: give -p TEXT or --request-file REQ.json");
    body["messages"] = chat::Json::array();
    if (!a.system.empty()) body["messages"].push_back({{"role", "system"}, {"content", a.system}});
    body["messages"].push_back({{"role", "user"}, {"content", a.prompt}});
  }
  if (!a.tools_file.empty()) body["tools"] = load_tools(a.tools_file);
  const bool thinking = request_thinking(body, a.think) || a.think;
  GenerateOptions opt = gen_options(a);
  LocalEngine engine(a.model_dir, parse_numerics(a.numerics));
  Completion c = engine.complete(body, thinking, opt);
  if (a.raw) {
    std::cout << c.text;
    std::cout.flush();
  } else {
    print_message(c, engine.lm().info().chat_format);
  }
  print_stats(c);
  return 0;
}

int cmd_chat(const RunArgs& a) {
  GenerateOptions opt = gen_options(a);
  LocalEngine engine(a.model_dir, parse_numerics(a.numerics));
  chat::Json body;
  std::unique_ptr<LmSequence> session = engine.lm().new_sequence();
  auto reset = [&] {
    body = chat::Json::object();
    body["messages"] = chat::Json::array();
    if (!a.system.empty()) body["messages"].push_back({{"role", "system"}, {"content", a.system}});
    if (!a.tools_file.empty()) body["tools"] = load_tools(a.tools_file);
    session->clear();
  };
  reset();
  const bool tty = isatty(0);
  // A session's cache holds the model's values under its numerics: both must match to reuse it.
  const std::string session_identity = engine.model_fingerprint() + " numerics=" + a.numerics;
  if (!a.session.empty() && std::filesystem::exists(a.session)) {
    std::string meta;
    session = engine.lm().load_session(a.session, &meta, session_identity);
    try {
      body = chat::Json::parse(meta);
    } catch (const std::exception& e) {
      throw Error(a.session + ": corrupt conversation record: " + e.what());
    }
    if (!body.is_object() || !body.contains("messages") || !body["messages"].is_array())
      throw Error(a.session + ": the conversation record has no messages");
    if (tty)
      std::cerr << "restored " << body["messages"].size() << " messages and " << session->length() << " cached tokens from "
                << a.session << "\n";
  }
  auto save = [&] {
    if (!a.session.empty()) engine.lm().save_session(a.session, *session, body.dump(), session_identity);
  };
  if (tty) std::cerr << "dseek chat — " << a.model_dir << " (/exit to quit, /reset to clear history)\n";
  std::string line;
  while (true) {
    if (tty) std::cerr << "> " << std::flush;
    if (!std::getline(std::cin, line)) break;
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      reset();
      save();
      continue;
    }
    if (line.empty()) continue;
    body["messages"].push_back({{"role", "user"}, {"content", line}});
    Completion c;
    try {
      c = engine.complete(body, a.think, opt, {}, session.get());
    } catch (const Error& e) {
      body["messages"].erase(body["messages"].size() - 1);  // the turn failed: keep history as it was
      std::cerr << "error: " << e.what() << "\n";
      continue;
    }
    print_message(c, engine.lm().info().chat_format);
    print_stats(c);
    if (c.cached_tokens > 0) std::fprintf(stderr, "[%lld prompt tokens reused from the cache]\n", static_cast<long long>(c.cached_tokens));
    body["messages"].push_back(c.message.to_openai());
    save();
  }
  return 0;
}

}  // namespace dseek::cli
