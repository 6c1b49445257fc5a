// Built-in tools: schemas, calculator, file tools, path confinement, argument checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "agent/builtin_tools.h"
#include "agent/paths.h"
#include "agent/toolset.h"
#include "agent_test_util.h"
#include "runtime/error.h"

namespace dseek::agent {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

ToolContext context_for(const TempDir& d) {
  ToolContext c;
  c.workdir = fs::canonical(d.path()).string();
  return c;
}

ToolSet builtin_set(const ToolContext& c) {
  ToolSet s;
  for (auto& t : builtin_tools(c)) s.add(std::move(t));
  return s;
}

ToolResult call(const ToolSet& s, const std::string& name, const Json& args) {
  return s.run(s.prepare(name, args.dump()), 16384);
}

TEST(BuiltinTools, FirstFourSchemasAreExactlyTheNanoAgentOnes) {
  TempDir d;
  ToolSet s = builtin_set(context_for(d));
  Json nano = Json::parse(test::slurp(dseek::test::repo_dir() + "/models/nano-agent/tools.json"));
  Json ours = s.schemas();
  ASSERT_EQ(nano.size(), 4u);
  ASSERT_EQ(ours.size(), 6u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(ours[i].dump(), nano[i].dump()) << "tool " << i;
  EXPECT_EQ(s.names(), (std::vector<std::string>{"calculator", "write_file", "read_file", "bash", "edit_file", "list_dir"}));
}

TEST(BuiltinTools, SelectKeepsBuiltinOrderAndRejectsUnknownNames) {
  TempDir d;
  ToolSet s = builtin_set(context_for(d));
  s.select("bash, calculator");
  EXPECT_EQ(s.names(), (std::vector<std::string>{"calculator", "bash"}));
  ToolSet t = builtin_set(context_for(d));
  EXPECT_THROW(t.select("calculator,teleport"), dseek::Error);
}

TEST(Calculator, ExactArithmetic) {
  TempDir d;
  ToolContext c = context_for(d);
  EXPECT_EQ(calculate("780/137", c), "5.69343065693430656934");
  EXPECT_EQ(calculate("12 * 34", c), "408");
  EXPECT_EQ(calculate("2**100", c), "1267650600228229401496703205376");
  EXPECT_EQ(calculate("123456789123456789 * 987654321987654321", c), "121932631356500531347203169112635269");
  EXPECT_EQ(calculate("(1.5 + 2.25) * 2", c), "7.5");
  EXPECT_EQ(calculate("1/4", c), "0.25");
  EXPECT_EQ(calculate("-1/4", c), "-0.25");
  EXPECT_EQ(calculate("17 % 5", c), "2");
  EXPECT_EQ(calculate("0.1 + 0.2", c), "0.3");
  EXPECT_EQ(calculate("6 \xC3\x97 7", c), "42");
}

TEST(Calculator, ErrorsAreClear) {
  TempDir d;
  ToolContext c = context_for(d);
  auto msg = [&](const std::string& e) {
    try {
      calculate(e, c);
    } catch (const ToolError& err) {
      return std::string(err.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(msg("1/0").find("division by zero"), std::string::npos);
  EXPECT_NE(msg("2 +* 3").find("syntax error"), std::string::npos);
  EXPECT_NE(msg("system(\"ls\")").find("unsupported character"), std::string::npos);
  EXPECT_NE(msg("").find("empty"), std::string::npos);
  EXPECT_NE(msg("2^0.5").find("integer"), std::string::npos);
  c.calculator_timeout_s = 1;
  EXPECT_NE(msg("9^9^9^9").find("time limit"), std::string::npos);
}

TEST(FileTools, WriteReadEditListRoundTrip) {
  TempDir d;
  ToolSet s = builtin_set(context_for(d));
  ToolResult w = call(s, "write_file", {{"path", "notes/a.txt"}, {"content", "alpha\nbeta\n"}});
  ASSERT_FALSE(w.is_error) << w.content;
  EXPECT_EQ(test::slurp(d / "notes/a.txt"), "alpha\nbeta\n");
  ToolResult r = call(s, "read_file", {{"path", "notes/a.txt"}});
  EXPECT_FALSE(r.is_error);
  EXPECT_EQ(r.content, "alpha\nbeta\n");
  ToolResult e = call(s, "edit_file", {{"path", "notes/a.txt"}, {"old_text", "beta"}, {"new_text", "gamma"}});
  ASSERT_FALSE(e.is_error) << e.content;
  EXPECT_EQ(test::slurp(d / "notes/a.txt"), "alpha\ngamma\n");
  ToolResult l = call(s, "list_dir", Json::object());
  EXPECT_FALSE(l.is_error);
  EXPECT_EQ(l.content, "notes/\n");
  ToolResult l2 = call(s, "list_dir", {{"path", "notes"}});
  EXPECT_EQ(l2.content, "a.txt  (12 bytes)\n");
}

TEST(FileTools, EditFailsClearlyWhenOldTextIsAbsentOrAmbiguous) {
  TempDir d;
  ToolSet s = builtin_set(context_for(d));
  test::spit(d / "f.txt", "x = 1\nx = 1\ny = 2\n");
  ToolResult absent = call(s, "edit_file", {{"path", "f.txt"}, {"old_text", "z = 3"}, {"new_text", "z = 4"}});
  EXPECT_TRUE(absent.is_error);
  EXPECT_NE(absent.content.find("not found"), std::string::npos) << absent.content;
  ToolResult twice = call(s, "edit_file", {{"path", "f.txt"}, {"old_text", "x = 1"}, {"new_text", "x = 2"}});
  EXPECT_TRUE(twice.is_error);
  EXPECT_NE(twice.content.find("occurs 2 times"), std::string::npos) << twice.content;
  EXPECT_EQ(test::slurp(d / "f.txt"), "x = 1\nx = 1\ny = 2\n");  // untouched
  ToolResult missing = call(s, "edit_file", {{"path", "nope.txt"}, {"old_text", "a"}, {"new_text", "b"}});
  EXPECT_TRUE(missing.is_error);
  EXPECT_NE(missing.content.find("not found"), std::string::npos);
}

TEST(FileTools, ReadRefusesBinaryAndTruncatesLargeFiles) {
  TempDir d;
  ToolContext c = context_for(d);
  c.max_read_bytes = 1000;
  ToolSet s = builtin_set(c);
  test::spit(d / "bin.dat", std::string("ab\0cd", 5));
  ToolResult b = call(s, "read_file", {{"path", "bin.dat"}});
  EXPECT_TRUE(b.is_error);
  EXPECT_NE(b.content.find("binary"), std::string::npos);
  test::spit(d / "big.txt", std::string(5000, 'x'));
  ToolResult big = call(s, "read_file", {{"path", "big.txt"}});
  EXPECT_FALSE(big.is_error);
  EXPECT_LT(big.content.size(), 1200u);
  EXPECT_NE(big.content.find("truncated"), std::string::npos);
}

TEST(PathConfinement, EscapesAreRefused) {
  TempDir outer;
  fs::create_directory(outer / "work");
  test::spit(outer / "secret.txt", "top secret");
  ToolContext c;
  c.workdir = fs::canonical(outer / "work").string();
  ToolSet s = builtin_set(c);
  const std::string w = c.workdir;
  fs::create_symlink(outer / "secret.txt", w + "/link_to_secret");
  fs::create_symlink(outer.path(), w + "/link_to_outer");
  fs::create_symlink(outer / "does-not-exist-yet", w + "/dangling");
  fs::create_symlink("inside.txt", w + "/link_inside");
  test::spit(w + "/inside.txt", "fine");

  for (const std::string p : {"../secret.txt", "../work/../secret.txt", "/etc/passwd", "link_to_secret",
                              "link_to_outer/secret.txt", "sub/../../secret.txt"}) {
    ToolResult r = call(s, "read_file", {{"path", p}});
    EXPECT_TRUE(r.is_error) << p;
    EXPECT_EQ(r.content.find("top secret"), std::string::npos) << p;
    EXPECT_NE(r.content.find("outside the working directory"), std::string::npos) << p << ": " << r.content;
  }
  for (const std::string p : {"../escape.txt", "/tmp/escape.txt", "link_to_outer/escape.txt", "dangling"}) {
    ToolResult r = call(s, "write_file", {{"path", p}, {"content", "x"}});
    EXPECT_TRUE(r.is_error) << p << ": " << r.content;
  }
  EXPECT_FALSE(fs::exists(outer / "escape.txt"));
  EXPECT_FALSE(fs::exists(outer / "does-not-exist-yet"));
  EXPECT_EQ(test::slurp(outer / "secret.txt"), "top secret");
  EXPECT_TRUE(call(s, "edit_file", {{"path", "link_to_secret"}, {"old_text", "top"}, {"new_text", "no"}}).is_error);
  EXPECT_TRUE(call(s, "list_dir", {{"path", ".."}}).is_error);
  EXPECT_TRUE(call(s, "list_dir", {{"path", "link_to_outer"}}).is_error);
  // Inside the workdir, absolute paths and links to inside files are fine.
  EXPECT_EQ(call(s, "read_file", {{"path", w + "/inside.txt"}}).content, "fine");
  EXPECT_EQ(call(s, "read_file", {{"path", "link_inside"}}).content, "fine");
}

TEST(ToolSet, MalformedCallsBecomeErrorResults) {
  TempDir d;
  ToolSet s = builtin_set(context_for(d));
  auto run = [&](const std::string& name, const std::string& args) { return s.run(s.prepare(name, args), 16384); };
  ToolResult unknown = run("teleport", "{}");
  EXPECT_TRUE(unknown.is_error);
  EXPECT_NE(unknown.content.find("unknown tool \"teleport\""), std::string::npos);
  EXPECT_NE(unknown.content.find("calculator"), std::string::npos);  // lists what exists
  ToolResult bad_json = run("calculator", "{\"expression\": ");
  EXPECT_TRUE(bad_json.is_error);
  EXPECT_NE(bad_json.content.find("not valid JSON"), std::string::npos);
  ToolResult missing = run("write_file", R"({"path": "a.txt"})");
  EXPECT_TRUE(missing.is_error);
  EXPECT_NE(missing.content.find("missing required argument \"content\""), std::string::npos);
  ToolResult wrong_type = run("calculator", R"({"expression": 5})");
  EXPECT_TRUE(wrong_type.is_error);
  EXPECT_NE(wrong_type.content.find("must be string"), std::string::npos);
  ToolResult extra = run("read_file", R"({"path": "a", "mode": "r"})");
  EXPECT_TRUE(extra.is_error);
  EXPECT_NE(extra.content.find("unknown argument \"mode\""), std::string::npos);
  ToolResult not_object = run("read_file", R"(["a"])");
  EXPECT_TRUE(not_object.is_error);
}

TEST(ToolSet, ResultsAreCappedAndValidUtf8) {
  TempDir d;
  ToolSet s = builtin_set(context_for(d));
  test::spit(d / "bad.txt", std::string("ok \xff\xfe end"));
  ToolResult r = call(s, "read_file", {{"path", "bad.txt"}});
  EXPECT_EQ(r.content, "ok \xEF\xBF\xBD\xEF\xBF\xBD end");
  test::spit(d / "long.txt", std::string(40000, 'a'));
  ToolResult l = s.run(s.prepare("read_file", R"({"path": "long.txt"})"), 1000);
  EXPECT_LT(l.content.size(), 1100u);
  EXPECT_NE(l.content.find("truncated"), std::string::npos);
}

TEST(CheckArguments, Types) {
  Json params = Json::parse(R"({"type": "object", "properties": {"n": {"type": "integer"}, "x": {"type": ["number", "null"]},
      "mode": {"type": "string", "enum": ["a", "b"]}}, "required": ["n"]})");
  EXPECT_EQ(check_arguments(params, Json::parse(R"({"n": 3})"), true), "");
  EXPECT_EQ(check_arguments(params, Json::parse(R"({"n": 3.0, "x": null})"), true), "");
  EXPECT_NE(check_arguments(params, Json::parse(R"({"n": 3.5})"), true), "");
  EXPECT_NE(check_arguments(params, Json::parse(R"({"n": 1, "mode": "c"})"), true), "");
  EXPECT_EQ(check_arguments(params, Json::parse(R"({"n": 1, "other": 1})"), false), "");
  EXPECT_NE(check_arguments(params, Json::parse(R"({"n": 1, "other": 1})"), true), "");
}

}  // namespace
}  // namespace dseek::agent
