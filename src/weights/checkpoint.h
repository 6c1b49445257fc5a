// A Hugging Face checkpoint directory: config.json plus either one model.safetensors or
// model.safetensors.index.json naming the shard of every tensor. All shards are mmap'd;
// tensors are zero-copy views.
// Or a GGUF file (llama.cpp; split sets "NAME-0000i-of-0000N.gguf" from any part): the config
// comes from its metadata and its tensors appear under the HF names the model binds
// (weights/gguf_model.h), still zero-copy; each view keeps its GGUF file and name for messages.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "weights/config.h"
#include "weights/gguf.h"
#include "weights/safetensors.h"

namespace dseek {

class Checkpoint {
 public:
  // Opens DIR: parses config.json (ModelConfig::from_file) and maps the weights.
  // Throws dseek::Error naming the file on a missing/corrupt config, index or shard, and
  // naming the tensor when the index points at a shard that lacks it.
  // `dir` may instead be a .gguf file (any part of a split set opens all parts): throws
  // naming the file for a missing part (with its expected path), parts that disagree on
  // split.count / split.no, a tensor in two parts, or metadata dseek cannot map
  // (gguf_model_config).
  static std::unique_ptr<Checkpoint> open(const std::string& dir);

  // The tensors of a Hugging Face checkpoint directory, config.json not read (config() is a
  // default ModelConfig): for models whose config.json another module reads (DeepSeek-V4:
  // model_type "deepseek_v4", which ModelConfig refuses). Throws as open() does for the index
  // and the shards.
  static std::unique_ptr<Checkpoint> open_tensors(const std::string& dir);

  // A checkpoint held in memory (synthetic models for benchmarks and tests): the tensors'
  // buffers move into the checkpoint. `label` stands in for the directory in messages.
  static std::unique_ptr<Checkpoint> in_memory(const ModelConfig& config, std::vector<TensorData> tensors,
                                               const std::string& label);

  const std::string& dir() const { return dir_; }
  const ModelConfig& config() const { return config_; }
  // nullptr when absent.
  const TensorView* find(const std::string& name) const;
  // Throws dseek::Error missing_tensor_message(name) when absent.
  const TensorView& get(const std::string& name) const;
  // "DIR: missing tensor 'NAME'"; for a GGUF it names the GGUF tensor and the file(s) instead:
  // "FILE.gguf: missing tensor 'blk.3.ffn_gate.weight' (Hugging Face name
  // 'model.layers.3.mlp.gate_proj.weight')" (an expert: "... 'blk.1.ffn_up_exps.weight' (holds
  // expert 2, Hugging Face name ...)"; a split set lists every part).
  std::string missing_tensor_message(const std::string& name) const;

  // Identifies the model a KV cache was computed with, cheaply: a hash of the config
  // (ModelConfig::to_json), every tensor's name, dtype and shape, and the bytes of the final
  // norm (model.norm.weight, a few KiB: tells apart fine-tunes of one architecture and
  // type). No other weight bytes are read. "fnv1a64:" + 16 hex digits. The same files give
  // the same fingerprint in every process; any other quantisation, shape or config differs.
  std::string fingerprint() const;
  const std::map<std::string, const TensorView*>& tensors() const { return by_name_; }
  const std::vector<std::unique_ptr<SafetensorsFile>>& files() const { return files_; }
  // Total bytes of the mapped shards (safetensors and GGUF files).
  size_t total_bytes() const;

  // GGUF checkpoints. dir() is then the path of the first part. gguf_files(): every part,
  // in order (empty for a safetensors checkpoint). gguf_names(): HF name -> GGUF name
  // ("blk.1.ffn_up_exps.weight[2]" for an expert slice). unmapped_gguf_tensors(): GGUF
  // tensors with no HF name (ignored by the model), in file order.
  bool is_gguf() const { return !gguf_.empty(); }
  const std::vector<std::unique_ptr<GgufFile>>& gguf_files() const { return gguf_; }
  const std::map<std::string, std::string>& gguf_names() const { return gguf_names_; }
  const std::vector<std::string>& unmapped_gguf_tensors() const { return unmapped_; }

 private:
  std::string dir_;
  ModelConfig config_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const TensorView*> by_name_;
  std::vector<TensorData> owned_;            // in_memory() buffers
  std::map<std::string, TensorView> owned_views_;  // in_memory() views; GGUF views by HF name
  std::vector<std::unique_ptr<GgufFile>> gguf_;
  std::map<std::string, std::string> gguf_names_;
  std::vector<std::string> unmapped_;

  static std::unique_ptr<Checkpoint> open_gguf(const std::string& path);
  void map_safetensors(const std::string& dir);
};

}  // namespace dseek
