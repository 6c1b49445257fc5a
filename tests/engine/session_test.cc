// Save/restore of a sequence's KV cache: a restored conversation continues identically.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/generate.h"
#include "model/kv_session.h"
#include "runtime/error.h"
#include "test_paths.h"
#include "weights/safetensors.h"

namespace dseek::test {
namespace {

std::string gguf(const std::string& name) { return data_path("fixtures/gguf/gguf-v32/" + name); }

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()) + ".safetensors")).string();
}

// The dseek::Error message of `f()`, or "" when it does not throw one.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string refused_message(const std::string& path, const std::string& saved, const std::string& loaded) {
  return path + ": saved with another model (" + saved + "), this model is " + loaded +
         "; start a new session or load the model it was saved with";
}

TEST(KvCache, SaveRestoreContinuesIdentically) {
  auto model = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  std::ifstream in(repo_dir() + "/models/nano-agent/samples.jsonl");
  std::string line;
  std::getline(in, line);
  std::vector<int32_t> prompt = nlohmann::json::parse(line)["prompt_ids"].get<std::vector<int32_t>>();
  GenerateOptions opt;
  opt.max_tokens = 30;
  opt.sampling.temperature = 0;
  SequenceCache full = model->new_cache();
  std::vector<int32_t> want = generate(*model, full, prompt, opt, [](int32_t) { return true; });

  opt.max_tokens = 10;
  SequenceCache first = model->new_cache();
  std::vector<int32_t> head = generate(*model, first, prompt, opt, [](int32_t) { return true; });
  // The cache holds the prompt and the first 9 generated tokens (the 10th was not fed back).
  const std::string path = temp_path("dseek_session_test");
  const std::string fp = model->checkpoint().fingerprint();
  save_sequence_cache(path, first, "hello", fp);
  EXPECT_EQ(SafetensorsFile::open(path)->metadata().at("model"), fp);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));  // written to PATH.tmp, then renamed
  std::string meta;
  SequenceCache restored = load_sequence_cache(path, model->new_pool(0), &meta, fp);
  EXPECT_EQ(meta, "hello");
  EXPECT_EQ(restored.length, first.length);
  EXPECT_EQ(restored.tokens, first.tokens);
  opt.max_tokens = 20;
  std::vector<int32_t> cont = generate(*model, restored, {head.back()}, opt, [](int32_t) { return true; });
  head.insert(head.end(), cont.begin(), cont.end());
  EXPECT_EQ(head, want);
  std::filesystem::remove(path);
}

TEST(KvCache, RestoreRejectsAnotherModelsSession) {
  // Another shape: refused by the model check, before the shape check is reached.
  auto nano = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  auto other = Model::load(data_path("fixtures/tiny-dense"), Numerics::Exact);
  SequenceCache c = nano->new_cache();
  nano->forward(Batch{{0, 5, 6}, {0, 0, 0}}, {&c}, false);
  const std::string path = temp_path("dseek_session_other");
  const std::string nano_fp = nano->checkpoint().fingerprint(), other_fp = other->checkpoint().fingerprint();
  ASSERT_NE(nano_fp, other_fp);
  save_sequence_cache(path, c, "", nano_fp);
  EXPECT_EQ(error_of([&] { load_sequence_cache(path, other->new_pool(0), nullptr, other_fp); }),
            refused_message(path, nano_fp, other_fp));
  std::filesystem::remove(path);
}

TEST(KvCache, RestoreRejectsSameShapeOtherQuantisation) {
  // Q8_0 and Q4_K_M of one model: same config and cache shape (the shape check alone would
  // accept the file), different weights, so a different fingerprint.
  auto q8 = Model::load(gguf("gguf-v32-Q8_0.gguf"), Numerics::Exact);
  auto q4 = Model::load(gguf("gguf-v32-Q4_K_M.gguf"), Numerics::Exact);
  const std::string q8_fp = q8->checkpoint().fingerprint(), q4_fp = q4->checkpoint().fingerprint();
  ASSERT_NE(q8_fp, q4_fp);
  SequenceCache c = q8->new_cache();
  q8->forward(Batch{{1, 5, 6, 7}, {0, 0, 0, 0}}, {&c}, false);
  const std::string path = temp_path("dseek_session_quant");
  save_sequence_cache(path, c, "conv", q8_fp);
  EXPECT_EQ(error_of([&] { load_sequence_cache(path, q4->new_pool(0), nullptr, q4_fp); }),
            refused_message(path, q8_fp, q4_fp));

  // The same model opened again: same fingerprint, and the cache restores exactly (the next
  // token's logits from the restored cache equal those from the original).
  auto q8_again = Model::load(gguf("gguf-v32-Q8_0.gguf"), Numerics::Exact);
  ASSERT_EQ(q8_again->checkpoint().fingerprint(), q8_fp);
  std::string meta;
  SequenceCache restored = load_sequence_cache(path, q8_again->new_pool(0), &meta, q8_fp);
  EXPECT_EQ(meta, "conv");
  EXPECT_EQ(restored.length, c.length);
  EXPECT_EQ(restored.tokens, c.tokens);
  const ForwardResult want = q8->forward(Batch{{9}, {0}}, {&c}, false);
  const ForwardResult got = q8_again->forward(Batch{{9}, {0}}, {&restored}, false);
  EXPECT_EQ(got.logits, want.logits);
  std::filesystem::remove(path);
}

TEST(KvCache, RestoreRejectsSessionWithoutModelFingerprint) {
  // A session file from a dseek that did not record the model: the same file with the
  // `model` metadata entry dropped.
  auto nano = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  const std::string fp = nano->checkpoint().fingerprint();
  SequenceCache c = nano->new_cache();
  nano->forward(Batch{{0, 5, 6}, {0, 0, 0}}, {&c}, false);
  const std::string saved = temp_path("dseek_session_new"), old = temp_path("dseek_session_old");
  save_sequence_cache(saved, c, "", fp);
  {
    auto f = SafetensorsFile::open(saved);
    std::vector<TensorData> tensors;
    for (const auto& [name, t] : f->tensors())
      tensors.push_back({name, t.dtype, t.shape, std::vector<uint8_t>(t.data, t.data + t.nbytes)});
    std::map<std::string, std::string> meta = f->metadata();
    ASSERT_EQ(meta.erase("model"), 1u);
    write_safetensors(old, tensors, meta);
  }
  EXPECT_EQ(error_of([&] { load_sequence_cache(old, nano->new_pool(0), nullptr, fp); }),
            old + ": records no model fingerprint (saved by an older dseek), this model is " + fp +
                "; start a new session");
  // An empty entry is no better than a missing one.
  save_sequence_cache(saved, c, "", "");
  EXPECT_EQ(error_of([&] { load_sequence_cache(saved, nano->new_pool(0), nullptr, fp); }),
            saved + ": records no model fingerprint (saved by an older dseek), this model is " + fp +
                "; start a new session");
  std::filesystem::remove(saved);
  std::filesystem::remove(old);
}

}  // namespace
}  // namespace dseek::test
