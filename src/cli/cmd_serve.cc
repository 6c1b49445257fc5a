// `dseek serve` — placeholder until the server layer lands.
#include "cli/commands.h"
#include "runtime/error.h"
namespace dseek::cli {
int cmd_serve(const ServeArgs&) { throw Error("serve: not built yet"); }
}  // namespace dseek::cli
