// A Hugging Face checkpoint directory: config.json plus either one model.safetensors or
// model.safetensors.index.json naming the shard of every tensor. All shards are mmap'd;
// tensors are zero-copy views.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "weights/config.h"
#include "weights/safetensors.h"

namespace dseek {

class Checkpoint {
 public:
  // Opens DIR: parses config.json (ModelConfig::from_file) and maps the weights.
  // Throws dseek::Error naming the file on a missing/corrupt config, index or shard, and
  // naming the tensor when the index points at a shard that lacks it.
  static std::unique_ptr<Checkpoint> open(const std::string& dir);

  // A checkpoint held in memory (synthetic models for benchmarks and tests): the tensors'
  // buffers move into the checkpoint. `label` stands in for the directory in messages.
  static std::unique_ptr<Checkpoint> in_memory(const ModelConfig& config, std::vector<TensorData> tensors,
                                               const std::string& label);

  const std::string& dir() const { return dir_; }
  const ModelConfig& config() const { return config_; }
  // nullptr when absent.
  const TensorView* find(const std::string& name) const;
  // Throws dseek::Error "DIR: missing tensor NAME" when absent.
  const TensorView& get(const std::string& name) const;
  const std::map<std::string, const TensorView*>& tensors() const { return by_name_; }
  const std::vector<std::unique_ptr<SafetensorsFile>>& files() const { return files_; }
  // Total bytes of the mapped shards.
  size_t total_bytes() const;

 private:
  std::string dir_;
  ModelConfig config_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const TensorView*> by_name_;
  std::vector<TensorData> owned_;            // in_memory() buffers
  std::map<std::string, TensorView> owned_views_;
};

}  // namespace dseek
