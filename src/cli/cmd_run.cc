// `dseek run` (one answer) and `dseek chat` (interactive, keeps history).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "agent/markup.h"
#include "chat/format.h"
#include "cli/commands.h"
#include "cli/io_util.h"
#include "cli/parallel.h"
#include "cli/request_file.h"
#include "engine/local_engine.h"
#include "engine/speculative.h"
#include "structured/json_constraint.h"

namespace dseek::cli {

namespace {

GenerateOptions gen_options(const RunArgs& a) {
  if (a.max_tokens < 1) throw Error("--max-tokens must be >= 1");
  if (a.sampling.temperature < 0) throw Error("--temperature must be >= 0");
  if (a.sampling.top_p <= 0 || a.sampling.top_p > 1) throw Error("--top-p must be in (0, 1]");
  if (a.sampling.min_p < 0 || a.sampling.min_p > 1) throw Error("--min-p must be in [0, 1]");
  if (a.sampling.top_k < 0) throw Error("--top-k must be >= 0");
  if (a.draft < 0 || a.draft > kMaxDraft) throw Error("--draft must be in 0.." + std::to_string(kMaxDraft));
  GenerateOptions o;
  o.max_tokens = a.max_tokens;
  o.draft = a.draft;
  o.sampling = a.sampling;
  return o;
}

chat::Json load_tools(const std::string& path) {
  chat::Json t = read_json_file(path);
  if (t.is_object() && t.contains("tools")) t = t["tools"];
  if (!t.is_array()) throw Error(path + ": expected a JSON array of OpenAI tool schemas");
  return t;
}

// --json-schema / --json as the request's response_format (rendered into the prompt, as the
// server does); the body's own response_format (--request-file) is kept otherwise.
void set_response_format(const RunArgs& a, chat::Json& body) {
  if (!a.json_schema_file.empty() && a.json) throw Error("give either --json-schema or --json, not both");
  if (!a.json_schema_file.empty()) {
    const std::string name = std::filesystem::path(a.json_schema_file).stem().string();
    body["response_format"] = {{"type", "json_schema"},
                               {"json_schema", {{"name", name}, {"schema", read_json_file(a.json_schema_file)}, {"strict", true}}}};
  } else if (a.json) {
    body["response_format"] = {{"type", "json_object"}};
  }
}

// The constraint of the body's response_format (empty for none or text). Throws dseek::Error
// naming `source` and the keyword for a schema that cannot be compiled.
ConstraintFactory response_constraint(const chat::Json& body, const LocalEngine& engine, const std::string& source) {
  auto it = body.find("response_format");
  if (it == body.end()) return {};
  std::shared_ptr<const grammar::Grammar> grammar;
  try {
    grammar = structured::response_format_grammar(*it);
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
  if (!grammar) return {};
  const size_t n_vocab = std::max<size_t>(engine.tokenizer().vocab_size(), engine.lm().info().vocab_size);
  return structured::grammar_constraint(std::move(grammar), grammar::TokenTrie::from_tokenizer(engine.tokenizer(), n_vocab));
}

void print_stats(const Completion& c) {
  std::fprintf(stderr, "\n[%lld prompt tokens, prefill %.1f tokens/s | %lld generated tokens, decode %.1f tokens/s | %s]\n",
               static_cast<long long>(c.stats.prompt_tokens), c.stats.prefill_tps(),
               static_cast<long long>(c.stats.generated_tokens), c.stats.decode_tps(), c.finish_reason.c_str());
  const GenerateStats& s = c.stats;
  if (s.drafted_tokens > 0)
    std::fprintf(stderr, "[speculative: %lld drafted, %lld accepted (%.1f%%), mean accepted length %.2f over %lld steps]\n",
                 static_cast<long long>(s.drafted_tokens), static_cast<long long>(s.accepted_tokens),
                 100.0 * s.acceptance_rate(), s.mean_accepted_length(), static_cast<long long>(s.verify_steps));
}

// Prints reasoning (stderr, dimmed on a terminal), the answer (stdout) and tool calls (stdout).
// Special tokens and tool-call markup left in the text (an unparsed completion) are not shown.
void print_message(const Completion& c, const std::string& chat_format) {
  const chat::AssistantMessage& m = c.message;
  const bool tty = isatty(2);
  const std::string reasoning = agent::strip_chat_markup(m.reasoning_content), content = agent::strip_chat_markup(m.content);
  if (!reasoning.empty())
    std::cerr << (tty ? "\033[2m" : "") << "[reasoning]\n" << reasoning << (tty ? "\033[0m" : "") << "\n[answer]\n";
  if (!c.parsed && c.finish_reason != "length")
    std::cerr << "[note: the completion is not well-formed " << chat_format << " output (" << c.parse_error
              << "); shown without its markup (`dseek run --raw` prints it verbatim)]\n";
  std::cout << content;
  if (!content.empty() && content.back() != '\n') std::cout << "\n";
  for (const auto& tc : m.tool_calls) std::cout << "[tool call] " << tc.name << " " << tc.arguments << "\n";
  std::cout.flush();
}

}  // namespace

int cmd_run(const RunArgs& a) {
  chat::Json body;
  if (!a.request_file.empty()) {
    if (!a.prompt.empty()) throw Error("give either -p or --request-file, not both");
    body = read_request_file(a.request_file);
  } else {
    if (a.prompt.empty()) throw Error("no prompt: give -p TEXT or --request-file REQ.json");
    body["messages"] = chat::Json::array();
    if (!a.system.empty()) body["messages"].push_back({{"role", "system"}, {"content", a.system}});
    body["messages"].push_back({{"role", "user"}, {"content", a.prompt}});
  }
  if (!a.tools_file.empty()) body["tools"] = load_tools(a.tools_file);
  set_response_format(a, body);
  const bool thinking = request_thinking(body, a.think) || a.think;
  GenerateOptions opt = gen_options(a);
  if (!a.chat_format.empty()) chat::format_from_name(a.chat_format);  // checked before anything loads
  if (opt.draft > 0) refuse_under_mpi("run --draft");  // the MTP drafts are not in the lockstep protocol
  LocalEngine engine(load_parallel(a.model_dir, parse_numerics(a.numerics), a.parallel_mode), a.model_dir, a.chat_format);
  check_draft(engine.lm(), opt.draft);
  opt.constraint = response_constraint(body, engine, !a.json_schema_file.empty() ? a.json_schema_file : a.request_file);
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

namespace {

// --session's file is saved after every turn: a directory that is missing or not writable fails
// here, before the model loads, not after the first answer.
void check_session_writable(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path parent = fs::path(path).parent_path();
  const std::string dir = parent.empty() ? "." : parent.string();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(path + ": cannot save the --session file: directory " + dir + " does not exist");
  if (::access(dir.c_str(), W_OK) != 0)
    throw Error(path + ": cannot save the --session file: directory " + dir + " is not writable (" + std::strerror(errno) + ")");
}

}  // namespace

// `dseek chat`'s slash commands.
constexpr const char* kChatHelp =
    "commands:\n"
    "  /help          this list\n"
    "  /reset         clear the conversation (asks y/N first on a terminal; --session's file too)\n"
    "  /exit, /quit   leave (end of input too)\n"
    "  //text         send a message that starts with '/'\n";

int cmd_chat(const RunArgs& a) {
  // Chat prints the calls a model makes but cannot run them; the agent runs them (sandbox,
  // approval prompts), so a conversation with tools belongs there.
  if (!a.tools_file.empty())
    throw Error("dseek chat does not run tool calls, so it takes no --tools: use `dseek agent` (interactive without a "
                "TASK; --tools NAMES picks its tools, which run in a sandbox and ask approval), or `dseek run --tools " +
                a.tools_file + " -p TEXT` to see the calls one prompt makes");
  GenerateOptions opt = gen_options(a);
  if (!a.session.empty()) check_session_writable(a.session);  // before the model, not after a turn
  LocalEngine engine(a.model_dir, parse_numerics(a.numerics), a.chat_format);
  check_draft(engine.lm(), opt.draft);
  chat::Json body;
  std::unique_ptr<LmSequence> session = engine.lm().new_sequence();
  auto reset = [&] {
    body = chat::Json::object();
    body["messages"] = chat::Json::array();
    if (!a.system.empty()) body["messages"].push_back({{"role", "system"}, {"content", a.system}});
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
  if (tty) std::cerr << "dseek chat — " << a.model_dir << " (/help for commands, /exit to quit)\n";
  std::string line;
  while (true) {
    if (tty) std::cerr << "> " << std::flush;
    if (!std::getline(std::cin, line)) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("//", 0) == 0) {
      line.erase(0, 1);  // an escaped '/': a message, not a command
    } else if (!line.empty() && line[0] == '/') {
      // A command is never sent to the model, an unknown one included (a typo would be).
      const std::string cmd = line.substr(0, line.find_first_of(" \t"));
      if (cmd == "/exit" || cmd == "/quit") break;
      if (cmd == "/help") {
        std::cerr << kChatHelp;
      } else if (cmd == "/reset") {
        // Piped input has nobody to answer: the next line is the next message, not a yes/no.
        std::string answer = "y";
        if (tty) {
          std::cerr << "clear the conversation (" << body["messages"].size() << " messages)? [y/N] " << std::flush;
          if (!std::getline(std::cin, answer)) break;
        }
        if (answer == "y" || answer == "Y" || answer == "yes" || answer == "y\r" || answer == "yes\r") {
          reset();
          save();
          std::cerr << "[conversation cleared]\n";
        } else {
          std::cerr << "[kept the conversation]\n";
        }
      } else {
        std::cerr << "unknown command " << cmd << " (not sent to the model); /help lists the commands, //text sends a "
                  << "message that starts with '/'\n";
      }
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
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
