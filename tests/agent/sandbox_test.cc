// The bash sandbox: confinement to the workdir, no network, limits, kills, output caps.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "agent/builtin_tools.h"
#include "agent/sandbox.h"
#include "agent_test_util.h"

namespace dseek::agent {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

SandboxConfig config_for(const std::string& workdir) {
  SandboxConfig c;
  c.workdir = fs::canonical(workdir).string();
  c.timeout_s = 10;
  c.output_cap = 4096;
  return c;
}

// Skips the test (saying why) when bubblewrap cannot run here.
#define REQUIRE_SANDBOX(sb)                                                            \
  if ((sb).mode() == SandboxMode::Unavailable) GTEST_SKIP() << "no sandbox: " << (sb).unavailable_reason()

// Number of processes whose command line contains `marker`.
int processes_with(const std::string& marker) {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmd = test::slurp(e.path().string() + "/cmdline");
    if (cmd.find(marker) != std::string::npos && std::to_string(getpid()) != name) ++n;
  }
  return n;
}

TEST(Sandbox, ProbesABubblewrapModeOnThisMachine) {
  TempDir d;
  Sandbox sb(config_for(d.path()));
  std::cerr << "sandbox: " << sb.describe() << "\n";
  EXPECT_NE(sb.mode(), SandboxMode::Unsandboxed);
  if (geteuid() == 0 && sb.mode() != SandboxMode::Unavailable) {
    ProcessResult r = sb.run("id -u; id -g");
    EXPECT_EQ(r.output, "65534\n65534\n");  // an unprivileged uid, not root
  }
}

TEST(Sandbox, WorkdirIsWritableAndNothingElseIs) {
  TempDir outer;
  fs::create_directory(outer / "work");
  Sandbox sb(config_for(outer / "work"));
  REQUIRE_SANDBOX(sb);
  ProcessResult ok = sb.run("echo hello > made.txt && mkdir sub && echo x > sub/y && cat made.txt");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(ok.output, "hello\n");
  EXPECT_EQ(test::slurp(outer / "work/made.txt"), "hello\n");
  // The parent directory, /etc, /usr and the host's /tmp are out of reach.
  ProcessResult bad = sb.run("echo x > ../escape.txt; echo x > " + outer.path() + "/escape2.txt; touch /etc/escape;"
                             " touch /usr/escape; echo x > /tmp/inside-only; ls /root /home 2>&1 | head -2; exit 0");
  EXPECT_FALSE(fs::exists(outer / "escape.txt"));
  EXPECT_FALSE(fs::exists(outer / "escape2.txt"));
  EXPECT_FALSE(fs::exists("/etc/escape"));
  EXPECT_FALSE(fs::exists("/usr/escape"));
  EXPECT_FALSE(fs::exists("/tmp/inside-only"));  // the sandbox's /tmp is its own tmpfs
  EXPECT_NE(bad.output.find("Read-only file system"), std::string::npos) << bad.output;
  // The environment is cleared (no API keys leak into commands).
  setenv("DSEEK_TEST_SECRET", "hunter2", 1);
  ProcessResult env = sb.run("env");
  unsetenv("DSEEK_TEST_SECRET");
  EXPECT_EQ(env.output.find("hunter2"), std::string::npos);
  EXPECT_NE(env.output.find("PATH="), std::string::npos);
}

TEST(Sandbox, NoNetwork) {
  TempDir d;
  Sandbox sb(config_for(d.path()));
  REQUIRE_SANDBOX(sb);
  // A server on the host's loopback: reachable from here, not from the sandbox.
  test::FakeEndpoint host_server({});
  const std::string port = std::to_string(host_server.port());
  SpawnSpec direct;
  direct.argv = {"/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port + " && echo connected"};
  ProcessResult here = run_process(direct, RunLimits{});
  ASSERT_EQ(here.output, "connected\n");
  ProcessResult r = sb.run("exec 3<>/dev/tcp/127.0.0.1/" + port + " && echo connected");
  EXPECT_EQ(r.output.find("connected\n"), std::string::npos) << r.output;
  EXPECT_NE(r.exit_code, 0);
  ProcessResult ext = sb.run("timeout 5 bash -c 'exec 3<>/dev/tcp/1.1.1.1/80' && echo connected; cat /proc/net/dev | tail -n +3 | cut -d: -f1");
  EXPECT_EQ(ext.output.find("connected"), std::string::npos) << ext.output;
  EXPECT_EQ(ext.output.find("eth"), std::string::npos) << ext.output;  // only lo in the namespace
}

TEST(Sandbox, InfiniteLoopIsKilledAtTheTimeout) {
  TempDir d;
  SandboxConfig c = config_for(d.path());
  c.timeout_s = 2;
  Sandbox sb(c);
  REQUIRE_SANDBOX(sb);
  auto t0 = std::chrono::steady_clock::now();
  ProcessResult r = sb.run("echo start; while :; do :; done");
  double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(dt, 6.0);
  EXPECT_NE(r.output.find("start"), std::string::npos);
  RunLimits two;
  two.timeout_s = 2;
  EXPECT_NE(describe_result(r, two).find("timed out after 2 s"), std::string::npos);
}

TEST(Sandbox, ForkBombIsContainedAndKilled) {
  TempDir d;
  SandboxConfig c = config_for(d.path());
  c.timeout_s = 3;
  c.max_processes = 64;
  Sandbox sb(c);
  REQUIRE_SANDBOX(sb);
  const std::string marker = "dseekforkbomb" + std::to_string(getpid());
  auto t0 = std::chrono::steady_clock::now();
  ProcessResult r = sb.run(marker + "(){ " + marker + " | " + marker + " & }; " + marker + "; sleep 60");
  double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(r.timed_out) << r.output;
  EXPECT_LT(dt, 10.0);
  if (sb.mode() != SandboxMode::RootNoUserNamespace && sb.mode() != SandboxMode::Unsandboxed) {
    EXPECT_NE(r.output.find("Resource temporarily unavailable"), std::string::npos) << r.output;  // RLIMIT_NPROC bound
  }
  // Nothing of it survives the call.
  int left = 0;
  for (int i = 0; i < 50 && (left = processes_with(marker)) > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(left, 0);
}

TEST(Sandbox, BackgroundJobsDoNotOutliveTheCommand) {
  TempDir d;
  Sandbox sb(config_for(d.path()));
  REQUIRE_SANDBOX(sb);
  const std::string marker = "dseekbg" + std::to_string(getpid());
  auto t0 = std::chrono::steady_clock::now();
  ProcessResult r = sb.run("(exec -a " + marker + " sleep 100) & (setsid bash -c 'exec -a " + marker + "x sleep 100' &) ; echo started");
  double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.output, "started\n");
  EXPECT_FALSE(r.timed_out);
  EXPECT_LT(dt, 5.0);
  int left = 0;
  for (int i = 0; i < 30 && (left = processes_with(marker)) > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(left, 0);
}

TEST(Sandbox, MemoryHogFailsInsideItsLimit) {
  TempDir d;
  SandboxConfig c = config_for(d.path());
  c.memory_bytes = 512ll << 20;
  Sandbox sb(c);
  REQUIRE_SANDBOX(sb);
  ProcessResult r = sb.run("python3 -c 'b = bytearray(2 << 30); print(\"allocated\")'");
  EXPECT_EQ(r.output.find("allocated"), std::string::npos);
  EXPECT_NE(r.output.find("MemoryError"), std::string::npos) << r.output;
  EXPECT_NE(r.exit_code, 0);
}

TEST(Sandbox, OutputIsCapped) {
  TempDir d;
  SandboxConfig c = config_for(d.path());
  c.output_cap = 2000;
  c.kill_after_output = 1 << 20;
  c.timeout_s = 20;
  Sandbox sb(c);
  REQUIRE_SANDBOX(sb);
  ProcessResult big = sb.run("head -c 300000 /dev/zero | tr '\\0' a; echo; echo THE-END");
  EXPECT_TRUE(big.truncated);
  EXPECT_LT(big.output.size(), 2200u);
  EXPECT_EQ(big.total_output, 300000u + 1 + 8);
  EXPECT_NE(big.output.find("bytes of output omitted"), std::string::npos);
  EXPECT_NE(big.output.find("THE-END"), std::string::npos);  // the tail is kept
  auto t0 = std::chrono::steady_clock::now();
  ProcessResult endless = sb.run("yes");
  double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(endless.output_limit);
  EXPECT_LT(dt, 15.0);
  EXPECT_LT(endless.output.size(), 2200u);
}

TEST(Sandbox, BashToolReportsTimeoutsAndExitCodes) {
  TempDir d;
  SandboxConfig c = config_for(d.path());
  c.timeout_s = 1;
  Sandbox sb(c);
  REQUIRE_SANDBOX(sb);
  ToolContext ctx;
  ctx.workdir = c.workdir;
  ctx.sandbox = &sb;
  auto bash = make_bash_tool(ctx);
  ToolResult t = bash->run({{"command", "sleep 30"}});
  EXPECT_TRUE(t.is_error);
  EXPECT_NE(t.content.find("timed out after 1 s"), std::string::npos) << t.content;
  ToolResult e = bash->run({{"command", "echo oops >&2; exit 3"}});
  EXPECT_FALSE(e.is_error);
  EXPECT_EQ(e.content, "oops\n[exit code 3]");
}

TEST(Sandbox, WithoutBubblewrapShellCommandsAreRefused) {
  TempDir d;
  SandboxConfig c = config_for(d.path());
  c.bwrap = "/nonexistent/bwrap";
  Sandbox refused(c);
  EXPECT_EQ(refused.mode(), SandboxMode::Unavailable);
  ProcessResult r = refused.run("echo hi > f.txt");
  EXPECT_NE(r.error.find("--unsafe-no-sandbox"), std::string::npos);
  EXPECT_FALSE(fs::exists(d / "f.txt"));
  c.allow_unsandboxed = true;
  Sandbox unsafe(c);
  EXPECT_EQ(unsafe.mode(), SandboxMode::Unsandboxed);
  EXPECT_EQ(unsafe.run("echo hi > f.txt && cat f.txt").output, "hi\n");
}

TEST(Sandbox, RootWithoutUserNamespaceModeAlsoConfines) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  TempDir outer;
  fs::create_directory(outer / "work");
  SandboxConfig c = config_for(outer / "work");
  c.force_mode = "root-no-userns";
  Sandbox sb(c);
  REQUIRE_SANDBOX(sb);
  EXPECT_EQ(sb.mode(), SandboxMode::RootNoUserNamespace);
  ProcessResult r = sb.run("id -u; echo x > ok.txt; echo x > ../escape.txt; exec 3<>/dev/tcp/1.1.1.1/80 && echo connected; exit 0");
  EXPECT_EQ(r.output.substr(0, 6), "65534\n");
  EXPECT_TRUE(fs::exists(outer / "work/ok.txt"));
  EXPECT_FALSE(fs::exists(outer / "escape.txt"));
  EXPECT_EQ(r.output.find("connected"), std::string::npos);
}

}  // namespace
}  // namespace dseek::agent
