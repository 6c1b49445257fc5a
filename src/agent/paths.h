// Confining file-tool paths to the workdir.
#pragma once
#include <string>

namespace dseek::agent {

// The absolute path `path` names inside `workdir` (canonical, absolute): relative paths are
// taken from the workdir, absolute ones must lie inside it. Symbolic links among the parts
// that exist are followed and the result must still lie inside the workdir; a dangling
// link is refused (writing through it could create a file elsewhere). Throws ToolError
// with a message for the model when the path is empty or escapes.
std::string resolve_in_workdir(const std::string& workdir, const std::string& path);

// `abs` shown relative to the workdir ("." for the workdir itself).
std::string display_path(const std::string& workdir, const std::string& abs);

}  // namespace dseek::agent
