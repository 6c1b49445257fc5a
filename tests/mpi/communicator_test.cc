// mpi::split_range (the experts each rank holds) and the single-process communicator.
#include <gtest/gtest.h>

#include "mpi/communicator.h"
#include "runtime/error.h"

namespace dseek::mpi {
namespace {

TEST(SplitRange, ContiguousCoversEveryExpertOnceUnevenFirst) {
  // 16 experts on 3 ranks: 6, 5, 5.
  EXPECT_EQ(split_range(16, 0, 3).begin, 0);
  EXPECT_EQ(split_range(16, 0, 3).end, 6);
  EXPECT_EQ(split_range(16, 1, 3).begin, 6);
  EXPECT_EQ(split_range(16, 1, 3).end, 11);
  EXPECT_EQ(split_range(16, 2, 3).begin, 11);
  EXPECT_EQ(split_range(16, 2, 3).end, 16);
  for (int size : {1, 2, 4, 7, 8, 256}) {
    int64_t next = 0;
    for (int r = 0; r < size; ++r) {
      const Range g = split_range(256, r, size);
      EXPECT_EQ(g.begin, next) << size;
      EXPECT_GE(g.end - g.begin, 256 / size);
      EXPECT_LE(g.end - g.begin, 256 / size + 1);
      next = g.end;
    }
    EXPECT_EQ(next, 256) << size;
  }
}

TEST(SplitRange, MoreRanksThanExpertsIsAClearError) {
  try {
    split_range(8, 0, 9);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at most 8 ranks"), std::string::npos) << e.what();
  }
  EXPECT_THROW(split_range(8, 3, 2), Error);
}

TEST(SingleProcess, CollectivesLeaveDataAlone) {
  SingleProcess c;
  EXPECT_EQ(c.rank(), 0);
  EXPECT_EQ(c.size(), 1);
  std::vector<int32_t> v{3, 1, 4};
  c.broadcast(v, 0);
  EXPECT_EQ(v, (std::vector<int32_t>{3, 1, 4}));
  float x[3] = {1.5f, -2.0f, 0.25f};
  c.allreduce_sum(x, 3);
  EXPECT_EQ(x[0], 1.5f);
  EXPECT_EQ(x[2], 0.25f);
  EXPECT_EQ(c.allgather(42), (std::vector<uint64_t>{42}));
  EXPECT_FALSE(c.host().empty());
}

}  // namespace
}  // namespace dseek::mpi
