// `dseek agent`: maps the command line onto agent::AgentOptions; the runtime is src/agent/.
#include <iostream>

#include "agent/agent.h"
#include "cli/commands.h"

namespace dseek::cli {

int cmd_agent(const AgentArgs& a) {
  agent::AgentOptions o;
  o.task = a.task;
  o.workdir = a.workdir;
  o.model_dir = a.model_dir;
  o.numerics = a.gen.numerics;
  o.endpoint = a.endpoint;
  o.api_key_env = a.api_key_env;
  o.model_name = a.model_name;
  o.gen.thinking = a.think;
  o.gen.max_tokens = a.gen.max_tokens;
  o.gen.sampling = a.gen.sampling;
  o.limits.max_steps = a.max_steps;
  o.limits.max_time_s = a.max_time_s;
  o.limits.max_format_retries = a.format_retries;
  o.approve = a.approve;
  o.system = a.system;
  o.tools = a.tools;
  o.mcp = a.mcp;
  o.transcript = a.transcript;
  o.resume = a.resume;
  o.unsafe_no_sandbox = a.unsafe_no_sandbox;
  return agent::run_agent(o, std::cout, std::cerr);
}

}  // namespace dseek::cli
