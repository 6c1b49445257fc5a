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
#include "runtime/error.h"
#include "runtime/signal_cleanup.h"

namespace dseek::cli {

int cmd_virtual_checkpoint(const VirtualArgs& a) {
  namespace fs = std::filesystem;
  std::string config_text;
  ModelConfig c;
  if (a.config.empty()) {
    c = real_config();
  } else {
    config_text = read_file(a.config);
    c = ModelConfig::from_json_text(config_text, a.config);
  }
  install_signal_cleanup();  // an interrupted run leaves no file behind
  if (a.format == "gguf") {
    write_virtual_gguf(c, a.out, a.type, a.split_max_size == "0" ? "" : a.split_max_size);
    return 0;
  }
  if (a.shards < 1) throw Error("--shards must be >= 1");
  std::vector<TensorSpec> specs = checkpoint_tensors(c);
  size_t total = 0;
  for (const auto& s : specs) total += s.bytes();
  // Everything written here (and the directories created for it) is removed on an error or a
  // signal; an existing directory's other files are left alone.
  OutputFiles outputs;
  {
    std::vector<fs::path> created;
    for (fs::path d = fs::path(a.out).lexically_normal(); !d.empty() && !fs::exists(d); d = d.parent_path()) {
      created.push_back(d);
      if (d == d.parent_path()) break;
    }
    for (auto it = created.rbegin(); it != created.rend(); ++it) outputs.add_dir(it->string());  // outermost first
  }
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
  // Exactly `shards` shards of about equal size, tensors in checkpoint order: a tensor goes to
  // the shard its middle byte falls in.
  std::vector<std::vector<size_t>> members(a.shards);
  {
    size_t off = 0;
    for (size_t i = 0; i < specs.size(); ++i) {
      const size_t mid = off + specs[i].bytes() / 2;
      members[std::min<size_t>(a.shards - 1, mid * static_cast<size_t>(a.shards) / total)].push_back(i);
      off += specs[i].bytes();
    }
  }
  nlohmann::ordered_json index;
  index["metadata"] = {{"total_size", total}};
  index["weight_map"] = nlohmann::ordered_json::object();
  for (int s = 0; s < a.shards; ++s) {
    char fname[64];
    std::snprintf(fname, sizeof fname, "model-%05d-of-%05d.safetensors", s + 1, a.shards);
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    size_t off = 0;
    for (size_t i : members[s]) {
      const TensorSpec& t = specs[i];
      header[t.name] = {{"dtype", std::string(dtype_name(t.dtype))}, {"shape", t.shape}, {"data_offsets", {off, off + t.bytes()}}};
      index["weight_map"][t.name] = fname;
      off += t.bytes();
    }
    std::string h = header.dump();
    while ((h.size() + 8) % 8) h.push_back(' ');
    const std::string path = (fs::path(a.out) / fname).string();
    outputs.add(path);
    int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(path + ": cannot create");
    uint64_t n = h.size();
    bool ok = ::write(fd, &n, 8) == 8 && ::write(fd, h.data(), h.size()) == static_cast<ssize_t>(h.size()) &&
              ::ftruncate(fd, static_cast<off_t>(8 + h.size() + off)) == 0;  // the data: one hole
    ::close(fd);
    if (!ok) throw Error(path + ": write failed");
  }
  outputs.add((fs::path(a.out) / "model.safetensors.index.json").string());
  std::ofstream(fs::path(a.out) / "model.safetensors.index.json") << index.dump(2);
  outputs.keep();
  std::cerr << "wrote " << a.out << ": " << specs.size() << " tensors, " << total / 1e9 << " GB of holes in "
            << a.shards << " shards\n";
  return 0;
}

}  // namespace dseek::cli
