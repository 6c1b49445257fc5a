// DeepSeek-V4 through the engine's front-end paths on tiny-v4 (with the test tokenizer of
// fixtures-v4/tiny-v4-tokenizer): the tokenizer itself, session files (CausalLm::save_session /
// load_session over model_v4/state_io_v4) that continue exactly like a cold run, their errors,
// and LocalEngine's multi-turn cache reuse with the V4 chat format.
#include <gtest/gtest.h>

#include <filesystem>

#include "chat/literals.h"
#include "chat/v4/v4.h"
#include "engine/causal_lm.h"
#include "engine/generate.h"
#include "engine/local_engine.h"
#include "engine/model_tokenizer.h"
#include "model_v4/config_v4.h"
#include "model_v4/state_io_v4.h"
#include "tiny_v4.h"
#include "weights/safetensors.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

#define TINY_V4_OR_SKIP(var)                                                         \
  TinyV4Dir var;                                                                     \
  if (var.path().empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 or its tokenizer not found"

GenerateOptions greedy(int n) {
  GenerateOptions o;
  o.max_tokens = n;
  o.sampling.temperature = 0;
  o.stop_ids = {-1};  // never stop early: compare whole runs
  return o;
}

std::vector<int32_t> run(const CausalLm& lm, LmSequence& seq, const std::vector<int32_t>& feed, int n) {
  return generate(lm, seq, feed, greedy(n), [](int32_t) { return true; });
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TinyV4Tokenizer, EveryIdHasATokenAndTheChatTokensAreSingleTokens) {
  TINY_V4_OR_SKIP(d);
  const Tokenizer tok = load_model_tokenizer(d.path());
  EXPECT_EQ(tok.vocab_size(), 512u);
  for (int32_t id = 0; id < 512; ++id) EXPECT_FALSE(tok.id_to_token(id).empty()) << id;
  EXPECT_EQ(tok.token_to_id(chat::lit::kBos), 0);
  EXPECT_EQ(tok.token_to_id(chat::lit::kEos), 1);
  EXPECT_TRUE(tok.is_special(0) && tok.is_special(1));
  for (std::string_view t : {chat::lit::kUser, chat::lit::kAssistant, chat::lit::kThinkOpen, chat::lit::kThinkClose,
                             chat::v4::lit::kLatestReminder}) {
    const int32_t id = tok.token_to_id(t);
    EXPECT_GT(id, 1) << t;
    EXPECT_FALSE(tok.is_special(id)) << t;  // as the real tokenizers: kept by skip_special_tokens
    EXPECT_EQ(tok.encode(t), std::vector<int32_t>{id}) << t;
  }
  for (const auto& task : chat::v4::lit::kTasks) EXPECT_EQ(tok.encode(task.token).size(), 1u) << task.token;
  // A whole V4 prompt (tools block, DSML, unicode) encodes and decodes back byte for byte.
  chat::Json req = {{"messages", {{{"role", "user"}, {"content", "第一行 — émoji 🚀 What is 12 * 34?"}}}},
                    {"tools", {{{"type", "function"},
                                {"function", {{"name", "calculator"}, {"parameters", {{"type", "object"}}}}}}}}};
  const std::string prompt = chat::v4::render_request(req, true);
  const std::vector<int32_t> ids = tok.encode(prompt);
  EXPECT_EQ(tok.decode(ids), prompt);
  EXPECT_EQ(ids.front(), 0);
  EXPECT_LT(ids.size(), prompt.size() / 2) << "the merges should compress the V4 tools block";
}

TEST(V4Session, RestoredSessionContinuesExactlyLikeAColdRun) {
  TINY_V4_OR_SKIP(d);
  auto lm = CausalLm::load(d.path(), Numerics::Exact);
  const Tokenizer tok = load_model_tokenizer(d.path());
  chat::Json req = {{"messages", {{{"role", "user"}, {"content", "hello there, tiny model"}}}}};
  std::vector<int32_t> prompt = tok.encode(chat::v4::render_request(req, false));
  // Long enough that the CSA and HCA compressors made entries and hold partial blocks.
  while (prompt.size() < 300) prompt.push_back(static_cast<int32_t>(2 + prompt.size() % 200));
  const int n = 12, k = 5;
  auto cold = lm->new_sequence();
  const std::vector<int32_t> want = run(*lm, *cold, prompt, n);

  auto first = lm->new_sequence();
  const std::vector<int32_t> head = run(*lm, *first, prompt, k);  // the k-th token is sampled, not fed
  ASSERT_EQ(head, std::vector<int32_t>(want.begin(), want.begin() + k));
  const std::string file = d.scratch("s.safetensors");
  const std::string id = lm->fingerprint() + " numerics=exact";
  lm->save_session(file, *first, "{\"messages\": []}", id);
  EXPECT_FALSE(fs::exists(file + ".tmp"));
  std::string meta;
  auto restored = lm->load_session(file, &meta, id);
  EXPECT_EQ(meta, "{\"messages\": []}");
  EXPECT_EQ(restored->length(), first->length());
  EXPECT_EQ(restored->tokens(), first->tokens());
  EXPECT_EQ(restored->bytes(), first->bytes());
  // The next step's logits are bit-identical to those of the sequence that was saved.
  const std::vector<float> a = lm->forward(*first, {head.back()}, false);
  const std::vector<float> b = lm->forward(*restored, {head.back()}, false);
  EXPECT_EQ(a, b);
  // And greedy continuation from a second restore equals the cold run.
  auto again = lm->load_session(file, nullptr, id);
  std::vector<int32_t> tail = run(*lm, *again, {head.back()}, n - k);
  std::vector<int32_t> got = head;
  got.insert(got.end(), tail.begin(), tail.end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(again->tokens(), cold->tokens());
}

TEST(V4Session, EmptySequenceRoundTrips) {
  TINY_V4_OR_SKIP(d);
  auto lm = CausalLm::load(d.path(), Numerics::Exact);
  auto seq = lm->new_sequence();
  const std::string file = d.scratch("empty.safetensors");
  lm->save_session(file, *seq, "", "id");
  auto back = lm->load_session(file, nullptr, "id");
  EXPECT_EQ(back->length(), 0);
  EXPECT_EQ(run(*lm, *back, {0, 5, 7}, 3), run(*lm, *seq, {0, 5, 7}, 3));
}

TEST(V4Session, BadFilesAreRefusedNamingFileAndTensor) {
  TINY_V4_OR_SKIP(d);
  auto lm = CausalLm::load(d.path(), Numerics::Exact);
  auto seq = lm->new_sequence();
  run(*lm, *seq, {0, 10, 20, 30, 40, 50, 60, 70, 80, 90}, 3);  // 12 tokens: partial CSA block
  const std::string file = d.scratch("s.safetensors");
  lm->save_session(file, *seq, "m", "model-A numerics=exact");

  std::string e = error_of([&] { lm->load_session(file, nullptr, "model-B numerics=exact"); });
  EXPECT_NE(e.find(file), std::string::npos) << e;
  EXPECT_NE(e.find("another model"), std::string::npos) << e;
  e = error_of([&] { lm->load_session(d.scratch("absent.safetensors"), nullptr, "x"); });
  EXPECT_NE(e.find("absent.safetensors"), std::string::npos) << e;

  // Rewrites the file's tensors / metadata through `edit` and returns the load error.
  auto tamper = [&](const std::function<void(std::vector<TensorData>&, std::map<std::string, std::string>&)>& edit) {
    auto f = SafetensorsFile::open(file);
    std::vector<TensorData> ts;
    for (const auto& [name, v] : f->tensors())
      ts.push_back({name, v.dtype, v.shape, std::vector<uint8_t>(v.data, v.data + v.nbytes)});
    std::map<std::string, std::string> meta = f->metadata();
    edit(ts, meta);
    const std::string bad = d.scratch("bad.safetensors");
    write_safetensors(bad, ts, meta);
    return error_of([&] { lm->load_session(bad, nullptr, "model-A numerics=exact"); });
  };
  e = tamper([](auto& ts, auto&) {
    std::erase_if(ts, [](const TensorData& t) { return t.name == "layers.1.comp.a_cur"; });
  });
  EXPECT_NE(e.find("bad.safetensors"), std::string::npos) << e;
  EXPECT_NE(e.find("'layers.1.comp.a_cur' is missing"), std::string::npos) << e;
  e = tamper([](auto& ts, auto&) {
    for (auto& t : ts)
      if (t.name == "layers.2.comp.a_cur") {  // HCA (ratio 128): 12 rows; claim 11
        t.shape[0] -= 1;
        t.bytes.resize(t.bytes.size() - t.shape[1] * 4);
      }
  });
  EXPECT_NE(e.find("'layers.2.comp.a_cur'"), std::string::npos) << e;
  EXPECT_NE(e.find("expected F32 [12,"), std::string::npos) << e;
  e = tamper([](auto&, auto& meta) { meta["shape"] = "deepseek_v4 layers=61+1"; });
  EXPECT_NE(e.find("saved for a state of shape"), std::string::npos) << e;
  e = tamper([](auto&, auto& meta) { meta["format"] = "dseek-kv-session-1"; });
  EXPECT_NE(e.find("DeepSeek-V3.x session"), std::string::npos) << e;
  e = tamper([](auto&, auto& meta) { meta.erase("model"); });
  EXPECT_NE(e.find("records no model identity"), std::string::npos) << e;
  e = tamper([](auto& ts, auto&) {
    for (auto& t : ts)
      if (t.name == "tokens") reinterpret_cast<int32_t*>(t.bytes.data())[3] = 512;
  });
  EXPECT_NE(e.find("holds id 512 at 3"), std::string::npos) << e;
  e = tamper([](auto& ts, auto&) {
    for (auto& t : ts)
      if (t.name == "positions") reinterpret_cast<int64_t*>(t.bytes.data())[0] = 13;
  });
  EXPECT_NE(e.find("'tokens'"), std::string::npos) << e;

  // A save that cannot be written names the file and leaves nothing behind.
  const std::string nowhere = d.scratch("no/such/dir/s.safetensors");
  e = error_of([&] { lm->save_session(nowhere, *seq, "", "x"); });
  EXPECT_NE(e.find(nowhere), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(nowhere));
  // The original file is still good.
  EXPECT_EQ(lm->load_session(file, nullptr, "model-A numerics=exact")->tokens(), seq->tokens());
}

// LocalEngine's multi-turn reuse: the V4 state is kept when the second prompt extends every token
// the sequence holds (chat mode: the V4 encoder renders the earlier assistant turn as
// "</think>" + content + EOS, i.e. exactly the first prompt + completion when the completion's
// text re-encodes to the same tokens); in thinking mode the encoder drops the earlier turn's
// reasoning (drop_thinking), so the second prompt does not extend the first and nothing is reused.
TEST(V4LocalEngine, SecondTurnReusesTheStateWhenThePromptExtendsIt) {
  TINY_V4_OR_SKIP(d);
  LocalEngine engine(d.path(), Numerics::Exact);
  const Tokenizer& tok = engine.tokenizer();
  GenerateOptions opt;
  opt.max_tokens = 6;
  opt.sampling.temperature = 0;
  for (const bool thinking : {false, true}) {
    chat::Json body = {{"messages", {{{"role", "user"}, {"content", "hi"}}}}};
    auto seq = engine.lm().new_sequence();
    Completion c1 = engine.complete(body, thinking, opt, {}, seq.get());
    EXPECT_EQ(c1.cached_tokens, 0);
    const bool round_trips = tok.encode(c1.text) == c1.ids;
    chat::Json m = c1.message.to_openai();
    body["messages"].push_back(m);
    body["messages"].push_back({{"role", "user"}, {"content", "and then?"}});
    Completion c2 = engine.complete(body, thinking, opt, {}, seq.get());
    // What the second prompt holds of the first prompt + completion (the tokens the sequence saw).
    std::vector<int32_t> held = c1.prompt_ids;
    held.insert(held.end(), c1.ids.begin(), c1.ids.end() - 1);
    const bool extends = c2.prompt_ids.size() > held.size() &&
                         std::equal(held.begin(), held.end(), c2.prompt_ids.begin());
    std::printf("[thinking=%d] completion %s | parsed %d | re-encodes %d | second prompt extends %d | cached %lld of %zu\n",
                thinking, chat::Json(c1.text).dump().c_str(), c1.parsed, round_trips, extends,
                static_cast<long long>(c2.cached_tokens), c2.prompt_ids.size());
    EXPECT_EQ(c2.cached_tokens, extends ? static_cast<int64_t>(held.size()) : 0);
    // Reused or not, the second turn's completion is the one a fresh sequence gives.
    auto fresh = engine.lm().new_sequence();
    Completion cold = engine.complete(body, thinking, opt, {}, fresh.get());
    EXPECT_EQ(c2.ids, cold.ids);
  }
}

// When the earlier turn is given back as the tokens the model produced (an assistant message
// whose content re-encodes to them), chat mode reuses every held token.
TEST(V4LocalEngine, ChatModeReusesAWholeExtendedPrompt) {
  TINY_V4_OR_SKIP(d);
  LocalEngine engine(d.path(), Numerics::Exact);
  const Tokenizer& tok = engine.tokenizer();
  GenerateOptions opt;
  opt.max_tokens = 4;
  opt.sampling.temperature = 0;
  chat::Json body = {{"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  auto seq = engine.lm().new_sequence();
  // Feed the first prompt and a canonical "answer" + EOS by hand, as if the model had said it.
  const std::vector<int32_t> p1 = tok.encode(chat::v4::render_request(body, false));
  const std::vector<int32_t> answer = tok.encode("Hello!");
  std::vector<int32_t> feed = p1;
  feed.insert(feed.end(), answer.begin(), answer.end());
  engine.lm().forward(*seq, feed, false);  // EOS not fed: generation stops on it
  body["messages"].push_back({{"role", "assistant"}, {"content", "Hello!"}});
  body["messages"].push_back({{"role", "user"}, {"content", "and then?"}});
  Completion c2 = engine.complete(body, false, opt, {}, seq.get());
  EXPECT_EQ(c2.cached_tokens, static_cast<int64_t>(feed.size()));
  auto fresh = engine.lm().new_sequence();
  EXPECT_EQ(engine.complete(body, false, opt, {}, fresh.get()).ids, c2.ids);
}

}  // namespace
}  // namespace dseek::test
