#include "tokenizer/tokenizer_json.h"

#include <stdexcept>

namespace dseek {
namespace {

using nlohmann::json;

// Builds the DOM like nlohmann's own SAX-to-DOM parser, except that the containers at
// root.model.vocab and root.model.merges are redirected into TokenizerJson's vectors.
class Builder : public nlohmann::json_sax<json> {
 public:
  explicit Builder(TokenizerJson& out) : out_(out) {}

  bool null() override { return add(json(nullptr)); }
  bool boolean(bool v) override { return add(json(v)); }
  bool number_integer(number_integer_t v) override { return add(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return add(json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return add(json(v)); }
  bool string(string_t& v) override { return add(json(std::move(v))); }
  bool binary(binary_t& v) override { return add(json::binary(std::move(v))); }

  bool key(string_t& k) override {
    stack_.back().key = std::move(k);
    return true;
  }

  bool start_object(std::size_t) override {
    if (at_model_member("vocab")) {
      out_.vocab.emplace();
      out_.vocab->reserve(1 << 17);
      stack_.push_back(Frame{nullptr, Frame::kVocab, {}});
    } else {
      stack_.push_back(Frame{add_slot(json::object()), Frame::kJson, {}});
    }
    return true;
  }

  bool start_array(std::size_t) override {
    if (at_model_member("merges")) {
      out_.merges.emplace();
      out_.merges->reserve(1 << 17);
      stack_.push_back(Frame{nullptr, Frame::kMerges, {}});
    } else {
      stack_.push_back(Frame{add_slot(json::array()), Frame::kJson, {}});
    }
    return true;
  }

  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    error_ = e.what();
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  struct Frame {
    json* value;  // the container being filled (kJson only)
    enum Kind { kJson, kVocab, kMerges } kind;
    std::string key;  // the last key read, for objects
  };

  // True when the container about to open is root.model.<member>.
  bool at_model_member(const char* member) const {
    return stack_.size() == 2 && stack_[0].key == "model" && stack_[1].kind == Frame::kJson &&
           stack_[1].value->is_object() && stack_[1].key == member;
  }

  // Stores `v` where the current position says and returns its address. The address stays
  // valid while `v` is the open container: nothing else is added to its parent meanwhile.
  json* add_slot(json&& v) {
    if (stack_.empty()) {
      out_.rest = std::move(v);
      return &out_.rest;
    }
    Frame& top = stack_.back();
    switch (top.kind) {
      case Frame::kVocab:
        out_.vocab->emplace_back(std::move(top.key), std::move(v));
        return &out_.vocab->back().second;
      case Frame::kMerges:
        out_.merges->push_back(std::move(v));
        return &out_.merges->back();
      case Frame::kJson:
        break;
    }
    if (top.value->is_array()) {
      top.value->push_back(std::move(v));
      return &top.value->back();
    }
    json& slot = (*top.value)[top.key];
    slot = std::move(v);
    return &slot;
  }

  bool add(json&& v) {
    add_slot(std::move(v));
    return true;
  }

  TokenizerJson& out_;
  std::vector<Frame> stack_;
  std::string error_;
};

}  // namespace

TokenizerJson parse_tokenizer_json(std::string_view text) {
  TokenizerJson out;
  Builder builder(out);
  if (!json::sax_parse(text, &builder)) throw std::invalid_argument(builder.error());
  return out;
}

}  // namespace dseek
