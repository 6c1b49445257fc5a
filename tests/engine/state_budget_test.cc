// StateBudget (engine/state_budget.h) with PrefixSnapshots counted in it: live reservations,
// cached bytes beside them, LRU eviction for a live sequence, refusal naming the bytes.
#include <gtest/gtest.h>

#include <limits>

#include "engine/prefix_snapshots.h"
#include "engine/state_budget.h"

namespace dseek::test {
namespace {

TEST(StateBudget, LiveSequencesEvictSnapshotsLeastRecentlyUsedFirstThenAreRefused) {
  StateBudget b(1000, [](int64_t n) { return 100 + 10 * n; });
  EXPECT_EQ(b.capacity(), 1000);
  EXPECT_EQ(b.max_tokens(4096), 90);  // 100 + 10 * 90 == 1000
  EXPECT_EQ(b.max_tokens(50), 50);
  PrefixSnapshots<int> snaps(1 << 20, &b);
  b.set_evictor([&](int64_t need) { return snaps.evict(need); });

  b.reserve(300, "for 20 tokens");
  snaps.put({1, 2}, 12, 400);
  snaps.put({1, 2, 3}, 123, 250);
  EXPECT_EQ(b.stats().cached_bytes, 650);  // 300 live + 650 cached <= 1000
  snaps.put({9}, 9, 400);                  // no room beside: the oldest ({1, 2}) goes
  EXPECT_EQ(snaps.size(), 2u);
  EXPECT_EQ(b.stats().cached_bytes, 650);
  EXPECT_EQ(b.stats().evictions, 1);
  EXPECT_EQ(b.available(), 700);  // cached bytes are evictable

  std::vector<int32_t> toks;
  int state = 0;
  EXPECT_EQ(snaps.longest({1, 2, 3, 4}), 3);
  EXPECT_EQ(snaps.take({1, 2, 3, 4}, &toks, &state), 3);  // now the most recently used
  EXPECT_EQ(state, 123);
  EXPECT_EQ(snaps.longest({1, 2, 3}), 0);  // a proper prefix only

  b.reserve(450, "for 60 tokens");  // 750 live: 400 cached bytes must go, {9} (the oldest) first
  StateBudgetStats s = b.stats();
  EXPECT_EQ(s.live_bytes, 750);
  EXPECT_EQ(s.cached_bytes, 250);
  EXPECT_EQ(s.evictions, 2);
  EXPECT_EQ(snaps.longest({1, 2, 3, 4}), 3);

  b.reserve(250, "for 85 tokens");  // exactly full: the last snapshot goes
  EXPECT_EQ(b.stats().cached_bytes, 0);
  EXPECT_EQ(snaps.size(), 0u);
  b.release(200);
  try {
    b.reserve(201, "for 91 tokens");
    FAIL() << "reserved past the capacity";
  } catch (const KvCacheFull& e) {
    EXPECT_STREQ(e.what(),
                 "KV cache full: 201 more bytes of sequence state needed for 91 tokens, 200 available of 1000 (raise --kv-budget)");
  }
  EXPECT_EQ(b.stats().live_bytes, 800);  // unchanged
  EXPECT_FALSE(b.try_reserve(201));
  snaps.put({5}, 5, 201);  // does not fit beside the live bytes: dropped
  EXPECT_EQ(snaps.size(), 0u);
  snaps.put({5}, 5, 200);
  EXPECT_EQ(b.stats().cached_bytes, 200);
  b.release(800);
  EXPECT_EQ(b.stats().live_bytes, 0);
}

TEST(StateBudget, UnboundedTakesEverythingAndSnapshotsKeepTheirOwnCap) {
  StateBudget b(0, [](int64_t n) { return 7 * n; });
  EXPECT_FALSE(b.bounded());
  EXPECT_EQ(b.capacity(), -1);
  EXPECT_EQ(b.max_tokens(4096), 4096);
  EXPECT_EQ(b.available(), std::numeric_limits<int64_t>::max());
  b.reserve(int64_t(1) << 40, "for many tokens");
  {
    PrefixSnapshots<int> snaps(1000, &b);
    snaps.put({1}, 1, 600);
    snaps.put({2}, 2, 600);  // over the snapshots' own cap: {1} goes
    EXPECT_EQ(snaps.size(), 1u);
    EXPECT_EQ(snaps.longest({2, 3}), 1);
    EXPECT_EQ(b.stats().cached_bytes, 600);
    EXPECT_EQ(b.stats().evictions, 1);
  }
  EXPECT_EQ(b.stats().cached_bytes, 0);  // the snapshots gave their bytes back
  b.release(int64_t(1) << 40);
  EXPECT_EQ(b.stats().live_bytes, 0);
}

}  // namespace
}  // namespace dseek::test
