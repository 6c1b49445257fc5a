#include "agent/paths.h"

#include <filesystem>

#include "agent/tool.h"

namespace dseek::agent {

namespace fs = std::filesystem;

namespace {

// Whether `p` is `root` or below it (both lexically normal, absolute).
bool inside(const fs::path& root, const fs::path& p) {
  auto r = root.begin(), q = p.begin();
  for (; r != root.end(); ++r, ++q) {
    if (r->empty() && std::next(r) == root.end()) break;  // trailing separator
    if (q == p.end() || *r != *q) return false;
  }
  return true;
}

}  // namespace

std::string resolve_in_workdir(const std::string& workdir, const std::string& path) {
  if (path.empty()) throw ToolError("the path is empty");
  if (path.find('\0') != std::string::npos) throw ToolError("the path contains a NUL byte");
  const fs::path root(workdir);
  fs::path given(path);
  fs::path full = (given.is_absolute() ? given : root / given).lexically_normal();
  if (!inside(root, full))
    throw ToolError("path '" + path + "' is outside the working directory " + workdir +
                    " (file tools only work inside it)");
  std::error_code ec;
  fs::path real = fs::weakly_canonical(full, ec);
  if (ec) throw ToolError("cannot resolve path '" + path + "': " + ec.message());
  if (!inside(root, real))
    throw ToolError("path '" + path + "' leads through a symbolic link to " + real.string() +
                    ", outside the working directory " + workdir);
  // weakly_canonical stops at a dangling link and appends the rest lexically: refuse those.
  fs::path prefix;
  for (const auto& part : real) {
    prefix /= part;
    if (prefix.string().size() <= root.string().size()) continue;
    auto st = fs::symlink_status(prefix, ec);
    if (ec || !fs::exists(st)) break;
    if (fs::is_symlink(st))
      throw ToolError("path '" + path + "' goes through a dangling symbolic link (" + prefix.string() + ")");
  }
  return real.string();
}

std::string display_path(const std::string& workdir, const std::string& abs) {
  fs::path rel = fs::path(abs).lexically_relative(workdir);
  std::string s = rel.string();
  return s.empty() ? "." : s;
}

}  // namespace dseek::agent
