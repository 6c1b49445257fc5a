// Tokenizer::load: reads tokenizer.json and builds the tables, rejecting every setting the
// encoder does not implement so that a loaded tokenizer never silently diverges from HF.
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "runtime/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/tokenizer_json.h"

namespace dseek {
namespace {

using nlohmann::json;

// Bounds id-indexed tables; real vocabularies are far below this.
constexpr int64_t kMaxId = (1 << 24) - 1;

class Loader {
 public:
  explicit Loader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& why) const {
    throw Error("tokenizer " + path_ + ": " + field + ": " + why);
  }

  std::shared_ptr<Tokenizer::Impl> run();

 private:
  void read_json();
  const json& need(const json& obj, const char* key, const std::string& field) const;
  bool flag(const json& obj, const char* key, const std::string& field, bool dflt) const;
  int32_t id_of(const json& v, const std::string& field) const;
  void check_normalizer(const json& root) const;
  void load_vocab(const json& model);
  void load_merges(const json& model);
  void load_model(const json& root);
  void load_added(const json& root);
  void load_pre_tokenizer(const json& root);
  void check_decoder(const json& root) const;
  void grow(int32_t id);

  std::string path_;
  TokenizerJson doc_;
  Tokenizer::Impl* t_ = nullptr;
};

void Loader::read_json() {
  std::error_code ec;
  if (std::filesystem::is_directory(path_, ec)) fail("file", "is a directory");
  std::ifstream in(path_, std::ios::binary);
  if (!in) fail("file", "cannot open");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) fail("file", "read error");
  try {
    doc_ = parse_tokenizer_json(buf.view());
  } catch (const std::invalid_argument& e) {
    fail("file", std::string("invalid JSON: ") + e.what());
  }
}

const json& Loader::need(const json& obj, const char* key, const std::string& field) const {
  auto it = obj.find(key);
  if (it == obj.end()) fail(field, "missing");
  return *it;
}

bool Loader::flag(const json& obj, const char* key, const std::string& field, bool dflt) const {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return dflt;
  if (!it->is_boolean()) fail(field, "must be true or false");
  return it->get<bool>();
}

int32_t Loader::id_of(const json& v, const std::string& field) const {
  if (!v.is_number_integer()) fail(field, "id must be an integer");
  const auto id = v.get<int64_t>();
  if (id < 0 || id > kMaxId) fail(field, "id " + std::to_string(id) + " out of range");
  return static_cast<int32_t>(id);
}

// A regex matching `text` literally: every ASCII punctuation byte is escaped (a literal in
// both Oniguruma and PCRE2); letters, digits and non-ASCII bytes stand for themselves.
std::string literal_pattern(const std::string& text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && !std::isalnum(u)) out += '\\';
    out += c;
  }
  return out;
}

void Loader::grow(int32_t id) {
  if (static_cast<size_t>(id) >= t_->kind.size()) {
    t_->kind.resize(id + 1, Tokenizer::Impl::kNone);
    t_->piece.resize(id + 1);
    t_->bytes.resize(id + 1);
  }
}

void Loader::check_normalizer(const json& root) const {
  auto it = root.find("normalizer");
  if (it == root.end() || it->is_null()) return;
  // Only the no-op normalizer is supported: an empty Sequence.
  const json& n = *it;
  if (n.is_object() && n.value("type", "") == "Sequence") {
    auto list = n.find("normalizers");
    if (list != n.end() && list->is_array() && list->empty()) return;
  }
  fail("normalizer", "unsupported (only null or an empty Sequence)");
}

void Loader::load_vocab(const json& model) {
  if (!doc_.vocab) {  // collected by the parser whenever it is an object
    need(model, "vocab", "model.vocab");
    fail("model.vocab", "must be an object of piece -> id");
  }
  auto& vocab = *doc_.vocab;
  t_->vocab_ids.reserve(vocab.size());
  // Ids are normally dense, so size the tables once; run() trims unused ids at the end.
  if (!vocab.empty()) grow(static_cast<int32_t>(std::min<size_t>(vocab.size() - 1, kMaxId)));
  std::string raw;
  for (auto& [key, value] : vocab) {
    // The field name is built only on failure: this loop runs 128k times.
    const int64_t id64 = value.is_number_integer() ? value.get<int64_t>() : -1;
    const int32_t id = id64 >= 0 && id64 <= kMaxId ? static_cast<int32_t>(id64)
                                                   : id_of(value, "model.vocab[\"" + key + "\"]");
    grow(id);
    if (t_->kind[id] != Tokenizer::Impl::kNone) {
      fail("model.vocab[\"" + key + "\"]", "id " + std::to_string(id) + " used twice");
    }
    t_->kind[id] = Tokenizer::Impl::kVocab;
    // A piece outside the byte-level alphabet decodes to its own UTF-8, as in HF's decoder.
    const bool in_alphabet = byte_level::piece_to_bytes(key, raw);
    t_->bytes[id] = in_alphabet ? raw : key;
    if (in_alphabet && raw.size() == 1) t_->bpe.set_byte_id(static_cast<unsigned char>(raw[0]), id);
    t_->vocab_ids.emplace(key, id);
    t_->piece[id] = std::move(key);
  }
  doc_.vocab.reset();  // free the parsed entries early
  for (int b = 0; b < 256; ++b) {
    if (t_->bpe.byte_id(static_cast<unsigned char>(b)) < 0) {
      fail("model.vocab", "no piece for byte " + std::to_string(b) +
                              " (not a complete byte-level vocabulary)");
    }
  }
}

void Loader::load_merges(const json& model) {
  if (!doc_.merges) {  // collected by the parser whenever it is an array
    need(model, "merges", "model.merges");
    fail("model.merges", "must be an array");
  }
  const auto& merges = *doc_.merges;
  t_->bpe.reserve(merges.size());
  std::string joined;
  int32_t rank = 0;
  for (const json& m : merges) {
    // Built only on failure: this loop runs 127k times.
    auto field = [rank] { return "model.merges[" + std::to_string(rank) + "]"; };
    std::string_view left, right;
    if (m.is_string()) {
      // "a b": exactly one space, as HF requires (byte-level pieces never contain one).
      const std::string& s = m.get_ref<const std::string&>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) {
        fail(field(), "must be \"left right\" with exactly one space");
      }
      left = std::string_view(s).substr(0, sp);
      right = std::string_view(s).substr(sp + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      left = m[0].get_ref<const std::string&>();
      right = m[1].get_ref<const std::string&>();
    } else {
      fail(field(), "must be a \"left right\" string or a [left, right] pair of strings");
    }
    auto l = t_->vocab_ids.find(left);
    auto r = t_->vocab_ids.find(right);
    if (l == t_->vocab_ids.end()) fail(field(), "\"" + std::string(left) + "\" is not in model.vocab");
    if (r == t_->vocab_ids.end()) fail(field(), "\"" + std::string(right) + "\" is not in model.vocab");
    joined.assign(left);
    joined.append(right);
    auto merged = t_->vocab_ids.find(joined);
    if (merged == t_->vocab_ids.end()) fail(field(), "merged piece \"" + joined + "\" is not in model.vocab");
    t_->bpe.add_merge(l->second, r->second, merged->second, rank);
    ++rank;
  }
  doc_.merges.reset();
}

void Loader::load_model(const json& root) {
  const json& model = need(root, "model", "model");
  if (!model.is_object()) fail("model", "must be an object");
  if (auto it = model.find("type"); it != model.end() && *it != "BPE") {
    fail("model.type", "unsupported (only BPE)");
  }
  if (auto it = model.find("dropout"); it != model.end() && !it->is_null()) {
    fail("model.dropout", "unsupported (must be null)");
  }
  if (flag(model, "byte_fallback", "model.byte_fallback", false)) {
    fail("model.byte_fallback", "unsupported (must be false)");
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    auto it = model.find(key);
    if (it != model.end() && !it->is_null() && *it != "") {
      fail(std::string("model.") + key, "unsupported (must be null)");
    }
  }
  t_->ignore_merges = flag(model, "ignore_merges", "model.ignore_merges", false);
  load_vocab(model);
  load_merges(model);
}

void Loader::load_added(const json& root) {
  auto it = root.find("added_tokens");
  if (it == root.end() || it->is_null()) return;
  if (!it->is_array()) fail("added_tokens", "must be an array");
  size_t i = 0;
  for (const json& tok : *it) {
    const std::string field = "added_tokens[" + std::to_string(i++) + "]";
    if (!tok.is_object()) fail(field, "must be an object");
    const int32_t id = id_of(need(tok, "id", field + ".id"), field + ".id");
    const json& content = need(tok, "content", field + ".content");
    if (!content.is_string() || content.get_ref<const std::string&>().empty()) {
      fail(field + ".content", "must be a non-empty string");
    }
    const std::string& text = content.get_ref<const std::string&>();
    for (const char* key : {"lstrip", "rstrip", "single_word"}) {
      if (flag(tok, key, field + "." + key, false)) fail(field + "." + key, "unsupported (must be false)");
    }
    const bool special = flag(tok, "special", field + ".special", false);
    const bool normalized = flag(tok, "normalized", field + ".normalized", !special);
    grow(id);
    if (t_->kind[id] >= Tokenizer::Impl::kAdded) fail(field + ".id", "id " + std::to_string(id) + " used twice");
    // An added token may share its id with a vocab piece (BOS/EOS/PAD here); the added
    // content wins for decoding and the piece stays findable by token_to_id.
    t_->kind[id] = special ? Tokenizer::Impl::kSpecial : Tokenizer::Impl::kAdded;
    t_->piece[id] = text;
    t_->added_ids[text] = id;
    t_->added.add(text, id, normalized);
  }
}

void Loader::load_pre_tokenizer(const json& root) {
  const json& pre = need(root, "pre_tokenizer", "pre_tokenizer");
  if (!pre.is_object()) fail("pre_tokenizer", "must be an object (byte-level BPE needs ByteLevel)");
  std::vector<const json*> steps;
  const bool sequence = pre.value("type", "") == "Sequence";
  if (sequence) {
    const json& list = need(pre, "pretokenizers", "pre_tokenizer.pretokenizers");
    if (!list.is_array()) fail("pre_tokenizer.pretokenizers", "must be an array");
    for (const json& s : list) steps.push_back(&s);
  } else {
    steps.push_back(&pre);
  }
  bool byte_level = false;
  for (size_t i = 0; i < steps.size(); ++i) {
    const json& s = *steps[i];
    const std::string field =
        sequence ? "pre_tokenizer.pretokenizers[" + std::to_string(i) + "]" : "pre_tokenizer";
    if (!s.is_object()) fail(field, "must be an object");
    const std::string type = s.value("type", "");
    if (byte_level) fail(field, "steps after ByteLevel are unsupported");
    if (type == "ByteLevel") {
      // HF defaults both to true; only the explicit false/false form is implemented.
      if (flag(s, "add_prefix_space", field + ".add_prefix_space", true)) {
        fail(field + ".add_prefix_space", "unsupported (must be false)");
      }
      if (flag(s, "use_regex", field + ".use_regex", true)) {
        fail(field + ".use_regex", "unsupported (must be false; put the regex in a Split)");
      }
      byte_level = true;
    } else if (type == "Split") {
      if (s.value("behavior", "") != "Isolated") fail(field + ".behavior", "unsupported (only Isolated)");
      if (flag(s, "invert", field + ".invert", false)) fail(field + ".invert", "unsupported (must be false)");
      const json& pattern = need(s, "pattern", field + ".pattern");
      std::string onig;
      try {
        if (pattern.is_object() && pattern.contains("Regex") && pattern["Regex"].is_string()) {
          onig = pattern["Regex"].get<std::string>();
        } else if (pattern.is_object() && pattern.contains("String") && pattern["String"].is_string()) {
          onig = literal_pattern(pattern["String"].get<std::string>());
        } else {
          fail(field + ".pattern", "must be {\"Regex\": string} or {\"String\": string}");
        }
        t_->pre.add_split(onig);
      } catch (const std::invalid_argument& e) {
        fail(field + ".pattern", e.what());
      }
    } else {
      fail(field + ".type", "unsupported pre-tokenizer \"" + type + "\"");
    }
  }
  if (!byte_level) fail("pre_tokenizer", "no ByteLevel step (required for byte-level BPE)");
}

void Loader::check_decoder(const json& root) const {
  const json& dec = need(root, "decoder", "decoder");
  if (!dec.is_object() || dec.value("type", "") != "ByteLevel") {
    fail("decoder", "unsupported (only ByteLevel)");
  }
}

std::shared_ptr<Tokenizer::Impl> Loader::run() {
  read_json();
  const json& root = doc_.rest;
  if (!root.is_object()) fail("file", "top level must be a JSON object");
  auto impl = std::make_shared<Tokenizer::Impl>();
  t_ = impl.get();
  check_normalizer(root);
  load_model(root);
  load_added(root);
  load_pre_tokenizer(root);
  check_decoder(root);
  while (!impl->kind.empty() && impl->kind.back() == Tokenizer::Impl::kNone) {
    impl->kind.pop_back();
    impl->piece.pop_back();
    impl->bytes.pop_back();
  }
  return impl;
}

}  // namespace

Tokenizer Tokenizer::load(const std::string& path) {
  try {
    return Tokenizer(Loader(path).run());
  } catch (const json::exception& e) {
    // A value of the wrong JSON type slipped past the checks above.
    throw Error("tokenizer " + path + ": malformed field: " + e.what());
  }
}

}  // namespace dseek
