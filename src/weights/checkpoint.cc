#include "weights/checkpoint.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "runtime/error.h"

namespace dseek {

namespace fs = std::filesystem;
using nlohmann::json;

std::unique_ptr<Checkpoint> Checkpoint::open(const std::string& dir) {
  auto ck = std::make_unique<Checkpoint>();
  ck->dir_ = dir;
  if (!fs::is_directory(dir)) throw Error(dir + ": not a checkpoint directory");
  ck->config_ = ModelConfig::from_file((fs::path(dir) / "config.json").string());

  fs::path index = fs::path(dir) / "model.safetensors.index.json";
  std::vector<std::string> shards;
  std::map<std::string, std::string> weight_map;
  if (fs::exists(index)) {
    json j;
    try {
      std::ifstream in(index);
      j = json::parse(in);
    } catch (const json::exception& e) {
      throw Error(index.string() + ": corrupt index JSON: " + e.what());
    }
    if (!j.contains("weight_map") || !j["weight_map"].is_object())
      throw Error(index.string() + ": no 'weight_map' object");
    std::set<std::string> seen;
    for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
      if (!it->is_string()) throw Error(index.string() + ": weight_map['" + it.key() + "'] is not a file name");
      std::string shard = it->get<std::string>();
      if (shard.find('/') != std::string::npos)
        throw Error(index.string() + ": weight_map['" + it.key() + "'] names a path outside the directory");
      weight_map[it.key()] = shard;
      if (seen.insert(shard).second) shards.push_back(shard);
    }
  } else if (fs::exists(fs::path(dir) / "model.safetensors")) {
    shards.push_back("model.safetensors");
  } else {
    throw Error(dir + ": no model.safetensors or model.safetensors.index.json");
  }

  std::map<std::string, size_t> file_of;
  for (const auto& s : shards) {
    ck->files_.push_back(SafetensorsFile::open((fs::path(dir) / s).string()));
    file_of[s] = ck->files_.size() - 1;
  }
  if (weight_map.empty()) {
    for (const auto& [name, t] : ck->files_[0]->tensors()) ck->by_name_[name] = &t;
  } else {
    for (const auto& [name, shard] : weight_map) {
      const SafetensorsFile& f = *ck->files_[file_of[shard]];
      const TensorView* t = f.find(name);
      if (!t) throw Error(f.path() + ": missing tensor '" + name + "' (the index puts it in this shard)");
      ck->by_name_[name] = t;
    }
  }
  return ck;
}

std::unique_ptr<Checkpoint> Checkpoint::in_memory(const ModelConfig& config, std::vector<TensorData> tensors,
                                                 const std::string& label) {
  auto ck = std::make_unique<Checkpoint>();
  ck->dir_ = label;
  ck->config_ = config;
  ck->owned_ = std::move(tensors);
  for (auto& t : ck->owned_) {
    TensorView v;
    v.name = t.name;
    v.dtype = t.dtype;
    v.shape = t.shape;
    v.data = t.bytes.data();
    v.nbytes = t.bytes.size();
    v.file = &ck->dir_;
    if (v.expected_bytes() != v.nbytes)
      throw Error(label + ": tensor '" + t.name + "' has " + std::to_string(v.nbytes) + " bytes for shape " + v.shape_str());
    auto it = ck->owned_views_.emplace(t.name, std::move(v)).first;
    ck->by_name_[t.name] = &it->second;
  }
  return ck;
}

const TensorView* Checkpoint::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

const TensorView& Checkpoint::get(const std::string& name) const {
  const TensorView* t = find(name);
  if (!t) throw Error(dir_ + ": missing tensor '" + name + "'");
  return *t;
}

size_t Checkpoint::total_bytes() const {
  size_t n = 0;
  for (const auto& t : owned_) n += t.bytes.size();
  for (const auto& f : files_) n += f->file_size();
  return n;
}

}  // namespace dseek
