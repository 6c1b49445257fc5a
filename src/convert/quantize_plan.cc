// plan_quantize and the dry-run report.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <map>
#include <sstream>

#include "convert/gguf_vocab.h"
#include "convert/quantize.h"
#include "convert/split_plan.h"
#include "convert/tensor_source.h"
#include "convert/type_choice.h"
#include "runtime/error.h"
#include "weights/gguf_writer.h"

namespace dseek {

namespace fs = std::filesystem;

uint64_t QuantizePlan::data_bytes() const {
  uint64_t n = 0;
  for (const auto& t : layout.tensors) n += t.bytes();
  return n;
}
uint64_t QuantizePlan::total_file_bytes() const {
  uint64_t n = 0;
  for (uint64_t b : file_bytes) n += b;
  return n;
}
int64_t QuantizePlan::params() const {
  int64_t n = 0;
  for (const auto& t : layout.tensors) n += t.numel();
  return n;
}

namespace {

uint64_t align32(uint64_t n) { return (n + 31) / 32 * 32; }

// The size of a GGUF file with these keys and tensors (alignment 32, every tensor padded).
uint64_t gguf_file_bytes(const std::vector<GgufKv>& kv, const std::vector<const GgufTensorPlan*>& tensors) {
  uint64_t h = 4 + 4 + 8 + 8, data = 0;
  for (const auto& [k, v] : kv) h += 8 + k.size() + 4 + gguf_value_bytes(v);
  for (const auto* t : tensors) {
    h += 8 + t->name.size() + 4 + 8 * t->shape.size() + 4 + 8;
    data += align32(t->bytes());
  }
  return align32(h) + data;
}

void check_output_dir(const std::string& out) {
  fs::path dir = fs::path(out).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(out + ": the output directory " + dir.string() + " does not exist");
  if (::access(dir.c_str(), W_OK | X_OK) != 0) throw Error(out + ": the output directory " + dir.string() + " is not writable");
  if (fs::is_directory(out, ec)) throw Error(out + ": is a directory; --out names the .gguf file to write");
}

// An output part may replace an earlier GGUF, never a file of the checkpoint being read (or
// anything that is not a GGUF): that would destroy the input.
void check_not_clobbering(const Checkpoint& ck, const std::string& part) {
  std::error_code ec;
  if (!fs::exists(part, ec)) return;
  if (fs::equivalent(fs::path(part).parent_path().empty() ? fs::path(".") : fs::path(part).parent_path(), ck.dir(), ec))
    throw Error(part + ": the output would go into the checkpoint directory being read; choose another --out");
  char magic[4] = {};
  if (std::FILE* f = std::fopen(part.c_str(), "rb")) {
    const size_t n = std::fread(magic, 1, 4, f);
    std::fclose(f);
    if (n == 4 && std::memcmp(magic, "GGUF", 4) == 0) return;
  }
  throw Error(part + ": exists and is not a GGUF file; dseek quantize will not overwrite it");
}

std::string default_name(const std::string& dir) {
  fs::path p = fs::path(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  std::string n = p.filename().string();
  return n.empty() || n == "." ? "model" : n;
}

}  // namespace

QuantizePlan plan_quantize(const Checkpoint& ck, const QuantizeOptions& o) {
  if (ck.is_gguf()) throw Error(ck.dir() + ": already a GGUF; dseek quantize reads a Hugging Face checkpoint directory");
  if (o.out.empty()) throw Error("quantize: --out is required");
  if (o.check_output_dir) check_output_dir(o.out);
  const ModelConfig& c = ck.config();
  QuantizePlan p;
  p.type = o.type;
  p.layout = gguf_layout(c);

  std::vector<TensorTypeOverride> overrides;
  for (const auto& s : o.tensor_types) overrides.push_back(parse_tensor_type_override(s));
  choose_tensor_types(p.layout, o.type, c.n_routed_experts, c.num_attention_heads, overrides, &p.warnings);
  check_types_writable(p.layout);
  for (const auto& t : p.layout.tensors) TensorSource(ck, t);  // every source present and well-formed

  p.metadata = gguf_model_metadata(c, p.layout, o.name.empty() ? default_name(ck.dir()) : o.name);
  if (has_hf_tokenizer(ck.dir())) {
    for (auto& kv : gguf_vocab_metadata(ck.dir(), c.vocab_size)) p.metadata.push_back(std::move(kv));
  } else if (!o.no_vocab) {
    throw Error(ck.dir() + ": no tokenizer.json, so the GGUF would have no tokenizer and llama.cpp could not load it; "
                "pass --no-vocab to write the weights anyway");
  }
  for (auto& kv : gguf_quantization_metadata(o.type)) p.metadata.push_back(std::move(kv));

  std::vector<uint64_t> sizes;
  for (const auto& t : p.layout.tensors) sizes.push_back(t.bytes());
  p.part = split_tensors(sizes, o.split_max_bytes, o.split_max_tensors);
  const int parts = p.part.empty() ? 1 : p.part.back() + 1;
  p.paths = split_paths(o.out, parts);
  for (const auto& path : p.paths) check_not_clobbering(ck, path);
  for (int k = 0; k < parts; ++k) {
    std::vector<const GgufTensorPlan*> mine;
    for (size_t i = 0; i < p.layout.tensors.size(); ++i)
      if (p.part[i] == k) mine.push_back(&p.layout.tensors[i]);
    std::vector<GgufKv> kv = k == 0 ? p.metadata : std::vector<GgufKv>{};
    if (parts > 1) {
      kv.emplace_back("split.no", gguf_u16(static_cast<uint16_t>(k)));
      kv.emplace_back("split.tensors.count", gguf_i32(static_cast<int32_t>(p.layout.tensors.size())));
      kv.emplace_back("split.count", gguf_u16(static_cast<uint16_t>(parts)));
    }
    p.file_bytes.push_back(gguf_file_bytes(kv, mine));
  }
  return p;
}

void print_plan(const QuantizePlan& p, const std::string& source, std::ostream& out) {
  struct Sum {
    int tensors = 0;
    int64_t params = 0;
    uint64_t bytes = 0;
    std::map<std::string, int> types;
  };
  std::vector<Sum> by(kTensorClasses);
  Sum total;
  for (const auto& t : p.layout.tensors) {
    for (Sum* s : {&by[static_cast<int>(t.cls)], &total}) {
      ++s->tensors;
      s->params += t.numel();
      s->bytes += t.bytes();
      ++s->types[std::string(dtype_name(t.type))];
    }
  }
  auto bpw = [](const Sum& s) { return s.params ? 8.0 * static_cast<double>(s.bytes) / static_cast<double>(s.params) : 0.0; };
  out << "dseek quantize --dry-run: " << source << " -> " << file_type_name(p.type) << " (general.file_type "
      << static_cast<int>(p.type) << "), arch " << p.layout.arch << ", " << p.layout.block_count << " blocks\n";
  out << std::left << std::setw(16) << "class" << std::right << std::setw(8) << "tensors" << std::setw(16) << "params"
      << std::setw(16) << "bytes" << std::setw(8) << "bits/w" << "  types\n";
  auto row = [&](const std::string& name, const Sum& s) {
    std::ostringstream types;
    bool first = true;
    for (const auto& [t, n] : s.types) types << (first ? "" : ", ") << t << " x" << n, first = false;
    out << std::left << std::setw(16) << name << std::right << std::setw(8) << s.tensors << std::setw(16) << s.params
        << std::setw(16) << s.bytes << std::setw(8) << std::fixed << std::setprecision(2) << bpw(s) << "  "
        << types.str() << "\n";
  };
  for (int k = 0; k < kTensorClasses; ++k)
    if (by[k].tensors) row(tensor_class_name(static_cast<TensorClass>(k)), by[k]);
  row("total", total);
  for (size_t k = 0; k < p.paths.size(); ++k) out << "file " << p.paths[k] << ": " << p.file_bytes[k] << " bytes\n";
  out << "total file bytes: " << p.total_file_bytes() << " (" << p.paths.size() << " file"
      << (p.paths.size() == 1 ? "" : "s") << ")\n";
  for (const auto& w : p.warnings) out << "warning: " << w << "\n";
}

}  // namespace dseek
