#include "agent/agent.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "agent/builtin_tools.h"
#include "agent/mcp.h"
#include "agent/process.h"
#include "agent/sandbox.h"
#include "runtime/error.h"

namespace dseek::agent {

namespace {

namespace fs = std::filesystem;

void on_sigint(int) {
  if (interrupt_flag().load()) {
    signal(SIGINT, SIG_DFL);
    raise(SIGINT);
    return;
  }
  interrupt_flag().store(true);
  const char msg[] = "\n[interrupt] stopping after the current step (Ctrl-C again to quit now)\n";
  ssize_t w = write(2, msg, sizeof msg - 1);
  (void)w;
}

// Installs on_sigint for the session and puts the previous handler back at the end.
class SigintGuard {
 public:
  explicit SigintGuard(bool on) : on_(on) {
    if (!on_) return;
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_);
  }
  ~SigintGuard() {
    if (on_) sigaction(SIGINT, &old_, nullptr);
  }

 private:
  bool on_;
  struct sigaction old_ {};
};

std::string canonical_workdir(const std::string& dir) {
  std::error_code ec;
  fs::path p = fs::canonical(dir.empty() ? "." : dir, ec);
  if (ec || !fs::is_directory(p)) throw Error("--workdir " + dir + ": not an existing directory");
  if (p == p.root_path()) throw Error("--workdir must not be the filesystem root");
  return p.string();
}

void check_generation(const GenerationSettings& g) {
  if (g.max_tokens < 1) throw Error("--max-tokens must be >= 1");
  if (g.sampling.temperature < 0) throw Error("--temperature must be >= 0");
  if (g.sampling.top_p <= 0 || g.sampling.top_p > 1) throw Error("--top-p must be in (0, 1]");
  if (g.sampling.min_p < 0 || g.sampling.min_p > 1) throw Error("--min-p must be in [0, 1]");
  if (g.sampling.top_k < 0) throw Error("--top-k must be >= 0");
}

std::unique_ptr<ModelClient> make_client(const AgentOptions& o, std::ostream& log) {
  if (o.endpoint.empty()) return make_local_client(o.model_dir, o.numerics, o.gen);
  HttpSettings h;
  h.endpoint = o.endpoint;
  h.model = o.model_name.empty() ? "deepseek-chat" : o.model_name;
  if (!o.api_key_env.empty()) {
    const char* key = std::getenv(o.api_key_env.c_str());
    if (!key || !*key) throw Error("--api-key-env " + o.api_key_env + ": the environment variable is not set");
    h.api_key = key;
  }
  h.backoff_s = o.http_backoff_s;
  h.max_attempts = o.http_attempts;
  h.log = [&log](const std::string& m) { log << "[endpoint] " << m << "\n"; };
  return make_http_client(h, o.gen);
}

bool wants_tool(const std::string& csv, const std::string& name) {
  if (csv.empty()) return true;
  std::string padded = "," + csv + ",";
  std::string compact;
  for (char c : padded)
    if (c != ' ' && c != '\t') compact += c;
  return compact.find("," + name + ",") != std::string::npos;
}

void print_answer(std::ostream& out, const TaskResult& r) {
  if (!r.answered()) return;
  out << r.content;
  if (r.content.empty() || r.content.back() != '\n') out << "\n";
  out.flush();
}

}  // namespace

int run_agent(const AgentOptions& o, std::ostream& out, std::ostream& log) {
  ignore_sigpipe();
  check_generation(o.gen);
  const std::string workdir = canonical_workdir(o.workdir);

  ResumeState resumed;
  const bool resuming = !o.resume.empty();
  if (resuming) {
    resumed = load_transcript(o.resume);
    if (resumed.skipped_lines > 0)
      log << "[agent] " << o.resume << ": skipped " << resumed.skipped_lines << " line(s) cut off by a crash\n";
  }
  const std::string system = resuming ? resumed.system : o.system;

  std::unique_ptr<ModelClient> client = make_client(o, log);

  std::unique_ptr<Sandbox> sandbox;
  if (wants_tool(o.tools, "bash")) {
    SandboxConfig sc;
    sc.workdir = workdir;
    sc.timeout_s = o.bash_timeout_s;
    const size_t cap = o.limits.max_tool_result_bytes;
    sc.output_cap = cap > 1536 ? cap - 512 : 1024;  // room for the notes (exit code, timeout)
    sc.allow_unsandboxed = o.unsafe_no_sandbox;
    sc.force_mode = o.sandbox_mode;
    sandbox = std::make_unique<Sandbox>(sc);
    if (sandbox->mode() == SandboxMode::Unavailable)
      log << "[agent] WARNING: the sandbox is unavailable (" << sandbox->unavailable_reason()
          << "): bash will refuse to run commands; pass --unsafe-no-sandbox to run them unsandboxed\n";
    else if (sandbox->mode() == SandboxMode::Unsandboxed)
      log << "[agent] WARNING: running shell commands WITHOUT a sandbox (--unsafe-no-sandbox)\n";
  }

  ToolContext ctx;
  ctx.workdir = workdir;
  ctx.sandbox = sandbox.get();
  ToolSet tools;
  for (auto& t : builtin_tools(ctx)) tools.add(std::move(t));
  std::vector<std::shared_ptr<McpServer>> servers;
  for (const auto& cmd : o.mcp) {
    auto server = std::make_shared<McpServer>(cmd, workdir);
    servers.push_back(server);
    for (const auto& info : server->tools()) {
      if (tools.has(info.name)) {
        log << "[agent] MCP server `" << cmd << "`: tool " << info.name << " skipped (the name is taken)\n";
        continue;
      }
      tools.add(make_mcp_tool(server, info));
    }
  }
  if (!o.tools.empty()) tools.select(o.tools);

  Approver approver(parse_approval(o.approve), o.ask);

  const std::string tpath = !o.transcript.empty() ? o.transcript : o.resume;
  std::unique_ptr<Transcript> transcript =
      tpath.empty() ? std::make_unique<Transcript>() : std::make_unique<Transcript>(tpath);
  Json names = Json::array();
  for (const auto& n : tools.names()) names.push_back(n);
  if (resuming && tpath != o.resume) {
    for (const auto& r : resumed.records) {
      Json copy = r;
      copy.erase("time");
      transcript->write(copy);
    }
  }
  if (!resuming)
    transcript->write({{"type", "system"},
                       {"content", system},
                       {"tools", names},
                       {"model", client->describe()},
                       {"workdir", workdir},
                       {"think", o.gen.thinking}});

  std::string tool_list;
  for (const auto& n : tools.names()) tool_list += (tool_list.empty() ? "" : ", ") + n;
  log << "[agent] model: " << client->describe() << "\n[agent] tools: " << (tool_list.empty() ? "(none)" : tool_list)
      << "\n[agent] approval: " << approval_name(approver.policy()) << "; workdir: " << workdir << "\n";
  if (sandbox) log << "[agent] sandbox: " << sandbox->describe() << "\n";
  if (transcript->enabled()) log << "[agent] transcript: " << transcript->path() << "\n";
  log.flush();

  SigintGuard sigint_guard(o.handle_sigint);

  Json messages = resuming ? resumed.messages : Json::array({{{"role", "system"}, {"content", system}}});
  AgentLoop loop(*client, tools, approver, *transcript, log, o.limits, messages);
  loop.set_thinking(o.gen.thinking);

  if (resuming && resumed.task_open && o.task.empty()) {
    log << "[agent] continuing the unfinished task from " << o.resume
        << (resumed.last_stop_reason.empty() ? "" : " (it stopped: " + resumed.last_stop_reason + ")") << "\n";
    TaskResult r = loop.continue_task(resumed.unanswered_calls);
    print_answer(out, r);
    return r.answered() ? 0 : 2;
  }
  if (resuming) {
    loop.answer_interrupted(resumed.unanswered_calls);
    log << "[agent] resumed " << o.resume << " (" << resumed.tasks << " earlier task" << (resumed.tasks == 1 ? "" : "s")
        << ")\n";
  }
  if (!o.task.empty()) {
    TaskResult r = loop.run_task(o.task);
    print_answer(out, r);
    return r.answered() ? 0 : 2;
  }

  std::istream& in = o.input ? *o.input : std::cin;
  const bool tty = o.input == nullptr && isatty(0);
  if (tty) log << "[agent] interactive session: type a task; /reset forgets the conversation, /exit quits\n";
  for (;;) {
    if (tty) log << "> " << std::flush;
    std::string line;
    if (!std::getline(in, line)) break;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      loop.reset();
      transcript->write({{"type", "system"}, {"content", system}, {"tools", names}, {"reset", true}});
      log << "[agent] conversation reset\n";
      continue;
    }
    TaskResult r = loop.run_task(line);
    print_answer(out, r);
  }
  return 0;
}

}  // namespace dseek::agent
