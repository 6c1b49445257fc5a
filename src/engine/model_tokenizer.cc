#include "engine/model_tokenizer.h"

#include <filesystem>

#include "runtime/error.h"
#include "weights/gguf.h"

namespace dseek {

namespace fs = std::filesystem;

bool is_gguf_path(const std::string& path) {
  return fs::path(path).extension() == ".gguf" && !fs::is_directory(path);
}

namespace {

Tokenizer from_gguf(const std::string& path) {
  // Split files keep the tokenizer in part 1; any part names the set.
  std::string first = path;
  const std::string stem = fs::path(path).stem().string();
  const size_t of = stem.rfind("-of-");
  if (of != std::string::npos && of >= 6 && stem[of - 6] == '-')
    first = (fs::path(path).parent_path() / (stem.substr(0, of - 5) + "00001" + stem.substr(of) + ".gguf")).string();
  auto g = GgufFile::open(first);
  if (!g->find_kv("tokenizer.ggml.tokens"))
    throw Error(first + ": no tokenizer.json beside the file and no tokenizer.ggml.tokens metadata");
  VocabSpec v;
  v.source = first;
  v.model = g->get_string("tokenizer.ggml.model");
  v.pre = g->get_string("tokenizer.ggml.pre", "default");
  v.tokens = g->get_string_array("tokenizer.ggml.tokens");
  if (g->find_kv("tokenizer.ggml.token_type"))
    for (int64_t t : g->get_int_array("tokenizer.ggml.token_type")) v.token_types.push_back(static_cast<int32_t>(t));
  if (g->find_kv("tokenizer.ggml.merges")) v.merges = g->get_string_array("tokenizer.ggml.merges");
  return Tokenizer::from_vocab(v);
}

}  // namespace

Tokenizer load_model_tokenizer(const std::string& path) {
  if (is_gguf_path(path)) {
    const fs::path beside = fs::path(path).parent_path() / "tokenizer.json";
    if (fs::exists(beside)) return Tokenizer::load(beside.string());
    return from_gguf(path);
  }
  const std::string tj = (fs::path(path) / "tokenizer.json").string();
  if (!fs::exists(tj))
    throw Error(path + ": no tokenizer.json (needed to run prompts; `dseek score` works without one)");
  return Tokenizer::load(tj);
}

}  // namespace dseek
