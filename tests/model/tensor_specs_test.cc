// checkpoint_tensors(config) names exactly the tensors of the real-layout fixtures.
#include <gtest/gtest.h>

#include <set>

#include "model/tensor_specs.h"
#include "test_paths.h"
#include "weights/checkpoint.h"

namespace dseek::test {
namespace {

TEST(TensorSpecs, MatchTheFixtureCheckpoints) {
  for (const char* m : {"fixtures/tiny-dense", "fixtures/tiny-moe-dsa"}) {
    auto ck = Checkpoint::open(data_path(m));
    std::vector<TensorSpec> specs = checkpoint_tensors(ck->config());
    std::set<std::string> names;
    for (const auto& s : specs) {
      names.insert(s.name);
      const TensorView* t = ck->find(s.name);
      ASSERT_NE(t, nullptr) << m << ": " << s.name;
      EXPECT_EQ(t->dtype, s.dtype) << s.name;
      EXPECT_EQ(t->shape, s.shape) << s.name;
    }
    EXPECT_EQ(names.size(), ck->tensors().size()) << m;
  }
}

}  // namespace
}  // namespace dseek::test
