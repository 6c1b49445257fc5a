#include "engine/model_tokenizer.h"

#include <filesystem>
#include <iostream>

#include "runtime/error.h"
#include "weights/gguf_model.h"

namespace dseek {

namespace fs = std::filesystem;

bool is_gguf_path(const std::string& path) {
  return fs::path(path).extension() == ".gguf" && !fs::is_directory(path);
}

VocabSpec gguf_vocab_spec(const GgufFile& g) {
  VocabSpec v;
  v.source = g.path();
  v.model = g.get_string("tokenizer.ggml.model");
  v.pre = g.get_string("tokenizer.ggml.pre", "default");
  v.tokens = g.get_string_array("tokenizer.ggml.tokens");
  if (g.find_kv("tokenizer.ggml.token_type"))
    for (int64_t t : g.get_int_array("tokenizer.ggml.token_type")) v.token_types.push_back(static_cast<int32_t>(t));
  if (g.find_kv("tokenizer.ggml.merges")) v.merges = g.get_string_array("tokenizer.ggml.merges");
  return v;
}

namespace {

// Split files keep the tokenizer in part 1; any part names the set.
std::string first_part(const std::string& path) {
  std::string prefix;
  int no = 0, count = 0;
  return parse_gguf_split_path(path, &prefix, &no, &count) ? gguf_split_path(prefix, 1, count) : path;
}

// "" when `tj` holds the GGUF's vocabulary (every id the same token; the GGUF's UNUSED filler
// ids without a token in tokenizer.json), else what differs first.
std::string vocab_difference(const VocabSpec& g, const Tokenizer& tj) {
  auto unused = [&](size_t id) { return id < g.token_types.size() && g.token_types[id] == VocabSpec::kUnused; };
  size_t gguf_size = g.tokens.size();  // ids up to the last one with a token
  while (gguf_size > 0 && unused(gguf_size - 1)) --gguf_size;
  if (tj.vocab_size() != gguf_size)
    return std::to_string(tj.vocab_size()) + " token ids in the tokenizer.json, " + std::to_string(gguf_size) +
           " in the GGUF";
  for (size_t id = 0; id < gguf_size; ++id) {
    const std::string want = unused(id) ? std::string() : g.tokens[id];
    const std::string got = tj.id_to_token(static_cast<int32_t>(id));
    if (got != want)
      return "token " + std::to_string(id) + " is '" + got + "' in the tokenizer.json, '" + want + "' in the GGUF";
  }
  return "";
}

}  // namespace

Tokenizer load_model_tokenizer(const std::string& path, std::string* warning) {
  if (!is_gguf_path(path)) {
    const std::string tj = (fs::path(path) / "tokenizer.json").string();
    if (!fs::exists(tj))
      throw Error(path + ": no tokenizer.json (needed to run prompts; `dseek score` works without one)");
    return Tokenizer::load(tj);
  }
  const std::string first = first_part(path);
  const std::string beside = (fs::path(path).parent_path() / "tokenizer.json").string();
  auto g = GgufFile::open(first);
  if (!g->find_kv("tokenizer.ggml.tokens")) {
    if (fs::exists(beside)) return Tokenizer::load(beside);
    throw Error(first + ": no tokenizer.json beside the file and no tokenizer.ggml.tokens metadata");
  }
  const VocabSpec spec = gguf_vocab_spec(*g);
  g.reset();
  if (!fs::exists(beside)) return Tokenizer::from_vocab(spec);
  std::string why;
  try {
    Tokenizer tj = Tokenizer::load(beside);
    why = vocab_difference(spec, tj);
    if (why.empty()) return tj;
  } catch (const Error& e) {
    why = std::string("it does not load: ") + e.what();
  }
  const std::string msg = beside + " does not match the vocabulary of " + first + " (" + why +
                          "); using the GGUF's own tokenizer (tokenizer.ggml.*), which its weights were made for";
  if (warning)
    *warning = msg;
  else
    std::cerr << "dseek: warning: " << msg << "\n";
  return Tokenizer::from_vocab(spec);
}

void check_tokenizer_fits(const Tokenizer& tok, int64_t model_vocab, const std::string& path) {
  if (static_cast<int64_t>(tok.vocab_size()) > model_vocab)
    throw Error(path + ": the tokenizer has token ids up to " + std::to_string(tok.vocab_size() - 1) +
                " but the model's vocabulary (config.json vocab_size) is " + std::to_string(model_vocab) +
                " tokens: a tokenizer of another model?");
}

}  // namespace dseek
