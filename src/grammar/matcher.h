// dseek::grammar::Matcher — one constrained generation: which tokens may come next (a bitmask
// over the vocabulary), advanced token by token. The mask of an automaton state is computed by
// one scan of the TokenTrie (each trie node visited at most once, dead subtrees skipped) and
// cached per state, so repeated structure (every string character, every array item) costs a
// lookup.
//
// Not thread-safe; one Matcher per sequence. Grammar and TokenTrie are shared.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "grammar/automaton.h"
#include "grammar/grammar.h"
#include "grammar/token_trie.h"

namespace dseek::grammar {

class Matcher {
 public:
  // `eos`: the ids that end the output (allowed only where the grammar accepts).
  Matcher(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenTrie> trie, std::vector<int32_t> eos);

  // The tokens that may come next: bit t % 64 of word t / 64 set when token t is allowed
  // (trie->vocab_size() bits, in (vocab_size + 63) / 64 words). All zero once finished().
  // The reference stays valid until the next call on this Matcher. Throws SchemaError when
  // the automaton outgrows its limits (grammar.h Limits).
  const std::vector<uint64_t>& allowed();

  // Advances by `token`. Returns false, leaving the state unchanged, when the token is not
  // allowed (an id out of range, bytes the grammar refuses, EOS before the value is complete).
  bool accept(int32_t token);
  // Advances by raw bytes (all or nothing); false if any is refused.
  bool accept_bytes(std::string_view bytes);

  // True when the output may end here (EOS is allowed).
  bool is_accepting() const { return !finished_ && automaton_.accepting(state_); }
  // True once EOS was accepted.
  bool finished() const { return finished_; }
  // True when the output is complete and nothing can extend it: accepting and no byte allowed
  // next (e.g. after the closing brace of the top-level object). A caller may end there.
  bool at_end();
  // The bytes every continuation must start with (up to `max`), stopping where there is a
  // choice or the output may end: what a caller may emit without sampling.
  std::string forced_bytes(size_t max = 256);

  // True when `token` is allowed now (without computing the whole mask).
  bool allows(int32_t token);

  int32_t state() const { return state_; }
  const TokenTrie& trie() const { return *trie_; }

 private:
  void compute_mask(std::vector<uint64_t>& mask);

  Automaton automaton_;
  std::shared_ptr<const TokenTrie> trie_;
  std::vector<int32_t> eos_;
  int32_t state_;
  bool finished_ = false;
  std::unordered_map<int32_t, std::vector<uint64_t>> masks_;  // state -> mask (without EOS bits)
  std::vector<uint64_t> out_;
  std::vector<int32_t> walk_;  // automaton state per trie depth during a scan
  uint8_t cls_[256];
};

}  // namespace dseek::grammar
