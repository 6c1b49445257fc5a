#include "runtime/mapped_regions.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace dseek {

namespace {

// One mapping: its range and a malloc'ed copy of the path. A slot is free when path is null;
// the handler reads base/size only after seeing a path (release/acquire on path).
struct Region {
  std::atomic<uintptr_t> base{0};
  std::atomic<size_t> size{0};
  std::atomic<char*> path{nullptr};
};
constexpr int kSlots = 4096;
Region g_regions[kSlots];
std::atomic<bool> g_in_handler{false};

// write(2) of a NUL-terminated string (async-signal-safe).
void put(const char* s) {
  size_t n = std::strlen(s);
  while (n > 0) {
    const ssize_t w = ::write(STDERR_FILENO, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<size_t>(w);
  }
}
void put_u64(uint64_t v) {
  char buf[24];
  int i = 23;
  buf[i] = '\0';
  do {
    buf[--i] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v && i > 0);
  put(buf + i);
}

extern "C" void on_sigbus(int sig, siginfo_t* info, void*) {
  g_in_handler.store(true);
  const uintptr_t a = reinterpret_cast<uintptr_t>(info ? info->si_addr : nullptr);
  for (const Region& r : g_regions) {
    const char* p = r.path.load(std::memory_order_acquire);
    if (!p) continue;
    const uintptr_t b = r.base.load(), n = r.size.load();
    if (a < b || a - b >= n) continue;
    put("dseek: ");
    put(p);
    put(" changed on disk while mapped (truncated or rewritten: byte ");
    put_u64(a - b);
    put(" of ");
    put_u64(n);
    put(" could not be read); do not modify a checkpoint while dseek runs\n");
    break;
  }
  std::signal(sig, SIG_DFL);
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  pthread_sigmask(SIG_UNBLOCK, &s, nullptr);
  std::raise(sig);
  _exit(128 + sig);  // not reached
}

void install() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, nullptr);
  });
}

}  // namespace

int register_mapping(const void* base, size_t size, const std::string& path) {
  install();
  char* copy = static_cast<char*>(std::malloc(path.size() + 1));
  if (!copy) return -1;
  std::memcpy(copy, path.c_str(), path.size() + 1);
  for (int i = 0; i < kSlots; ++i) {
    Region& r = g_regions[i];
    // Claim a free slot by its base (0: free), then publish the path last.
    uintptr_t expected = 0;
    if (!r.base.compare_exchange_strong(expected, reinterpret_cast<uintptr_t>(base))) continue;
    r.size.store(size);
    r.path.store(copy, std::memory_order_release);
    return i;
  }
  std::free(copy);
  return -1;
}

void unregister_mapping(int handle) {
  if (handle < 0 || handle >= kSlots) return;
  Region& r = g_regions[handle];
  char* p = r.path.exchange(nullptr);
  r.size.store(0);
  r.base.store(0);
  if (!g_in_handler.load()) std::free(p);  // the handler may be reading it: leak rather than free
}

}  // namespace dseek
