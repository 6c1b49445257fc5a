// `dseek agent` — placeholder until the agent layer lands.
#include "cli/commands.h"
#include "runtime/error.h"
namespace dseek::cli {
int cmd_agent(const AgentArgs&) { throw Error("agent: not built yet"); }
}  // namespace dseek::cli
