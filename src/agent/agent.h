// dseek agent: the agent runtime (issue 4). run_agent() wires a model client (in-process
// engine or OpenAI-compatible endpoint), the built-in and MCP tools, the bubblewrap sandbox,
// the approval policy and the transcript around the agent loop (loop.h). See README.md here.
#pragma once
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "agent/client.h"
#include "agent/loop.h"

namespace dseek::agent {

struct AgentOptions {
  std::string task;                 // empty: interactive session (unless resuming an open task)
  std::string workdir = ".";
  std::string model_dir;            // local engine ...
  std::string numerics = "exact";
  std::string endpoint, api_key_env, model_name;  // ... or an OpenAI-compatible endpoint
  GenerationSettings gen;           // thinking, max_tokens, sampling
  LoopLimits limits;
  std::string approve;              // auto | ask | never | "" (ask on a terminal, else never)
  std::string system = "You are a helpful assistant.";
  std::string tools;                // comma-separated subset; empty: all built-in + MCP tools
  std::vector<std::string> mcp;     // MCP server command lines
  std::string transcript, resume;   // JSONL paths
  bool unsafe_no_sandbox = false;

  // Knobs for tests and embedding.
  double bash_timeout_s = 60;
  double http_backoff_s = 1.0;
  int http_attempts = 4;
  std::string sandbox_mode;         // SandboxConfig::force_mode
  std::function<std::string(const std::string&)> ask;  // replaces the /dev/tty approval prompt
  std::istream* input = nullptr;    // interactive input (default std::cin)
  bool handle_sigint = true;        // first Ctrl-C stops the task, the second exits
};

// Runs one task (printing only the final answer to `out`, progress to `log`), continues a
// resumed one, or runs an interactive session reading tasks from `input` (/reset, /exit).
// Returns the exit code: 0 answered (or a session ended normally), 2 a task stopped without
// an answer (budget, model error, interruption; the reason is on `log`). Throws dseek::Error
// for bad options (workdir, tools, endpoint settings, unreadable transcript).
int run_agent(const AgentOptions& opt, std::ostream& out, std::ostream& log);

}  // namespace dseek::agent
