// dseek::structured — structured output wired into generation: a compiled grammar
// (src/grammar) as the engine's TokenConstraint (src/engine/token_constraint.h), and the
// OpenAI `response_format` / CLI switches that ask for one. The only layer that knows both
// the engine and the grammar; front ends (server, CLI) call it.
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/token_constraint.h"
#include "grammar/grammar.h"
#include "grammar/token_trie.h"

namespace dseek {
class Tokenizer;
}

namespace dseek::structured {

// Constraints that make the output a value of `grammar` (in its canonical JSON spelling,
// src/grammar/README.md): each sequence gets its own grammar::Matcher over `trie` (shared, as
// are its per-state token masks' inputs); the end ids are allowed only where the value is
// complete: once nothing can extend the value they are all that is left, so the next token
// ends the turn as the format does (EOS). done() after that end id; with no end ids
// (ignore_eos), as soon as nothing can extend the value. `prefix`: bytes of the output that
// are already written (e.g. a forced start in the prompt), read by each matcher before the
// first token; bytes the grammar refuses leave the constraint done() at once.
ConstraintFactory grammar_constraint(std::shared_ptr<const grammar::Grammar> grammar,
                                     std::shared_ptr<const grammar::TokenTrie> trie, std::string prefix = {});

// The grammar an OpenAI `response_format` asks for: {"type": "json_schema", "json_schema":
// {"name", "schema", "strict"}} compiles `schema` (absent: any JSON value) with
// Options::strict = `strict` (default false, as OpenAI: unsupported keywords are then skipped
// and listed in Grammar::ignored()); {"type": "json_object"}: any JSON object; {"type":
// "text"} or null: nullptr (unconstrained). Throws grammar::SchemaError for a schema that
// cannot be compiled (the message names the keyword and its JSON pointer) and dseek::Error
// for a response_format of the wrong shape (the message names the field).
std::shared_ptr<const grammar::Grammar> response_format_grammar(const nlohmann::ordered_json& response_format);

// The id of the token that ends the reasoning in thinking mode (`</think>`), -1 when the
// vocabulary has none: the constraint starts after it (engine after_token()).
int32_t think_end_token(const Tokenizer& tok);

}  // namespace dseek::structured
