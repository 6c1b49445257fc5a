// `dseek virtual-checkpoint`: writes a checkpoint directory with the real config.json, tensor
// names, dtypes and shapes, split into shards + model.safetensors.index.json, whose data are
// holes (sparse files): a full-size 671B layout that uses no disk, for validating the loader
// and the memory plan and for running the whole network on machines without the weights.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/io_util.h"
#include "cli/virtual_gguf.h"
#include "model/synthetic.h"
#include "model/tensor_specs.h"
#include "model_v4/config_v4.h"
#include "model_v4/tensor_specs_v4.h"
#include "runtime/error.h"
#include "runtime/signal_cleanup.h"

namespace dseek::cli {

namespace {

namespace fs = std::filesystem;

// One tensor of a virtual checkpoint: its data are a hole unless `content` is set.
struct VirtualTensor {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  size_t bytes;
  const std::vector<uint8_t>* content = nullptr;  // exactly `bytes` bytes when set
};

// Registers the directories `out` creates (outermost first) so an error removes them.
void track_created_dirs(const std::string& out, OutputFiles& outputs) {
  std::vector<fs::path> created;
  for (fs::path d = fs::path(out).lexically_normal(); !d.empty() && !fs::exists(d); d = d.parent_path()) {
    created.push_back(d);
    if (d == d.parent_path()) break;
  }
  for (auto it = created.rbegin(); it != created.rend(); ++it) outputs.add_dir(it->string());
}

// Writes `tensors` into exactly `n_shards` shards of about equal size, in order (a tensor goes
// to the shard its middle byte falls in), + model.safetensors.index.json. Returns the total.
size_t write_shards(const std::string& out, int n_shards, const std::vector<VirtualTensor>& specs, OutputFiles& outputs) {
  size_t total = 0;
  for (const auto& s : specs) total += s.bytes;
  std::vector<std::vector<size_t>> members(n_shards);
  {
    size_t off = 0;
    for (size_t i = 0; i < specs.size(); ++i) {
      const size_t mid = off + specs[i].bytes / 2;
      members[std::min<size_t>(n_shards - 1, total ? mid * static_cast<size_t>(n_shards) / total : 0)].push_back(i);
      off += specs[i].bytes;
    }
  }
  // Sorted keys ("metadata", "weight_map", names as Hugging Face writes them): an ordered_json
  // object looks keys up linearly, which made 145k names (V4-Pro) take a minute.
  nlohmann::json index;
  index["metadata"] = {{"total_size", total}};
  index["weight_map"] = nlohmann::json::object();
  nlohmann::json& weight_map = index["weight_map"];
  for (int s = 0; s < n_shards; ++s) {
    char fname[64];
    std::snprintf(fname, sizeof fname, "model-%05d-of-%05d.safetensors", s + 1, n_shards);
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    size_t off = 0;
    for (size_t i : members[s]) {
      const VirtualTensor& t = specs[i];
      header[t.name] = {{"dtype", std::string(dtype_name(t.dtype))}, {"shape", t.shape}, {"data_offsets", {off, off + t.bytes}}};
      weight_map[t.name] = fname;
      off += t.bytes;
    }
    std::string h = header.dump();
    while ((h.size() + 8) % 8) h.push_back(' ');
    const std::string path = (fs::path(out) / fname).string();
    outputs.add(path);
    int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(path + ": cannot create");
    uint64_t n = h.size();
    bool ok = ::write(fd, &n, 8) == 8 && ::write(fd, h.data(), h.size()) == static_cast<ssize_t>(h.size());
    size_t at = 0;
    for (size_t i : members[s]) {  // the few tensors with contents (V4's tid2eid); the rest stay holes
      const VirtualTensor& t = specs[i];
      if (ok && t.content)
        ok = ::pwrite(fd, t.content->data(), t.bytes, static_cast<off_t>(8 + h.size() + at)) == static_cast<ssize_t>(t.bytes);
      at += t.bytes;
    }
    ok = ok && ::ftruncate(fd, static_cast<off_t>(8 + h.size() + off)) == 0;  // the data: holes
    ::close(fd);
    if (!ok) throw Error(path + ": write failed");
  }
  outputs.add((fs::path(out) / "model.safetensors.index.json").string());
  std::ofstream(fs::path(out) / "model.safetensors.index.json") << index.dump(2);
  return total;
}

// DeepSeek-V4 (config.json model_type deepseek_v4): the V4-Flash / V4-Pro layout
// (model_v4/tensor_specs_v4.h), tid2eid tables with real distinct ids, the config copied.
int virtual_checkpoint_v4(const VirtualArgs& a, const std::string& config_text) {
  const ConfigV4 c = ConfigV4::from_json_text(config_text, a.config);
  if (a.format == "gguf")
    throw Error(a.config + ": DeepSeek-V4 has no GGUF layout in dseek yet; write --format safetensors");
  if (a.shards < 1) throw Error("--shards must be >= 1");
  const std::vector<TensorSpecV4> specs = checkpoint_tensors_v4(c);
  const std::vector<uint8_t> tid2eid = synthetic_tid2eid(c);
  std::vector<VirtualTensor> vt;
  vt.reserve(specs.size());
  for (const auto& s : specs) {
    const bool table = s.dtype == DType::I64 && s.name.size() > 12 && s.name.compare(s.name.size() - 12, 12, "gate.tid2eid") == 0;
    vt.push_back({s.name, s.dtype, s.shape, s.bytes(), table ? &tid2eid : nullptr});
  }
  OutputFiles outputs;
  track_created_dirs(a.out, outputs);
  fs::create_directories(a.out);
  outputs.add((fs::path(a.out) / "config.json").string());
  std::ofstream(fs::path(a.out) / "config.json") << config_text;
  const size_t total = write_shards(a.out, a.shards, vt, outputs);
  outputs.keep();
  std::cerr << "wrote " << a.out << ": " << vt.size() << " tensors, " << total / 1e9 << " GB (holes but "
            << c.num_hash_layers << " tid2eid tables) in " << a.shards << " shards\n";
  return 0;
}

}  // namespace

int cmd_virtual_checkpoint(const VirtualArgs& a) {
  std::string config_text;
  ModelConfig c;
  if (a.config.empty()) {
    c = real_config();
  } else {
    config_text = read_file(a.config);
    if (ConfigV4::is_v4_text(config_text)) {
      install_signal_cleanup();  // an interrupted run leaves no file behind
      return virtual_checkpoint_v4(a, config_text);
    }
    c = ModelConfig::from_json_text(config_text, a.config);
  }
  install_signal_cleanup();  // an interrupted run leaves no file behind
  if (a.format == "gguf") {
    write_virtual_gguf(c, a.out, a.type, a.split_max_size == "0" ? "" : a.split_max_size);
    return 0;
  }
  if (a.shards < 1) throw Error("--shards must be >= 1");
  std::vector<TensorSpec> specs = checkpoint_tensors(c);
  // Everything written here (and the directories created for it) is removed on an error or a
  // signal; an existing directory's other files are left alone.
  OutputFiles outputs;
  track_created_dirs(a.out, outputs);
  fs::create_directories(a.out);
  outputs.add((fs::path(a.out) / "config.json").string());
  if (!config_text.empty()) {
    std::ofstream(fs::path(a.out) / "config.json") << config_text;
  } else {
    // Minimal config with the real values (the built-in copy of DeepSeek-V3.2's config.json).
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(R"({"architectures": ["DeepseekV32ForCausalLM"]})");
    j["model_type"] = "deepseek_v32";
    j["vocab_size"] = c.vocab_size; j["hidden_size"] = c.hidden_size; j["intermediate_size"] = c.intermediate_size;
    j["moe_intermediate_size"] = c.moe_intermediate_size; j["num_hidden_layers"] = c.num_hidden_layers;
    j["first_k_dense_replace"] = c.first_k_dense_replace; j["num_attention_heads"] = c.num_attention_heads;
    j["n_routed_experts"] = c.n_routed_experts; j["n_shared_experts"] = c.n_shared_experts;
    j["num_experts_per_tok"] = c.num_experts_per_tok; j["n_group"] = c.n_group; j["topk_group"] = c.topk_group;
    j["routed_scaling_factor"] = c.routed_scaling_factor; j["q_lora_rank"] = c.q_lora_rank;
    j["kv_lora_rank"] = c.kv_lora_rank; j["qk_nope_head_dim"] = c.qk_nope_head_dim;
    j["qk_rope_head_dim"] = c.qk_rope_head_dim; j["v_head_dim"] = c.v_head_dim; j["rope_theta"] = c.rope_theta;
    j["max_position_embeddings"] = c.max_position_embeddings; j["num_nextn_predict_layers"] = c.num_nextn_predict_layers;
    j["rope_scaling"] = {{"type", "yarn"}, {"factor", c.rope_factor}, {"original_max_position_embeddings", c.rope_original_max_position},
                         {"beta_fast", c.rope_beta_fast}, {"beta_slow", c.rope_beta_slow}, {"mscale", 1.0}, {"mscale_all_dim", 1.0}};
    j["index_n_heads"] = c.index_n_heads; j["index_head_dim"] = c.index_head_dim; j["index_topk"] = c.index_topk;
    j["quantization_config"] = {{"quant_method", "fp8"}, {"fmt", "e4m3"}, {"activation_scheme", "dynamic"},
                                {"scale_fmt", "ue8m0"}, {"weight_block_size", {128, 128}}};
    std::ofstream(fs::path(a.out) / "config.json") << j.dump(2);
  }
  std::vector<VirtualTensor> vt;
  vt.reserve(specs.size());
  for (const auto& s : specs) vt.push_back({s.name, s.dtype, s.shape, s.bytes()});
  const size_t total = write_shards(a.out, a.shards, vt, outputs);
  outputs.keep();
  std::cerr << "wrote " << a.out << ": " << specs.size() << " tensors, " << total / 1e9 << " GB of holes in "
            << a.shards << " shards\n";
  return 0;
}

}  // namespace dseek::cli
