// CausalLm: what the engine and the front ends (run, chat, score, perplexity, agent) need of a
// model, whatever its generation — DeepSeek-V3 / V3.1 / V3.2 (model/Model, safetensors or GGUF)
// or DeepSeek-V4 (model_v4/ModelV4). load() picks the module by the checkpoint's config.json
// `model_type`. A model's per-sequence state (V3: paged KV cache; V4: window rings, compressed
// entries, compressor state) stays behind LmSequence.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/model.h"

namespace dseek {

class StateBudget;  // engine/state_budget.h

struct LmInfo {
  std::string model_type;        // "deepseek_v32", "deepseek_v3" or "deepseek_v4"
  // The chat format that speaks to it (engine/chat_format.h, chat::detect_format): "v3",
  // "v3.1", "v3.2" or "v4"; what decided it; whether the model calls tools (not
  // V3.2-Speciale).
  std::string chat_format;
  std::string chat_format_reason;
  bool tool_calls = true;
  int vocab_size = 0;
  int64_t max_positions = 0;     // max_position_embeddings
  int32_t bos_token_id = 0, eos_token_id = 1;
};

// One sequence's cache: the tokens it has seen and what the model keeps of them.
class LmSequence {
 public:
  virtual ~LmSequence() = default;
  virtual int64_t length() const = 0;
  virtual const std::vector<int32_t>& tokens() const = 0;
  // Keeps the first n <= length() tokens; returns how many it kept. V3 keeps n; V4 cannot roll
  // its compressors back and keeps n only when n == length(), else starts over (returns 0).
  virtual int64_t truncate(int64_t n) = 0;
  // Frees what the sequence holds (back to length 0).
  virtual void clear() = 0;
  virtual size_t bytes() const = 0;
  // Shared caches: takes the longest cached prefix of `prompt` (V3: from the paged KvPool; V4:
  // a whole-state snapshot; returns its token count, 0 when none), makes room for n more tokens
  // (throws KvCacheFull), the pool blocks held. Defaults: nothing shared.
  virtual int64_t adopt_prefix(const std::vector<int32_t>& prompt) {
    (void)prompt;
    return 0;
  }
  virtual void reserve(int64_t n) { (void)n; }
  virtual int64_t blocks() const { return 0; }
  // Offers the current state for reuse by later sequences whose prompt extends its tokens
  // (V4: a snapshot; V3's pool publishes full blocks by itself). The scheduler calls it when a
  // prompt has been fed.
  virtual void publish() {}
  // The V3 paged KV cache behind it, or null for V4.
  virtual SequenceCache* v3_cache() { return nullptr; }
};

// One sequence's tokens in a batched call.
struct LmRun {
  LmSequence* seq = nullptr;
  std::vector<int32_t> tokens;
};

class CausalLm {
 public:
  virtual ~CausalLm() = default;

  // Opens `path` (a checkpoint directory or a GGUF file): config.json model_type deepseek_v4
  // loads ModelV4 (exact or official numerics; int8 throws dseek::Error), anything else Model. Throws dseek::Error naming the file on any defect.
  static std::unique_ptr<CausalLm> load(const std::string& path, Numerics numerics);
  // A V3 model owned elsewhere (tests, the scheduler's callers).
  static std::unique_ptr<CausalLm> borrow(const Model& model);

  virtual const LmInfo& info() const = 0;
  // Replaces the chat format found in the checkpoint (`--chat-format` of run, chat, serve): a
  // chat::format_name; tool_calls stays as found.
  virtual void set_chat_format(const std::string& format) = 0;
  // Checkpoint::fingerprint(): what a saved session records.
  virtual std::string fingerprint() const = 0;
  virtual std::unique_ptr<LmSequence> new_sequence() const = 0;
  // A shared cache pool for many sequences (the server; budget_bytes <= 0: unbounded): V3's
  // paged KvPool; null for a model whose sequences keep their own state (V4).
  virtual std::shared_ptr<KvPool> new_pool(int64_t budget_bytes) const {
    (void)budget_bytes;
    return nullptr;
  }
  // A sequence on `pool` (from new_pool; null: as new_sequence()).
  virtual std::unique_ptr<LmSequence> new_sequence(std::shared_ptr<KvPool> pool) const {
    (void)pool;
    return new_sequence();
  }
  // For a model without a KvPool (new_pool null) whose sequences keep a whole state each (V4):
  // the byte budget its server's sequences and prefix snapshots share (budget_bytes <= 0:
  // unbounded, the snapshots still shared), engine/state_budget.h; null for V3.
  virtual std::shared_ptr<StateBudget> new_budget(int64_t budget_bytes) const {
    (void)budget_bytes;
    return nullptr;
  }
  // A sequence accounted in `budget` (from this model's new_budget): reserve(n) throws
  // KvCacheFull when the budget cannot hold its state at length() + n, clear() and the
  // destructor give its bytes back. Default (and null budget): new_sequence().
  virtual std::unique_ptr<LmSequence> new_sequence_in(std::shared_ptr<StateBudget> budget) const {
    (void)budget;
    return new_sequence();
  }
  // Feeds tokens [T >= 1] after seq's tokens; returns logits [T, vocab] (all_logits) or
  // [1, vocab] for the last token. Throws dseek::Error for a token id out of range or a
  // position past max_positions, seq unchanged then.
  virtual std::vector<float> forward(LmSequence& seq, const std::vector<int32_t>& tokens, bool all_logits) const = 0;
  // Several sequences at once (continuous batching): the last token's logits of each run,
  // [runs, vocab]; a sequence's results do not depend on its batch-mates. Default: forward()
  // one run after the other; V3: one batched Model::forward.
  virtual std::vector<float> forward_batch(const std::vector<LmRun>& runs) const;
  // Session files (`chat --session`): the sequence's cache and tokens, `meta` (caller text)
  // and `identity` (model fingerprint + numerics, checked on load), written atomically.
  // Throws dseek::Error naming the file on I/O failure, a corrupt file or another identity.
  // V3: the paged cache's latent and indexer keys (model/kv_session.h); V4: the whole StateV4 —
  // window rings, compressed entries, indexer keys, compressors' partial blocks
  // (model_v4/state_io_v4.h). Default: not supported (throws, naming the model type).
  virtual void save_session(const std::string& path, LmSequence& seq, const std::string& meta,
                            const std::string& identity) const;
  virtual std::unique_ptr<LmSequence> load_session(const std::string& path, std::string* meta,
                                                   const std::string& identity) const;
  // The V3 model behind it (the batched scheduler, paged KV sessions), or null for V4.
  virtual const Model* v3() const { return nullptr; }
};

// A V3 sequence over an existing cache (moved in; v3_cache() gives it back).
std::unique_ptr<LmSequence> v3_sequence(SequenceCache cache);

// True when the checkpoint directory's config.json says model_type "deepseek_v4" (false for a
// GGUF file or a directory without a readable config.json; those load as V3).
bool is_v4_checkpoint(const std::string& path);

}  // namespace dseek
