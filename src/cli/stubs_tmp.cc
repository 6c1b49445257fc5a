#include "cli/commands.h"
namespace dseek::cli {
int cmd_inspect(const InspectArgs&) { return 0; }
int cmd_tokenize(const TokenizeArgs&) { return 0; }
int cmd_template(const TemplateArgs&) { return 0; }
int cmd_run(const RunArgs&) { return 0; }
int cmd_chat(const RunArgs&) { return 0; }
}
