// list_dir: the entries of a directory inside the workdir.
#include <algorithm>
#include <filesystem>

#include "agent/builtin_tools.h"
#include "agent/paths.h"
#include "agent/text.h"

namespace dseek::agent {

namespace fs = std::filesystem;

namespace {

const char* kListDirSchema = R"({"type": "function", "function": {"name": "list_dir", "description": "List the files and directories in a directory (default: the working directory).", "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": []}}})";
constexpr size_t kMaxEntries = 500;

class ListDirTool : public Tool {
 public:
  explicit ListDirTool(const ToolContext& c) : Tool(Json::parse(kListDirSchema), false), ctx_(c) {}
  ToolResult run(const Json& args) override {
    const std::string path = args.contains("path") ? args["path"].get<std::string>() : ".";
    std::string abs = resolve_in_workdir(ctx_.workdir, path.empty() ? "." : path);
    std::string shown = display_path(ctx_.workdir, abs);
    std::error_code ec;
    if (!fs::exists(abs, ec)) throw ToolError("directory not found: " + shown);
    if (!fs::is_directory(abs, ec)) throw ToolError(shown + " is not a directory");
    std::vector<std::string> lines;
    size_t total = 0;
    for (fs::directory_iterator it(abs, ec), end; !ec && it != end; it.increment(ec)) {
      ++total;
      const fs::directory_entry& e = *it;
      std::string name = sanitize_utf8(e.path().filename().string());
      std::error_code ec2;
      auto st = e.symlink_status(ec2);
      if (fs::is_symlink(st))
        name += " -> " + sanitize_utf8(fs::read_symlink(e.path(), ec2).string());
      else if (fs::is_directory(st))
        name += "/";
      else if (fs::is_regular_file(st))
        name += "  (" + std::to_string(e.file_size(ec2)) + " bytes)";
      lines.push_back(name);
    }
    if (ec) throw ToolError("cannot list " + shown + ": " + ec.message());
    std::sort(lines.begin(), lines.end());
    if (lines.empty()) return {"(" + shown + " is empty)", false};
    std::string out;
    for (size_t i = 0; i < lines.size() && i < kMaxEntries; ++i) out += lines[i] + "\n";
    if (total > kMaxEntries) out += "[... " + std::to_string(total - kMaxEntries) + " more entries not shown]\n";
    return {out, false};
  }

 private:
  ToolContext ctx_;
};

}  // namespace

std::unique_ptr<Tool> make_list_dir_tool(const ToolContext& c) { return std::make_unique<ListDirTool>(c); }

}  // namespace dseek::agent
