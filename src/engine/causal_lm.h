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

struct LmInfo {
  std::string model_type;        // "deepseek_v32", "deepseek_v3" or "deepseek_v4"
  std::string chat_format;       // "v3.2" or "v4": the codec of chat/ that speaks to it
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
  // The V3 paged KV cache behind it (session files), or null for V4.
  virtual SequenceCache* v3_cache() { return nullptr; }
};

class CausalLm {
 public:
  virtual ~CausalLm() = default;

  // Opens `path` (a checkpoint directory or a GGUF file): config.json model_type deepseek_v4
  // loads ModelV4 (exact numerics only: official and int8 throw dseek::Error), anything else
  // Model. Throws dseek::Error naming the file on any defect.
  static std::unique_ptr<CausalLm> load(const std::string& path, Numerics numerics);
  // A V3 model owned elsewhere (tests, the scheduler's callers).
  static std::unique_ptr<CausalLm> borrow(const Model& model);

  virtual const LmInfo& info() const = 0;
  // Checkpoint::fingerprint(): what a saved session records.
  virtual std::string fingerprint() const = 0;
  virtual std::unique_ptr<LmSequence> new_sequence() const = 0;
  // Feeds tokens [T >= 1] after seq's tokens; returns logits [T, vocab] (all_logits) or
  // [1, vocab] for the last token. Throws dseek::Error for a token id out of range or a
  // position past max_positions, seq unchanged then.
  virtual std::vector<float> forward(LmSequence& seq, const std::vector<int32_t>& tokens, bool all_logits) const = 0;
  // The V3 model behind it (the batched scheduler, paged KV sessions), or null for V4.
  virtual const Model* v3() const { return nullptr; }
};

// A V3 sequence over an existing cache (moved in; v3_cache() gives it back).
std::unique_ptr<LmSequence> v3_sequence(SequenceCache cache);

// True when the checkpoint directory's config.json says model_type "deepseek_v4" (false for a
// GGUF file or a directory without a readable config.json; those load as V3).
bool is_v4_checkpoint(const std::string& path);

}  // namespace dseek
