#include "runtime/signal_cleanup.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

namespace dseek {

namespace {

// Each entry is a malloc'ed string: 'f' (file) or 'd' (directory), then the path. A slot
// holds an entry or nullptr. 8192 slots: a 671B model split one tensor a part has about 1800
// parts, each registered twice (temp and final name).
constexpr int kSlots = 8192;
std::atomic<char*> g_slots[kSlots];
// Set by the handler before it reads the table: an entry unregistered after that is leaked
// rather than freed, so the handler never reads freed memory (the exchange in unregister and
// this flag are sequentially consistent: either the handler sees nullptr or unregister sees
// the flag).
std::atomic<bool> g_in_handler{false};
std::atomic<bool> g_installed{false};
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void on_signal(int sig) {
  g_in_handler.store(true);
  for (int i = 0; i < kSlots; ++i) {
    const char* e = g_slots[i].load();
    if (e && e[0] == 'f') ::unlink(e + 1);
  }
  for (int i = kSlots - 1; i >= 0; --i) {  // the deepest directory was registered last
    const char* e = g_slots[i].load();
    if (e && e[0] == 'd') ::rmdir(e + 1);
  }
  // Die of the same signal with its default action.
  std::signal(sig, SIG_DFL);
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  pthread_sigmask(SIG_UNBLOCK, &s, nullptr);
  std::raise(sig);
  _exit(128 + sig);  // not reached
}

char* register_entry(char kind, const std::string& path) {
  char* e = static_cast<char*>(std::malloc(path.size() + 2));
  if (!e) return nullptr;
  e[0] = kind;
  std::memcpy(e + 1, path.c_str(), path.size() + 1);
  for (auto& slot : g_slots) {
    char* expected = nullptr;
    if (slot.compare_exchange_strong(expected, e)) return e;
  }
  std::free(e);  // table full: this path is not cleaned up on a signal
  return nullptr;
}

void unregister_entry(char* e) {
  for (auto& slot : g_slots) {
    char* expected = e;
    if (slot.compare_exchange_strong(expected, nullptr)) break;
  }
  if (!g_in_handler.load()) std::free(e);
}

}  // namespace

void install_signal_cleanup() {
  if (g_installed.exchange(true)) return;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int s : kSignals) sigaddset(&sa.sa_mask, s);  // one handler at a time
  for (int s : kSignals) {
    struct sigaction old {};
    // A signal the parent ignores (nohup, a background job's SIGINT) stays ignored.
    if (sigaction(s, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaction(s, &sa, nullptr);
  }
}

OutputFiles::~OutputFiles() {
  if (entries_.empty()) return;
  for (const Entry& e : entries_)
    if (!e.dir) ::unlink(e.path.c_str());
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
    if (it->dir) ::rmdir(it->path.c_str());
  keep();
}

void OutputFiles::add(const std::string& path) { entries_.push_back({path, false, register_entry('f', path)}); }

void OutputFiles::add_dir(const std::string& path) { entries_.push_back({path, true, register_entry('d', path)}); }

void OutputFiles::keep() {
  for (const Entry& e : entries_)
    if (e.slot) unregister_entry(e.slot);
  entries_.clear();
}

std::vector<std::string> signal_cleanup_paths() {
  std::vector<std::string> v;
  for (auto& slot : g_slots)
    if (const char* e = slot.load()) v.emplace_back(e + 1);
  return v;
}

}  // namespace dseek
