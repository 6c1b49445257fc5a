#include "weights/checkpoint.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "runtime/error.h"
#include "weights/gguf_model.h"

namespace dseek {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
// Named *.gguf (then GgufFile explains what is wrong with it), or a file with the GGUF magic.
bool is_gguf_file(const std::string& path) {
  if (fs::path(path).extension() == ".gguf") return true;
  if (!fs::is_regular_file(path)) return false;
  char magic[4] = {};
  std::ifstream in(path, std::ios::binary);
  return in.read(magic, 4) && std::string(magic, 4) == "GGUF";
}
}  // namespace

std::unique_ptr<Checkpoint> Checkpoint::open_gguf(const std::string& path) {
  auto ck = std::make_unique<Checkpoint>();
  auto given = GgufFile::open(path);
  const int64_t count = given->get_int("split.count", 1);
  const int64_t no = given->get_int("split.no", 0);
  if (count < 1 || no < 0 || no >= count)
    throw Error(path + ": metadata keys 'split.no' = " + std::to_string(no) + " and 'split.count' = " +
                std::to_string(count) + " are inconsistent");
  if (count == 1) {
    ck->gguf_.push_back(std::move(given));
  } else {
    // Parts are found by llama-gguf-split's naming, checked against their split.* keys.
    std::string prefix;
    int fno = 0, fcount = 0;
    if (!parse_gguf_split_path(path, &prefix, &fno, &fcount))
      throw Error(path + ": part " + std::to_string(no + 1) + " of a " + std::to_string(count) +
                  "-part split GGUF, but not named PREFIX-0000i-of-0000N.gguf, so the other parts cannot be found");
    if (fcount != count || fno != no + 1)
      throw Error(path + ": the file name says part " + std::to_string(fno) + " of " + std::to_string(fcount) +
                  ", its metadata part " + std::to_string(no + 1) + " of " + std::to_string(count));
    for (int i = 1; i <= count; ++i) {
      if (i == no + 1) {
        ck->gguf_.push_back(std::move(given));
        continue;
      }
      const std::string p = gguf_split_path(prefix, i, static_cast<int>(count));
      if (!fs::exists(p))
        throw Error(p + ": missing: part " + std::to_string(i) + " of " + std::to_string(count) +
                    " of the split GGUF opened as " + path);
      auto part = GgufFile::open(p);
      if (part->get_int("split.count", 1) != count || part->get_int("split.no", 0) != i - 1)
        throw Error(p + ": metadata 'split.no' / 'split.count' do not say part " + std::to_string(i) + " of " +
                    std::to_string(count));
      ck->gguf_.push_back(std::move(part));
    }
  }
  const GgufFile& head = *ck->gguf_[0];  // split.no 0 holds the model's metadata
  ck->dir_ = head.path();
  ck->config_ = gguf_model_config(head);

  size_t n_tensors = 0;
  std::set<std::string> gguf_seen;
  for (const auto& g : ck->gguf_) {
    for (const std::string& name : g->tensor_order()) {
      if (!gguf_seen.insert(name).second) throw Error(g->path() + ": tensor '" + name + "' is also in another part");
      ++n_tensors;
      const TensorView& t = g->tensors().at(name);
      // An MTP block's tensors in a block the metadata makes a main layer: the block count or
      // nextn_predict_layers is wrong, and the model would run that block as a layer.
      if (int blk = -1; std::sscanf(name.c_str(), "blk.%d.", &blk) == 1 && blk >= 0 &&
                        name.rfind("blk." + std::to_string(blk) + ".nextn.", 0) == 0 && blk < ck->config_.num_hidden_layers)
        throw Error(g->path() + ": tensor '" + name + "' belongs to an MTP block, but the metadata makes block " +
                    std::to_string(blk) + " a main layer (" + head.get_string("general.architecture") +
                    ".block_count " + std::to_string(ck->config_.num_hidden_layers + ck->config_.num_nextn_predict_layers) +
                    ", nextn_predict_layers " + std::to_string(ck->config_.num_nextn_predict_layers) + ")");
      std::vector<GgufMappedTensor> mapped = gguf_to_hf(t);
      if (mapped.empty()) {
        ck->unmapped_.push_back(name);
        continue;
      }
      if (mapped.size() > 1 && static_cast<int64_t>(mapped.size()) != ck->config_.n_routed_experts)
        throw Error(g->path() + ": tensor '" + name + "' stacks " + std::to_string(mapped.size()) +
                    " experts, but the metadata says " + std::to_string(ck->config_.n_routed_experts));
      for (auto& m : mapped) {
        if (ck->owned_views_.count(m.hf_name))
          throw Error(g->path() + ": tensor '" + name + "' gives '" + m.hf_name + "', which '" +
                      ck->gguf_names_[m.hf_name] + "' already gives");
        ck->gguf_names_[m.hf_name] = m.view.name;
        auto it = ck->owned_views_.emplace(m.hf_name, std::move(m.view)).first;
        ck->by_name_[m.hf_name] = &it->second;
      }
    }
  }
  if (const GgufValue* v = head.find_kv("split.tensors.count"); v && head.get_int("split.tensors.count") != int64_t(n_tensors))
    throw Error(head.path() + ": metadata key 'split.tensors.count' = " + std::to_string(head.get_int("split.tensors.count")) +
                ", but the parts hold " + std::to_string(n_tensors) + " tensors");
  // llama.cpp reuses token_embd as the head when a file has no `output`.
  if (!ck->find("lm_head.weight") && ck->find("model.embed_tokens.weight")) ck->config_.tie_word_embeddings = true;
  return ck;
}

std::unique_ptr<Checkpoint> Checkpoint::open(const std::string& dir) {
  if (is_gguf_file(dir)) return open_gguf(dir);
  auto ck = std::make_unique<Checkpoint>();
  ck->dir_ = dir;
  if (!fs::is_directory(dir)) throw Error(dir + ": not a checkpoint directory or a GGUF file");
  ck->config_ = ModelConfig::from_file((fs::path(dir) / "config.json").string());
  ck->map_safetensors(dir);
  return ck;
}

std::unique_ptr<Checkpoint> Checkpoint::open_tensors(const std::string& dir) {
  auto ck = std::make_unique<Checkpoint>();
  ck->dir_ = dir;
  if (!fs::is_directory(dir)) throw Error(dir + ": not a checkpoint directory");
  ck->map_safetensors(dir);
  return ck;
}

void Checkpoint::map_safetensors(const std::string& dir) {
  Checkpoint* ck = this;
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
    if (weight_map.empty()) throw Error(index.string() + ": 'weight_map' names no tensor");
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
  if (!t) throw Error(missing_tensor_message(name));
  return *t;
}

std::string Checkpoint::missing_tensor_message(const std::string& name) const {
  if (gguf_.empty()) return dir_ + ": missing tensor '" + name + "'";
  std::string files = gguf_[0]->path();
  if (gguf_.size() > 1) {
    files += " (split set: in none of its " + std::to_string(gguf_.size()) + " parts";
    for (size_t i = 1; i < gguf_.size(); ++i) files += (i == 1 ? ": " : ", ") + gguf_[i]->path();
    files += ")";
  }
  int expert = -1;
  const std::string g = hf_to_gguf_name(name, &expert);
  if (g.empty()) return files + ": missing tensor '" + name + "' (no GGUF tensor name maps to this Hugging Face name)";
  // A stacked expert tensor that is present but short of this expert is refused at open, so
  // here the whole stack is absent.
  return files + ": missing tensor '" + g + "' (" +
         (expert >= 0 ? "holds expert " + std::to_string(expert) + ", " : std::string()) + "Hugging Face name '" + name +
         "')";
}

std::string Checkpoint::fingerprint() const {
  // FNV-1a, 64 bit: stable across processes and builds (std::hash is neither).
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  };
  auto mix_str = [&](const std::string& s) {
    const uint64_t n = s.size();
    mix(&n, sizeof n);
    mix(s.data(), s.size());
  };
  mix_str("dseek-model-fingerprint-1");
  mix_str(config_.to_json());
  for (const auto& [name, t] : by_name_) {  // sorted by name
    mix_str(name);
    mix_str(std::string(dtype_name(t->dtype)));
    const uint64_t rank = t->shape.size();
    mix(&rank, sizeof rank);
    for (int64_t d : t->shape) mix(&d, sizeof d);
  }
  if (const TensorView* norm = find("model.norm.weight"); norm && norm->nbytes <= (size_t(1) << 20))
    mix(norm->data, norm->nbytes);
  char buf[32];
  std::snprintf(buf, sizeof buf, "fnv1a64:%016llx", static_cast<unsigned long long>(h));
  return buf;
}

size_t Checkpoint::total_bytes() const {
  size_t n = 0;
  for (const auto& t : owned_) n += t.bytes.size();
  for (const auto& f : files_) n += f->file_size();
  for (const auto& g : gguf_) n += g->file_size();
  return n;
}

}  // namespace dseek
