// Files a command must not leave behind when it is interrupted (SIGINT, SIGTERM, SIGHUP):
// temp files being written, output parts already renamed, a directory the command created.
//
// A process-wide fixed table of registered paths; the signal handler only reads that table,
// unlink()s / rmdir()s every entry and dies of the same signal with the default action (so
// the parent still sees "killed by SIGINT"). Registering and unregistering take no lock and
// are safe against a handler running in another thread.
//
// Use: install_signal_cleanup() once in a command that writes files, then an OutputFiles
// object around the writing: add() every path *before* the file is created, keep() once the
// output is complete. An OutputFiles destroyed without keep() (an exception) removes its
// files too.
#pragma once
#include <string>
#include <vector>

namespace dseek {

// Installs the handler for SIGINT, SIGTERM and SIGHUP (once; later calls do nothing).
void install_signal_cleanup();

class OutputFiles {
 public:
  OutputFiles() = default;
  ~OutputFiles();  // without keep(): removes every path (files, then directories) and unregisters
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;

  // A file to remove if the command is interrupted (it need not exist yet).
  void add(const std::string& path);
  // A directory the command created: rmdir()ed, after the files, if it is then empty.
  void add_dir(const std::string& path);
  // The output is complete: unregister everything, remove nothing.
  void keep();

 private:
  struct Entry {
    std::string path;
    bool dir;
    char* slot;  // the registered copy (nullptr: the table was full)
  };
  std::vector<Entry> entries_;
};

// Paths registered now (for tests).
std::vector<std::string> signal_cleanup_paths();

}  // namespace dseek
