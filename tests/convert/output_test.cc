// What dseek quantize leaves on disk: split parts in llama-gguf-split's layout that open from
// any part, a dry run that predicts the exact file size, and on bad input a clear error with
// no file (final or temporary) left behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "convert/split_plan.h"
#include "convert_test_util.h"
#include "interrupt_util.h"
#include "runtime/error.h"
#include "runtime/signal_cleanup.h"
#include "weights/gguf.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

QuantizeOptions options(const std::string& out, FileType ft = FileType::Q8_0) {
  QuantizeOptions o;
  o.out = out;
  o.type = ft;
  o.no_vocab = true;
  return o;
}

uint64_t dry_run_total(const QuantizePlan& p) {
  std::ostringstream s;
  print_plan(p, "tiny", s);
  std::smatch m;
  const std::string text = s.str();
  EXPECT_TRUE(std::regex_search(text, m, std::regex("total file bytes: (\\d+)"))) << text;
  return std::stoull(m[1]);
}

TEST(QuantizeOutput, SplitPartsOpenFromAnyPartAndHoldTheSameTensors) {
  TempDir d;
  auto ck = Checkpoint::open(tiny_moe_dir());
  QuantizeOptions o = options(d.file("tiny.gguf"));
  o.split_max_bytes = 4'000'000;
  const QuantizePlan p = plan_quantize(*ck, o);
  ASSERT_EQ(p.paths.size(), 3u);
  EXPECT_EQ(p.paths[0], d.file("tiny-00001-of-00003.gguf"));
  EXPECT_EQ(p.paths[2], d.file("tiny-00003-of-00003.gguf"));
  const QuantizeResult r = write_quantized(*ck, p, nullptr, false);
  EXPECT_EQ(d.entries(), (std::vector<std::string>{"tiny-00001-of-00003.gguf", "tiny-00002-of-00003.gguf",
                                                     "tiny-00003-of-00003.gguf"}));
  uint64_t on_disk = 0;
  size_t tensors = 0;
  for (size_t k = 0; k < 3; ++k) {
    auto g = GgufFile::open(p.paths[k]);
    on_disk += g->file_size();
    tensors += g->tensors().size();
    uint64_t data = 0;
    for (const auto& [n, t] : g->tensors()) data += (t.nbytes + 31) / 32 * 32;
    EXPECT_LE(data, o.split_max_bytes) << p.paths[k];
    EXPECT_EQ(g->get_int("split.no"), static_cast<int64_t>(k));
    EXPECT_EQ(g->get_int("split.count"), 3);
    EXPECT_EQ(g->get_int("split.tensors.count"), 117);
    EXPECT_EQ(g->find_kv("split.no")->type, GgufType::UINT16);
    EXPECT_EQ(g->find_kv("split.tensors.count")->type, GgufType::INT32);
    EXPECT_EQ(g->metadata().size(), k == 0 ? p.metadata.size() + 3 : 3u) << p.paths[k];
  }
  EXPECT_EQ(tensors, 117u);
  EXPECT_EQ(on_disk, r.bytes);
  EXPECT_EQ(dry_run_total(p), on_disk);

  // Same bytes as the one-file output, whichever part the checkpoint is opened from.
  const Quantized& one = quantized_tiny(FileType::Q8_0);
  auto whole = GgufFile::open(one.plan.paths[0]);
  for (const auto& path : p.paths) {
    auto split_ck = Checkpoint::open(path);
    ASSERT_TRUE(split_ck->is_gguf());
    EXPECT_EQ(split_ck->gguf_files().size(), 3u);
    size_t n = 0;
    for (const auto& g : split_ck->gguf_files()) {
      for (const auto& [name, t] : g->tensors()) {
        const TensorView& w = whole->tensors().at(name);
        ASSERT_EQ(t.nbytes, w.nbytes) << name;
        EXPECT_EQ(std::memcmp(t.data, w.data, t.nbytes), 0) << name;
        ++n;
      }
    }
    EXPECT_EQ(n, 117u);
  }
}

TEST(QuantizeOutput, SplitByTensorCount) {
  std::vector<uint64_t> sizes(71, 100);
  const auto part = split_tensors(sizes, 0, 36);
  EXPECT_EQ(part[35], 0);
  EXPECT_EQ(part[36], 1);
  EXPECT_EQ(part[70], 1);
  EXPECT_EQ(split_tensors({10, 5000, 10}, 1000, 0), (std::vector<int>{0, 1, 2}));  // an oversized tensor alone
  EXPECT_EQ(parse_split_size("50G"), 50'000'000'000ull);
  EXPECT_EQ(parse_split_size("1.5M"), 1'500'000ull);
  EXPECT_THROW(parse_split_size("12Q"), Error);
  EXPECT_THROW(parse_split_size("-1G"), Error);
}

TEST(QuantizeOutput, DryRunTotalIsTheFileSize) {
  const Quantized& q = quantized_tiny(FileType::Q4_K_M);
  EXPECT_EQ(dry_run_total(q.plan), fs::file_size(q.plan.paths[0]));
  std::ostringstream s;
  print_plan(q.plan, "tiny", s);
  for (const char* cls : {"attention", "indexer", "dense FFN", "routed experts", "shared experts", "embedding", "output",
                          "norms/router"})
    EXPECT_NE(s.str().find(cls), std::string::npos) << cls << "\n" << s.str();
}

void expect_error(const std::function<void()>& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "expected an error containing '" << part << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(QuantizeOutput, BadOutputDirectoryIsRefusedUpFront) {
  TempDir d;
  auto ck = Checkpoint::open(tiny_moe_dir());
  expect_error([&] { plan_quantize(*ck, options(d.file("missing/x.gguf"))); }, d.file("missing") + " does not exist");
  std::ofstream(d.file("afile")) << "x";
  expect_error([&] { plan_quantize(*ck, options(d.file("afile/x.gguf"))); }, "does not exist");
  expect_error([&] { plan_quantize(*ck, options(d.path())); }, "is a directory");
  EXPECT_EQ(d.entries(), std::vector<std::string>{"afile"});
}

// A checkpoint that lacks one tensor (copied into memory from the fixture).
std::unique_ptr<Checkpoint> without(const Checkpoint& ck, const std::string& drop) {
  std::vector<TensorData> t;
  for (const auto& [name, v] : ck.tensors())
    if (name != drop) t.push_back({name, v->dtype, v->shape, std::vector<uint8_t>(v->data, v->data + v->nbytes)});
  return Checkpoint::in_memory(ck.config(), std::move(t), ck.dir() + " (copy)");
}

TEST(QuantizeOutput, MissingTensorIsNamedBeforeWriting) {
  TempDir d;
  auto ck = Checkpoint::open(tiny_moe_dir());
  auto broken = without(*ck, "model.layers.2.mlp.experts.3.up_proj.weight");
  expect_error([&] { plan_quantize(*broken, options(d.file("x.gguf"))); },
               "missing tensor 'model.layers.2.mlp.experts.3.up_proj.weight' (for GGUF tensor blk.2.ffn_up_exps.weight)");
  auto no_scale = without(*ck, "model.layers.1.self_attn.kv_b_proj.weight_scale_inv");
  expect_error([&] { plan_quantize(*no_scale, options(d.file("x.gguf"))); }, "kv_b_proj.weight_scale_inv");
  EXPECT_TRUE(d.entries().empty());
}

// An error in the middle of writing (here: the source loses a tensor after planning) leaves
// no part and no temp file, split or not.
TEST(QuantizeOutput, FailureWhileWritingLeavesNothing) {
  auto ck = Checkpoint::open(tiny_moe_dir());
  auto broken = without(*ck, "model.layers.3.self_attn.o_proj.weight");
  for (uint64_t split : {uint64_t{0}, uint64_t{3'000'000}}) {
    TempDir d;
    QuantizeOptions o = options(d.file("x.gguf"));
    o.split_max_bytes = split;
    const QuantizePlan p = plan_quantize(*ck, o);
    expect_error([&] { write_quantized(*broken, p, nullptr, false); }, "model.layers.3.self_attn.o_proj.weight");
    EXPECT_TRUE(d.entries().empty()) << d.entries().front();
  }
}

TEST(QuantizeOutput, TypesThatNeedAnImatrixAreRefused) {
  TempDir d;
  auto ck = Checkpoint::open(tiny_moe_dir());
  QuantizeOptions o = options(d.file("x.gguf"));
  o.tensor_types = {"ffn_up_exps=iq2_xxs"};
  expect_error([&] { plan_quantize(*ck, o); }, "tensor blk.1.ffn_up_exps.weight: type IQ2_XXS needs an importance matrix");
  o.tensor_types = {"ffn_up_exps=q4_k"};  // rows of 256: fine
  EXPECT_NO_THROW(plan_quantize(*ck, o));
  o.tensor_types = {"ffn_down_exps=q4_k"};  // rows of 128: falls back to Q5_0
  for (const auto& t : plan_quantize(*ck, o).layout.tensors) {
    if (t.name == "blk.1.ffn_down_exps.weight") {
      EXPECT_EQ(t.type, DType::Q5_0);
    }
  }
  EXPECT_TRUE(d.entries().empty());
}

TEST(QuantizeOutput, NoTokenizerNeedsNoVocab) {
  TempDir d;
  auto ck = Checkpoint::open(tiny_moe_dir());
  QuantizeOptions o = options(d.file("x.gguf"));
  o.no_vocab = false;
  expect_error([&] { plan_quantize(*ck, o); }, "no tokenizer.json");
}

// The binary: exit status and message for bad arguments, and the dry run's report.
std::pair<int, std::string> run_shell(const std::string& command) {
  const std::string cmd = "(" + command + ") 2>&1";
  FILE* f = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  const int st = ::pclose(f);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}
std::pair<int, std::string> run(const std::string& args) { return run_shell(dseek_binary() + " " + args); }

TEST(QuantizeCli, ErrorsAndDryRun) {
  if (!fs::exists(dseek_binary())) GTEST_SKIP() << "dseek binary not built";
  TempDir d;
  const std::string m = "quantize -m " + tiny_moe_dir() + " --out " + d.file("o.gguf") + " --no-vocab";
  auto [rc, out] = run(m + " --type q9_k");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("--type 'q9_k': unknown"), std::string::npos) << out;
  std::tie(rc, out) = run(m + " --type q4_k_m --tensor-type 'ffn_(=q4_k'");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("bad regex"), std::string::npos) << out;
  std::tie(rc, out) = run("quantize -m " + tiny_moe_dir() + " --out /nonexistent-dir/o.gguf --no-vocab --type q8_0");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("/nonexistent-dir does not exist"), std::string::npos) << out;
  std::tie(rc, out) = run(m + " --type q4_k_m --dry-run");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("total file bytes: " + std::to_string(quantized_tiny(FileType::Q4_K_M).plan.total_file_bytes())),
            std::string::npos)
      << out;
  std::tie(rc, out) = run(m + " --type q8_0 --split-max-size 4M --threads 1");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(d.entries(), (std::vector<std::string>{"o-00001-of-00003.gguf", "o-00002-of-00003.gguf", "o-00003-of-00003.gguf"}));
  EXPECT_NE(out.find("quantize: 100%"), std::string::npos) << out;  // not a tty: progress lines
}

// Errors in the command line itself exit 2 with CLI11's message and where the usage is;
// errors found later (a bad file, a bad --type) exit 1 (above).
TEST(QuantizeCli, UsageErrorsExit2) {
  if (!fs::exists(dseek_binary())) GTEST_SKIP() << "dseek binary not built";
  TempDir d;
  const std::string m = "quantize -m " + tiny_moe_dir() + " --out " + d.file("o.gguf") + " --no-vocab";
  const std::pair<std::string, std::string> cases[] = {
      {m, "--type is required"},                                          // missing required option
      {"quantize --type q8_0 --out " + d.file("o.gguf"), "--model is required"},
      {m + " --type q8_0 --bogus", "--bogus"},                            // unknown option
      {m + " --type q8_0 --threads many", "--threads"},                   // a value CLI11 cannot convert
      {m + " --type q8_0 --split-max-tensors", "--split-max-tensors"}};   // an option without its value
  for (const auto& [args, needle] : cases) {
    auto [rc, out] = run(args);
    EXPECT_EQ(rc, 2) << args << ": " << out;
    EXPECT_NE(out.find(needle), std::string::npos) << args << ": " << out;
    EXPECT_NE(out.find("run 'dseek quantize --help'"), std::string::npos) << args << ": " << out;
  }
  auto [rc, out] = run("quantize --help");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("not a .gguf"), std::string::npos) << out;
  EXPECT_TRUE(d.entries().empty());
}

// Overrides that set no tensor's type, and types that fall back for short rows, are named
// on stderr when writing and in the dry run's report.
TEST(QuantizeCli, OverrideWarnings) {
  if (!fs::exists(dseek_binary())) GTEST_SKIP() << "dseek binary not built";
  TempDir d;
  const std::string m = "quantize -m " + tiny_moe_dir() + " --out " + d.file("o.gguf") +
                        " --no-vocab --type q8_0 --tensor-type 'ffn_down_exps=q4_k' --tensor-type 'no_such_tensor=q6_k'"
                        " --tensor-type 'blk.1.ffn_down_exps=q8_0' --tensor-type 'attn_norm=q8_0'";
  const std::string fallback =
      "warning: blk.{1..4}.ffn_down_exps.weight: rows of 128 elements are not a whole number of Q4_K blocks (256): written "
      "as Q5_0 instead (type from --tensor-type 'ffn_down_exps=q4_k')\n";
  const std::string no_match =
      "warning: --tensor-type 'no_such_tensor=q6_k' sets no tensor's type: matches no tensor (GGUF names, e.g. "
      "blk.3.ffn_down_exps.weight)\n";
  const std::string shadowed =
      "warning: --tensor-type 'blk.1.ffn_down_exps=q8_0' sets no tensor's type: every tensor it matches takes the "
      "type of an earlier --tensor-type (the first match wins)\n";
  const std::string f32_only =
      "warning: --tensor-type 'attn_norm=q8_0' sets no tensor's type: matches only tensors that stay F32 (1-D tensors, "
      "norms, the router)\n";
  // Dry run: in the report on stdout.
  auto [rc, out] = run(m + " --dry-run 2>/dev/null");
  EXPECT_EQ(rc, 0) << out;
  for (const std::string& w : {fallback, no_match, shadowed, f32_only}) EXPECT_NE(out.find(w), std::string::npos) << w << out;
  // The fallback of blk.1 to blk.3 and of the MTP block 4 is one line: four warnings in all.
  size_t warnings = 0;
  for (size_t at = out.find("warning: "); at != std::string::npos; at = out.find("warning: ", at + 1)) ++warnings;
  EXPECT_EQ(warnings, 4u) << out;
  EXPECT_TRUE(d.entries().empty());
  // Writing: on stderr, before the file is written.
  std::tie(rc, out) = run(m + " --threads 1 >/dev/null");
  EXPECT_EQ(rc, 0) << out;
  for (const std::string& w : {fallback, no_match, shadowed, f32_only})
    EXPECT_NE(out.find("dseek quantize: " + w), std::string::npos) << w << out;
  EXPECT_LT(out.find("dseek quantize: " + no_match), out.find("quantize: 100%")) << out;
  // A file type that quantises nothing applies no override: said once per override.
  std::tie(rc, out) = run("quantize -m " + tiny_moe_dir() + " --out " + d.file("f.gguf") +
                          " --no-vocab --type f16 --tensor-type 'ffn_down_exps=q4_k' --dry-run");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("warning: --tensor-type 'ffn_down_exps=q4_k' sets no tensor's type: file type F16 quantises no "
                     "tensor, so no override applies\n"),
            std::string::npos)
      << out;
  // Without overrides and without short rows: no warning.
  std::tie(rc, out) = run("quantize -m " + tiny_moe_dir() + " --out " + d.file("q.gguf") + " --no-vocab --type q8_0 --dry-run");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out.find("warning"), std::string::npos) << out;
}

// SIGINT while the parts are being written (the first part's temp file blocks in write();
// the others exist as real temp files): neither temp files nor parts remain, and the
// process dies of SIGINT as an uncaught signal would.
TEST(QuantizeCli, InterruptLeavesNothing) {
  if (!fs::exists(dseek_binary())) GTEST_SKIP() << "dseek binary not built";
  TempDir d, logs;
  const std::string out = d.file("o.gguf");
  std::vector<std::string> seen;
  const Interrupted r = interrupt_while_writing(
      dseek_binary(),
      {"quantize", "-m", tiny_moe_dir(), "--out", out, "--type", "q8_0", "--no-vocab", "--split-max-size", "4M", "--threads", "1"},
      d.file("o-00001-of-00003.gguf.tmp"), logs.file("log"), SIGINT, [&] { seen = d.entries(); });
  ASSERT_TRUE(r.blocked) << read_text(logs.file("log"));
  EXPECT_EQ(r.first_bytes, "GGUF");
  EXPECT_EQ(seen, (std::vector<std::string>{"o-00001-of-00003.gguf.tmp", "o-00002-of-00003.gguf.tmp",
                                            "o-00003-of-00003.gguf.tmp"}));
  EXPECT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGINT) << "status " << r.status;
  EXPECT_TRUE(d.entries().empty()) << d.entries().front();
}

// The registry itself, in a forked child: registered files and the directory go on SIGTERM,
// an unregistered file stays; OutputFiles removes its files when dropped without keep().
TEST(SignalCleanup, RemovesRegisteredPathsThenDiesOfTheSignal) {
  TempDir d;
  const pid_t pid = ::fork();
  if (pid == 0) {
    install_signal_cleanup();
    OutputFiles o;
    o.add_dir(d.file("sub"));
    fs::create_directory(d.file("sub"));
    o.add(d.file("sub/a.tmp"));
    std::ofstream(d.file("sub/a.tmp")) << "a";
    o.add(d.file("b"));
    std::ofstream(d.file("b")) << "b";
    o.add(d.file("never-created"));
    std::ofstream(d.file("kept")) << "k";
    ::kill(::getpid(), SIGTERM);
    ::_exit(0);  // not reached
  }
  int st = 0;
  ASSERT_EQ(::waitpid(pid, &st, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) << "status " << st;
  EXPECT_EQ(d.entries(), (std::vector<std::string>{"kept"}));

  {
    OutputFiles o;
    o.add(d.file("x"));
    std::ofstream(d.file("x")) << "x";
    const std::vector<std::string> registered = signal_cleanup_paths();
    EXPECT_NE(std::find(registered.begin(), registered.end(), d.file("x")), registered.end());
  }  // no keep(): removed
  EXPECT_EQ(d.entries(), (std::vector<std::string>{"kept"}));
  {
    OutputFiles o;
    o.add(d.file("y"));
    std::ofstream(d.file("y")) << "y";
    o.keep();
  }
  EXPECT_EQ(d.entries(), (std::vector<std::string>{"kept", "y"}));
  EXPECT_TRUE(signal_cleanup_paths().empty());
}

// A full disk (a 2 MB tmpfs in a private mount namespace, where the system allows one): the
// error names the file, and neither the output nor its temp file remains.
TEST(QuantizeCli, FullDiskLeavesNothing) {
  if (!fs::exists(dseek_binary())) GTEST_SKIP() << "dseek binary not built";
  TempDir d;
  const std::string mnt = d.file("small");
  fs::create_directory(mnt);
  const std::string inner = "mount -t tmpfs -o size=2M tmpfs " + mnt + " || exit 77; " + dseek_binary() +
                            " quantize -m " + tiny_moe_dir() + " --out " + mnt + "/x.gguf --type q8_0 --no-vocab; echo rc=\\$?; ls -A " +
                            mnt;
  auto [rc, out] = run_shell("unshare -m sh -c \"" + inner + "\"");
  if (out.find("rc=") == std::string::npos) GTEST_SKIP() << "no private tmpfs here: " << out;
  EXPECT_NE(out.find("x.gguf.tmp failed: No space left on device"), std::string::npos) << out;
  EXPECT_NE(out.find("rc=1"), std::string::npos) << out;
  EXPECT_EQ(out.find("x.gguf\n"), std::string::npos) << out;  // ls shows nothing
  EXPECT_EQ(out.find("x.gguf.tmp\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace dseek::test
