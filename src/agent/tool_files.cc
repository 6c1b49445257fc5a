// read_file, write_file, edit_file: text files inside the workdir.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "agent/builtin_tools.h"
#include "agent/paths.h"
#include "agent/text.h"

namespace dseek::agent {

namespace fs = std::filesystem;

namespace {

const char* kWriteFileSchema = R"({"type": "function", "function": {"name": "write_file", "description": "Write text to a file.", "parameters": {"type": "object", "properties": {"path": {"type": "string"}, "content": {"type": "string"}}, "required": ["path", "content"]}}})";
const char* kReadFileSchema = R"({"type": "function", "function": {"name": "read_file", "description": "Read a text file.", "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}})";
const char* kEditFileSchema = R"({"type": "function", "function": {"name": "edit_file", "description": "Replace text in a file: old_text must occur exactly once in the file and is replaced by new_text.", "parameters": {"type": "object", "properties": {"path": {"type": "string"}, "old_text": {"type": "string"}, "new_text": {"type": "string"}}, "required": ["path", "old_text", "new_text"]}}})";

// Reads up to `limit` bytes of a regular file (not following a final symlink); sets *size.
std::string read_limited(const std::string& abs, const std::string& shown, size_t limit, size_t* size) {
  int fd = open(abs.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw ToolError("file not found: " + shown);
    throw ToolError("cannot open " + shown + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    throw ToolError(shown + " is not a regular file");
  }
  *size = static_cast<size_t>(st.st_size);
  std::string data;
  char buf[65536];
  while (data.size() < limit) {
    ssize_t n = read(fd, buf, std::min(sizeof buf, limit - data.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return data;
}

// Replaces the file's contents (creating it and missing parent directories).
void write_whole(const std::string& workdir, const std::string& abs, const std::string& shown, const std::string& text) {
  if (abs == workdir) throw ToolError("the path names the working directory itself, not a file");
  std::error_code ec;
  if (fs::is_directory(fs::symlink_status(abs, ec))) throw ToolError(shown + " is a directory");
  fs::path parent = fs::path(abs).parent_path();
  fs::create_directories(parent, ec);
  if (ec) throw ToolError("cannot create directory " + display_path(workdir, parent.string()) + ": " + ec.message());
  int fd = open(abs.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw ToolError("cannot write " + shown + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      close(fd);
      throw ToolError("writing " + shown + " failed: " + std::strerror(e));
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
}

class ReadFileTool : public Tool {
 public:
  explicit ReadFileTool(const ToolContext& c) : Tool(Json::parse(kReadFileSchema), false), ctx_(c) {}
  ToolResult run(const Json& args) override {
    const std::string path = args["path"];
    std::string abs = resolve_in_workdir(ctx_.workdir, path);
    std::string shown = display_path(ctx_.workdir, abs);
    size_t size = 0;
    std::string data = read_limited(abs, shown, ctx_.max_read_bytes, &size);
    if (data.find('\0') != std::string::npos)
      throw ToolError(shown + " is a binary file (" + std::to_string(size) + " bytes); read_file reads text files");
    std::string text = sanitize_utf8(data);
    if (size > data.size())
      text += "\n[... truncated: " + shown + " has " + std::to_string(size) + " bytes; the first " +
              std::to_string(data.size()) + " are shown]";
    return {text, false};
  }

 private:
  ToolContext ctx_;
};

class WriteFileTool : public Tool {
 public:
  explicit WriteFileTool(const ToolContext& c) : Tool(Json::parse(kWriteFileSchema), true), ctx_(c) {}
  ToolResult run(const Json& args) override {
    const std::string path = args["path"], content = args["content"];
    std::string abs = resolve_in_workdir(ctx_.workdir, path);
    std::string shown = display_path(ctx_.workdir, abs);
    write_whole(ctx_.workdir, abs, shown, content);
    return {"Wrote " + std::to_string(content.size()) + " bytes to " + shown + ".", false};
  }

 private:
  ToolContext ctx_;
};

class EditFileTool : public Tool {
 public:
  explicit EditFileTool(const ToolContext& c) : Tool(Json::parse(kEditFileSchema), true), ctx_(c) {}
  ToolResult run(const Json& args) override {
    const std::string path = args["path"], old_text = args["old_text"], new_text = args["new_text"];
    std::string abs = resolve_in_workdir(ctx_.workdir, path);
    std::string shown = display_path(ctx_.workdir, abs);
    if (old_text.empty()) throw ToolError("old_text is empty: give the exact text to replace");
    size_t size = 0;
    const size_t limit = 64u << 20;
    std::string data = read_limited(abs, shown, limit, &size);
    if (size > limit) throw ToolError(shown + " is too large to edit (" + std::to_string(size) + " bytes)");
    size_t count = 0, at = std::string::npos;
    for (size_t p = data.find(old_text); p != std::string::npos; p = data.find(old_text, p + old_text.size())) {
      if (count++ == 0) at = p;
    }
    if (count == 0)
      throw ToolError("old_text was not found in " + shown +
                      " (nothing changed); copy the exact text, including whitespace, from read_file");
    if (count > 1)
      throw ToolError("old_text occurs " + std::to_string(count) + " times in " + shown +
                      " (nothing changed); include more surrounding text so that it matches exactly once");
    data.replace(at, old_text.size(), new_text);
    write_whole(ctx_.workdir, abs, shown, data);
    return {"Replaced 1 occurrence in " + shown + " (now " + std::to_string(data.size()) + " bytes).", false};
  }

 private:
  ToolContext ctx_;
};

}  // namespace

std::unique_ptr<Tool> make_read_file_tool(const ToolContext& c) { return std::make_unique<ReadFileTool>(c); }
std::unique_ptr<Tool> make_write_file_tool(const ToolContext& c) { return std::make_unique<WriteFileTool>(c); }
std::unique_ptr<Tool> make_edit_file_tool(const ToolContext& c) { return std::make_unique<EditFileTool>(c); }

}  // namespace dseek::agent
