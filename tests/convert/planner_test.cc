// The planner against llama.cpp's own files: for the fixture model's config, the GGUF tensor
// list (names, shapes, order) and metadata equal gguf-v32-Q8_0.gguf's, and with the README's
// recipes (plain types and the two --tensor-type mixes) every tensor gets the type the
// fixture GGUF holds.
#include <gtest/gtest.h>

#include <map>

#include "convert/file_type.h"
#include "convert/gguf_layout.h"
#include "convert/gguf_metadata.h"
#include "convert/type_choice.h"
#include "runtime/error.h"
#include "test_paths.h"
#include "weights/gguf.h"

namespace dseek::test {
namespace {

std::string fixture_dir() { return data_path("fixtures/gguf/gguf-v32"); }

ModelConfig fixture_config() { return ModelConfig::from_file(fixture_dir() + "/config.json"); }

// GGUF name -> type over all parts of a fixture file set.
std::map<std::string, DType> fixture_types(const std::vector<std::string>& files) {
  std::map<std::string, DType> out;
  for (const auto& f : files) {
    auto g = GgufFile::open(fixture_dir() + "/" + f);
    for (const auto& [name, t] : g->tensors()) out[name] = t.dtype;
  }
  return out;
}

TEST(GgufLayout, NamesShapesAndOrderMatchLlamaCpp) {
  ASSERT_FALSE(fixture_dir().empty());
  const GgufLayout L = gguf_layout(fixture_config());
  auto g = GgufFile::open(fixture_dir() + "/gguf-v32-Q8_0.gguf");
  EXPECT_EQ(L.arch, "deepseek32");
  EXPECT_EQ(L.block_count, 3);
  ASSERT_EQ(L.tensors.size(), g->tensor_order().size());
  for (size_t i = 0; i < L.tensors.size(); ++i) {
    const auto& name = g->tensor_order()[i];
    EXPECT_EQ(L.tensors[i].name, name) << "tensor " << i;
    EXPECT_EQ(L.tensors[i].shape, g->tensors().at(name).shape) << name;
  }
}

TEST(GgufLayout, DeepseekV3DropsMtpAndIndexer) {
  ModelConfig c = fixture_config();
  c.model_type = "deepseek_v3";
  c.has_indexer = false;
  const GgufLayout L = gguf_layout(c);
  EXPECT_EQ(L.arch, "deepseek2");
  EXPECT_EQ(L.block_count, 2);
  for (const auto& t : L.tensors) {
    EXPECT_EQ(t.name.find("indexer"), std::string::npos) << t.name;
    EXPECT_EQ(t.name.find("blk.2."), std::string::npos) << t.name;
  }
}

struct Recipe {
  const char* label;
  std::vector<std::string> files;
  FileType type;
  std::vector<std::string> overrides;
  bool writable;  // false: a type that needs an imatrix remains
};

const std::vector<std::string> kIq2Mix = {R"(blk\.2\.(ffn_(gate|up|down)_exps|nextn\.eh_proj)=q2_K)", "attn_=q8_0",
                                          R"(indexer\.=q8_0)", "_shexp=q6_K", R"(ffn_(gate|up|down)\.=q4_K)"};
const std::vector<std::string> kIq1Mix = {R"(blk\.2\.(ffn_(gate|up|down)_exps|nextn\.eh_proj)=q3_K)", "ffn_down_exps=iq2_xxs",
                                          "attn_=q5_K", R"(indexer\.=iq4_nl)", "_shexp=q4_K", R"(ffn_(gate|up|down)\.=q5_K)"};

class RecipeTypes : public ::testing::TestWithParam<Recipe> {};

TEST_P(RecipeTypes, EveryTensorGetsTheFixtureType) {
  const Recipe& r = GetParam();
  GgufLayout L = gguf_layout(fixture_config());
  std::vector<TensorTypeOverride> ov;
  for (const auto& s : r.overrides) ov.push_back(parse_tensor_type_override(s));
  choose_tensor_types(L, r.type, 6, 4, ov);
  const auto want = fixture_types(r.files);
  ASSERT_EQ(want.size(), L.tensors.size());
  for (const auto& t : L.tensors) {
    ASSERT_TRUE(want.count(t.name)) << t.name;
    EXPECT_EQ(dtype_name(t.type), dtype_name(want.at(t.name))) << r.label << ": " << t.name;
  }
  if (r.writable) {
    EXPECT_NO_THROW(check_types_writable(L));
  } else {
    try {
      check_types_writable(L);
      ADD_FAILURE() << "expected an imatrix error";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("blk.1.ffn_"), std::string::npos) << m;
      EXPECT_NE(m.find("importance matrix"), std::string::npos) << m;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fixture, RecipeTypes,
    ::testing::Values(Recipe{"Q8_0", {"gguf-v32-Q8_0.gguf"}, FileType::Q8_0, {}, true},
                      Recipe{"Q6_K", {"gguf-v32-Q6_K.gguf"}, FileType::Q6_K, {}, true},
                      Recipe{"Q4_K_M", {"gguf-v32-Q4_K_M.gguf"}, FileType::Q4_K_M, {}, true},
                      Recipe{"IQ4_XS", {"gguf-v32-IQ4_XS.gguf"}, FileType::IQ4_XS, {}, true},
                      Recipe{"Q2_K", {"gguf-v32-Q2_K-00001-of-00002.gguf", "gguf-v32-Q2_K-00002-of-00002.gguf"},
                             FileType::Q2_K, {}, true},
                      Recipe{"IQ2_XXS-mix", {"gguf-v32-IQ2_XXS-mix.gguf"}, FileType::IQ2_XXS, kIq2Mix, false},
                      Recipe{"IQ1_S-mix", {"gguf-v32-IQ1_S-mix.gguf"}, FileType::IQ1_S, kIq1Mix, false}),
    [](const auto& info) {
      std::string s = info.param.label;
      for (auto& c : s)
        if (c == '-') c = '_';
      return s;
    });

TEST(TypeChoice, FallbacksForShortRows) {
  // attn_k_b rows are qk_nope long: 128 here, 64 in a smaller model.
  ModelConfig c = fixture_config();
  c.qk_nope_head_dim = 64;
  const std::pair<FileType, DType> cases[] = {{FileType::Q4_K_M, DType::Q5_0}, {FileType::Q5_K_M, DType::Q5_1},
                                              {FileType::Q6_K, DType::Q8_0},  {FileType::IQ4_XS, DType::IQ4_NL},
                                              {FileType::Q2_K, DType::Q4_0},  {FileType::Q3_K_M, DType::Q4_0}};
  for (auto [ft, want] : cases) {
    GgufLayout L = gguf_layout(c);
    choose_tensor_types(L, ft, 6, 4, {});
    for (const auto& t : L.tensors) {
      if (t.name == "blk.0.attn_k_b.weight") {
        EXPECT_EQ(dtype_name(t.type), dtype_name(want)) << file_type_name(ft);
      }
    }
  }
}

// Fallbacks are reported once per tensor name across blocks (block lists as ranges), apart
// for tensors whose type an override chose; overrides that set no type are reported too.
TEST(TypeChoice, WarningsForFallbacksAndUnusedOverrides) {
  GgufLayout L = gguf_layout(fixture_config());  // blocks 0, 1 and the MTP block 2; attn_k_b rows of 128
  std::vector<std::string> w;
  choose_tensor_types(L, FileType::Q4_K_M, 6, 4,
                      {parse_tensor_type_override(R"(blk\.(0|2)\.attn_k_b=q4_k)"), parse_tensor_type_override("attn_k_b=q8_0"),
                       parse_tensor_type_override("blk.0.attn_k_b=q6_k"), parse_tensor_type_override("exp_probs_b=q8_0")},
                      &w);
  EXPECT_EQ(w, (std::vector<std::string>{
                   R"(blk.{0,2}.attn_k_b.weight: rows of 128 elements are not a whole number of Q4_K blocks (256): written as Q5_0 instead (type from --tensor-type 'blk\.(0|2)\.attn_k_b=q4_k'))",
                   "--tensor-type 'blk.0.attn_k_b=q6_k' sets no tensor's type: every tensor it matches takes the type of "
                   "an earlier --tensor-type (the first match wins)",
                   "--tensor-type 'exp_probs_b=q8_0' sets no tensor's type: matches only tensors that stay F32 (1-D "
                   "tensors, norms, the router)"}));
  w.clear();
  L = gguf_layout(fixture_config());
  choose_tensor_types(L, FileType::Q4_K_M, 6, 4, {}, &w);
  EXPECT_EQ(w, (std::vector<std::string>{"blk.{0..2}.attn_k_b.weight: rows of 128 elements are not a whole number of "
                                         "Q4_K blocks (256): written as Q5_0 instead"}));
  w.clear();
  L = gguf_layout(fixture_config());
  choose_tensor_types(L, FileType::Q8_0, 6, 4, {}, &w);
  EXPECT_TRUE(w.empty()) << w.front();
}

TEST(TypeChoice, Q3KMMix) {
  // Q3_K_M: attn_output -> Q4_K; ffn_down -> Q5_K below n_layer/16, else Q4_K (not Falcon).
  GgufLayout L = gguf_layout(fixture_config());
  choose_tensor_types(L, FileType::Q3_K_M, 6, 4, {});
  std::map<std::string, DType> got;
  for (const auto& t : L.tensors) got[t.name] = t.type;
  EXPECT_EQ(got["blk.0.attn_output.weight"], DType::Q4_K);
  EXPECT_EQ(got["blk.1.ffn_down_exps.weight"], DType::Q4_K);
  EXPECT_EQ(got["blk.1.ffn_up_exps.weight"], DType::Q3_K);
  EXPECT_EQ(got["output.weight"], DType::Q6_K);
  EXPECT_EQ(got["token_embd.weight"], DType::Q3_K);
  EXPECT_EQ(got["blk.1.ffn_gate_inp.weight"], DType::F32);
}

TEST(TypeChoice, OverrideFirstMatchWinsAndBadSpecsAreRefused) {
  GgufLayout L = gguf_layout(fixture_config());
  choose_tensor_types(L, FileType::Q4_K_M, 6, 4,
                      {parse_tensor_type_override("ffn_down_exps=q8_0"), parse_tensor_type_override("ffn_=q2_k")});
  std::map<std::string, DType> got;
  for (const auto& t : L.tensors) got[t.name] = t.type;
  EXPECT_EQ(got["blk.1.ffn_down_exps.weight"], DType::Q8_0);
  EXPECT_EQ(got["blk.1.ffn_up_exps.weight"], DType::Q2_K);
  EXPECT_EQ(got["blk.1.ffn_gate_inp.weight"], DType::F32);  // the router is never quantised
  for (const char* bad : {"ffn_down", "=q4_k", "ffn_down=", "ffn_down=q9_k", "ffn_(down=q4_k", "x=f8_e4m3"})
    EXPECT_THROW(parse_tensor_type_override(bad), Error) << bad;
}

TEST(FileType, NamesAndNumbers) {
  FileType ft;
  ASSERT_TRUE(parse_file_type("q4_k_m", &ft));
  EXPECT_EQ(static_cast<int>(ft), 15);
  EXPECT_EQ(file_type_base(ft), DType::Q4_K);
  ASSERT_TRUE(parse_file_type("IQ4_XS", &ft));
  EXPECT_EQ(static_cast<int>(ft), 30);
  EXPECT_FALSE(parse_file_type("q4_k_x", &ft));
}

// Every key the converter and llama-quantize write, with its type and value, in order
// (the fixture has no tokenizer.json beside it: tokenizer keys are vocab_test.cc's).
TEST(GgufMetadata, MatchesLlamaCppKeysTypesAndValues) {
  const ModelConfig c = fixture_config();
  const GgufLayout L = gguf_layout(c);
  auto kv = gguf_model_metadata(c, L, "gguf-v32");
  for (auto& q : gguf_quantization_metadata(FileType::Q8_0)) kv.push_back(q);
  auto g = GgufFile::open(fixture_dir() + "/gguf-v32-Q8_0.gguf");
  size_t matched = 0;
  for (const auto& [key, v] : kv) {
    const GgufValue* want = g->find_kv(key);
    ASSERT_NE(want, nullptr) << key;
    EXPECT_EQ(v.type, want->type) << key;
    if (v.type == GgufType::STRING) {
      EXPECT_EQ(v.s, want->s) << key;
    } else if (v.type == GgufType::FLOAT32) {
      EXPECT_EQ(static_cast<float>(v.f), static_cast<float>(want->f)) << key;
    } else {
      EXPECT_EQ(v.i, want->i) << key;
    }
    ++matched;
  }
  size_t non_tokenizer = 0;
  for (const auto& [key, v] : g->metadata())
    if (key.rfind("tokenizer.", 0) != 0) ++non_tokenizer;
  EXPECT_EQ(matched, non_tokenizer);
}

TEST(GgufMetadata, SizeLabel) {
  EXPECT_EQ(gguf_size_label_count(4287244), "4.3M");
  EXPECT_EQ(gguf_size_label_count(671000000000ull), "671B");
  EXPECT_EQ(gguf_size_label_count(20900000000ull), "21B");
  EXPECT_EQ(gguf_size_label_count(1500), "1.5K");
}

}  // namespace
}  // namespace dseek::test
