// `dseek virtual-checkpoint --format gguf`: a full-size GGUF of a config (llama.cpp's names,
// shapes, metadata; llama-quantize's per-tensor types for --type; llama-gguf-split parts)
// whose tensor data are holes: `inspect` validates it and a whole decode step runs on it
// through mmap with no disk used. No tokenizer keys: it holds no vocabulary.
#include <iostream>
#include <memory>

#include "cli/virtual_gguf.h"
#include "convert/gguf_metadata.h"
#include "convert/split_plan.h"
#include "convert/type_choice.h"
#include "runtime/error.h"
#include "runtime/signal_cleanup.h"
#include "weights/gguf_writer.h"

namespace dseek::cli {

void write_virtual_gguf(const ModelConfig& c, const std::string& out, const std::string& type,
                        const std::string& split_max_size) {
  FileType ft;
  if (!parse_file_type(type, &ft)) throw Error("--type: unknown file type '" + type + "' (q8_0, q4_k_m, iq2_xxs, ...)");
  if (out.size() < 6 || out.substr(out.size() - 5) != ".gguf") throw Error("--out: '" + out + "' must end in .gguf");
  GgufLayout layout = gguf_layout(c);
  choose_tensor_types(layout, ft, c.n_routed_experts, c.num_attention_heads, {});
  std::vector<uint64_t> sizes;
  uint64_t total = 0;
  for (const auto& t : layout.tensors) total += sizes.emplace_back(t.bytes());
  const std::vector<int> part = split_tensors(sizes, split_max_size.empty() ? 0 : parse_split_size(split_max_size), 0);
  const int parts = part.empty() ? 1 : part.back() + 1;
  const std::vector<std::string> paths = split_paths(out, parts);
  OutputFiles outputs;  // temp files and renamed parts, removed on an error or a signal
  std::vector<std::unique_ptr<GgufWriter>> w;
  for (int k = 0; k < parts; ++k) {
    outputs.add(paths[k] + ".tmp");  // GgufWriter's temp file, registered before it exists
    w.push_back(std::make_unique<GgufWriter>(paths[k]));
    if (k == 0) {
      for (const auto& [key, v] : gguf_model_metadata(c, layout, "virtual-" + file_type_name(ft))) w[k]->set(key, v);
      for (const auto& [key, v] : gguf_quantization_metadata(ft)) w[k]->set(key, v);
      w[k]->set_u32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(c.bos_token_id));
      w[k]->set_u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(c.eos_token_id));
    }
    if (parts > 1) {
      w[k]->set("split.no", gguf_u16(static_cast<uint16_t>(k)));
      w[k]->set("split.tensors.count", gguf_i32(static_cast<int32_t>(layout.tensors.size())));
      w[k]->set("split.count", gguf_u16(static_cast<uint16_t>(parts)));
    }
  }
  for (size_t i = 0; i < layout.tensors.size(); ++i)
    w[part[i]]->add_tensor(layout.tensors[i].name, layout.tensors[i].type, layout.tensors[i].shape);
  for (size_t i = 0; i < layout.tensors.size(); ++i) w[part[i]]->skip_tensor(layout.tensors[i].name);
  for (int k = 0; k < parts; ++k) {
    w[k]->finish();
    outputs.add(paths[k]);
  }
  outputs.keep();
  std::cerr << "wrote " << out << (parts > 1 ? " (" + std::to_string(parts) + " parts: " + paths[0] + " ...)" : "") << ": "
            << layout.tensors.size() << " tensors, " << file_type_name(ft) << ", " << total / 1e9
            << " GB of holes\n";
}

}  // namespace dseek::cli
