// A constraint that switches on in the middle of free text: tool_choice "auto" with strict
// tools leaves the model free to answer or to call, and constrains the call block only once
// the model has opened one (the parser's OPENER). Deciding earlier would need a grammar of
// "any text, or text then a block", whose free-text part cannot tell the block's first
// bytes from ordinary newlines; waiting for the opener keeps the answer untouched.
#pragma once
#include <memory>
#include <string>

#include "engine/token_constraint.h"
#include "grammar/grammar.h"
#include "grammar/token_trie.h"

namespace dseek::structured {

// Nothing masked (the end ids allowed) until `trigger`'s bytes have been sampled, and only
// from the token after `start` on when start >= 0 (thinking mode: `</think>`, since a block
// in the reasoning is not a call); then the output follows `grammar`, which starts with
// `trigger`: its matcher reads the text from the trigger's first byte through the end of
// the token that completed it, and masks from the next token on as grammar_constraint does
// (done() once the grammar is complete and an end id came, or at once when that token's
// rest is refused). An added token (no bytes in `trie`) breaks a trigger in progress.
ConstraintFactory after_text(std::shared_ptr<const grammar::Grammar> grammar, std::shared_ptr<const grammar::TokenTrie> trie,
                             std::string trigger, int32_t start = -1);

}  // namespace dseek::structured
