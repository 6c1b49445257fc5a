// The int8 numerics mode on llama.cpp's GGUF files (tests/data/fixtures/gguf): its logits are
// not held to the fp32 goldens (the README's 1e-3 is for fp32 activations), so they are held
// to what llama.cpp itself reaches against the same goldens with its quantised activations
// ("as shipped" columns of the README's Tolerances table): the median over rows of the
// per-row max |delta| no larger, the argmax agreement no lower. The mode must also be active:
// some row differs from the golden by more than the exact path's 1e-3.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "golden.h"
#include "model/model.h"

namespace dseek::test {
namespace {

struct Int8Case {
  const char* stem;
  const char* file;
  double llama_median;    // as shipped: median of per-row max |delta|
  double llama_agreement;  // as shipped: lowest argmax agreement
};

class GgufInt8 : public ::testing::TestWithParam<Int8Case> {};

TEST_P(GgufInt8, NoFurtherFromTheGoldensThanLlamaCpp) {
  const std::string dir = data_path("fixtures/gguf/gguf-v32");
  ASSERT_FALSE(dir.empty()) << "GGUF fixtures missing";
  auto model = Model::from_checkpoint(Checkpoint::open(dir + "/" + GetParam().file), Numerics::Int8);
  auto golden = SafetensorsFile::open(dir + "/" + GetParam().stem + ".golden.safetensors");
  const int64_t V = model->config().vocab_size;
  std::vector<float> row_max;
  int64_t agree = 0;
  for (const char* prompt : {"prompt0", "prompt1"}) {
    const std::string p = std::string(prompt) + ".";
    std::vector<int32_t> tokens;
    for (int64_t t : as_i64(golden->get(p + "tokens"))) tokens.push_back(static_cast<int32_t>(t));
    SequenceCache cache = model->new_cache();
    ForwardResult r = model->forward(Batch{tokens, std::vector<int32_t>(tokens.size(), 0)}, {&cache}, true);
    const std::vector<float> want = as_f32(golden->get(p + "prefill.logits"));
    ASSERT_EQ(r.logits.size(), want.size());
    for (size_t i = 0; i < want.size() / V; ++i) {
      row_max.push_back(max_abs_diff(r.logits.data() + i * V, want.data() + i * V, V));
      agree += argmax_row(r.logits.data() + i * V, V) == argmax_row(want.data() + i * V, V);
    }
  }
  std::vector<float> sorted = row_max;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2], agreement = double(agree) / double(row_max.size());
  std::cout << GetParam().stem << ": median of per-row max |delta| " << median << " (llama.cpp "
            << GetParam().llama_median << "), max " << sorted.back() << ", argmax agreement " << agreement
            << " (llama.cpp " << GetParam().llama_agreement << ")\n";
  EXPECT_LE(median, GetParam().llama_median);
  EXPECT_GE(agreement, GetParam().llama_agreement);
  EXPECT_GT(sorted.back(), 1e-3f) << "the int8 kernels did not run";
}

INSTANTIATE_TEST_SUITE_P(
    Files, GgufInt8,
    ::testing::Values(Int8Case{"gguf-v32-Q4_K_M", "gguf-v32-Q4_K_M.gguf", 0.084, 0.85},
                      Int8Case{"gguf-v32-Q6_K", "gguf-v32-Q6_K.gguf", 0.093, 0.73},
                      Int8Case{"gguf-v32-Q2_K", "gguf-v32-Q2_K-00001-of-00002.gguf", 0.090, 0.79},
                      Int8Case{"gguf-v32-IQ2_XXS-mix", "gguf-v32-IQ2_XXS-mix.gguf", 0.078, 0.88}),
    [](const auto& info) {
      std::string s = info.param.stem + 9;  // past "gguf-v32-"
      for (char& c : s)
        if (c == '-') c = '_';
      return s;
    });

}  // namespace
}  // namespace dseek::test
