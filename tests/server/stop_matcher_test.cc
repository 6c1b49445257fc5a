#include "server/stop_matcher.h"

#include <gtest/gtest.h>

namespace dseek::server {
namespace {

TEST(StopMatcher, HoldsBackAPossibleStartAndCutsAtTheStop) {
  StopMatcher m({"###", "\nUser:"});
  EXPECT_EQ(m.push("Hello #"), "Hello ");
  EXPECT_EQ(m.push("# world"), "## world");  // "## " is not "###"
  EXPECT_EQ(m.push("\nUs"), "");
  EXPECT_EQ(m.push("er: next"), "");
  EXPECT_TRUE(m.stopped());
  EXPECT_EQ(m.push("more"), "");
  EXPECT_EQ(m.flush(), "");
}

TEST(StopMatcher, EarliestStopWinsAndFlushReleasesTheTail) {
  StopMatcher a({"b", "abc"});
  EXPECT_EQ(a.push("xxabc"), "xx");  // "abc" starts before "b"
  StopMatcher b({"STOP"});
  EXPECT_EQ(b.push("text ST"), "text ");
  EXPECT_EQ(b.flush(), "ST");
  EXPECT_FALSE(b.stopped());
  StopMatcher none({});
  EXPECT_EQ(none.push("anything"), "anything");
  StopMatcher utf({"終"});
  EXPECT_EQ(utf.push("始まり終わり"), "始まり");
}

}  // namespace
}  // namespace dseek::server
