#include "server/state.h"

#include <algorithm>
#include <mutex>
#include <random>

namespace dseek::server {

std::string new_id(const std::string& prefix) {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard<std::mutex> l(mu);
  static const char* hex = "0123456789abcdef";
  std::string s = prefix;
  for (int i = 0; i < 24; ++i) s += hex[rng() & 15];
  return s;
}

const std::string& ServerState::model_for(const std::string& requested) const {
  auto it = std::find(model_names.begin(), model_names.end(), requested);
  return it != model_names.end() ? *it : model_id;
}

std::shared_ptr<const grammar::TokenTrie> ServerState::token_trie() const {
  // The mask covers the model's logits and every tokenizer id (a GGUF may pad either side).
  std::call_once(trie_once_, [this] {
    trie_ = grammar::TokenTrie::from_tokenizer(tok(), std::max<size_t>(tok().vocab_size(), engine->lm().info().vocab_size));
  });
  return trie_;
}

}  // namespace dseek::server
