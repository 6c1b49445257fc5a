// The web chat (GET /, server/web): the embedded page and its headers, --no-webui, the page
// without the API key, and the page itself driven in headless Chromium
// (tests/server/js/webchat_test.mjs).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "server/web/web_ui.h"
#include "test_util.h"

namespace dseek::server::test {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(WebChat, EmbeddedPageIsTheSourceFile) {
  const std::string src = read_file(fs::path(dseek::test::repo_dir()) / "src" / "server" / "web" / "chat.html");
  ASSERT_GT(src.size(), 1000u);
  EXPECT_EQ(std::string(web_chat_page()), src);  // the build embedded this very file
}

TEST(WebChat, ServedAtRootAndIndexHtml) {
  LiveServer srv;
  auto c = srv.client();
  for (const char* path : {"/", "/index.html"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8") << path;
    EXPECT_EQ(r->body, std::string(web_chat_page())) << path;
    const std::string csp = r->get_header_value("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos) << csp;
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  }
  // Self-contained: no script, style sheet or font from elsewhere (the CSP would block them).
  const std::string page(web_chat_page());
  for (const char* s : {"http://", "https://", "<script src", "rel=\"stylesheet\"", "@import", "@font-face"})
    EXPECT_EQ(page.find(s), std::string::npos) << s;
  // The routes are exact: a path that merely looks like them is the usual 404.
  auto other = c.Get("/indexXhtml");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
}

TEST(WebChat, NoWebUiLeavesTheApi) {
  ServerOptions o;
  o.web_ui = false;
  LiveServer srv(o);
  auto c = srv.client();
  auto r = c.Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_NE(r->body.find("unknown_url"), std::string::npos) << r->body;
  auto m = c.Get("/v1/models");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
}

// The page carries no data and asks for the key itself; every API route still needs the key.
TEST(WebChat, PageNeedsNoApiKeyButTheApiDoes) {
  ServerOptions o;
  o.api_key = "sk-web";
  LiveServer srv(o);
  auto c = srv.client();
  auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  for (const char* path : {"/props", "/v1/models"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << path;
  }
  auto ok = c.Get("/v1/models", {{"Authorization", "Bearer sk-web"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(WebChat, ServeFlagNoWebUi) {
  ServeProcess srv({"--no-webui"});
  httplib::Client c("127.0.0.1", srv.port());
  auto r = c.Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(srv.stderr_text().find("web chat"), std::string::npos) << srv.stderr_text();
  EXPECT_EQ(srv.stop(SIGTERM), 0);
}

// The page in a real browser: headless Chromium (Debian's `chromium`, or $DSEEK_CHROMIUM) driven
// by Node over the DevTools protocol. DSEEK_REQUIRE_NODE_CLIENT=1 (CI): a missing browser or
// node is a failure, not a skip.
TEST(WebChatBrowser, HeadlessChromium) {
  const char* req = std::getenv("DSEEK_REQUIRE_NODE_CLIENT");
  const bool required = req && std::string(req) == "1";
  const char* env = std::getenv("DSEEK_CHROMIUM");
  const std::string chromium = env && *env ? env : "/usr/bin/chromium";
  if (!fs::exists(chromium)) {
    const std::string why = chromium + " is missing: install Debian's chromium (scripts/install-deps.sh --browser) or set DSEEK_CHROMIUM";
    if (required) FAIL() << why;
    GTEST_SKIP() << why;
  }
  if (std::system("node --version >/dev/null 2>&1") != 0) {
    if (required) FAIL() << "node is not installed";
    GTEST_SKIP() << "node is not installed";
  }
  ServeProcess srv({"--parallel", "2"});
  const std::string url = "http://127.0.0.1:" + std::to_string(srv.port());
  EXPECT_NE(srv.stderr_text().find("web chat at " + url + "/\n"), std::string::npos) << srv.stderr_text();
  const fs::path repo = dseek::test::repo_dir();
  const std::string log = (fs::temp_directory_path() / ("dseek_webchat_" + std::to_string(getpid()))).string();
  const std::string cmd = "node '" + (repo / "tests" / "server" / "js" / "webchat_test.mjs").string() + "' " + url +
                          " --chromium '" + chromium + "' --tools '" + (repo / "models" / "nano-agent" / "tools.json").string() +
                          "' >'" + log + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string out = read_file(log);
  fs::remove(log);
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << out;
  EXPECT_NE(out.find("all 31 checks passed"), std::string::npos) << out;
  EXPECT_EQ(srv.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace dseek::server::test
