// Pre-tokenization: the text is cut into pre-tokens by a sequence of regex splits (Hugging
// Face "Split" with behavior "Isolated"); BPE then runs on each pre-token separately.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dseek {

// A byte range [begin, end) of the text being encoded.
struct Span {
  size_t begin;
  size_t end;
};

// One compiled PCRE2 pattern (UTF + UCP, JIT when the platform has it).
class Regex {
 public:
  // Compiles `pcre2_pattern`. Throws std::invalid_argument carrying PCRE2's message and the
  // error offset when the pattern does not compile.
  explicit Regex(const std::string& pcre2_pattern);

  // Finds the first match in `subject` at or after byte `start`; returns false when there is
  // none. `subject` must be valid UTF-8 and `start` a character boundary. The subject's end is
  // a hard end: lookaheads cannot see past it. Throws dseek::Error on a matcher failure
  // (e.g. resource limits).
  bool find(std::string_view subject, size_t start, Span& match) const;

 private:
  struct Free {
    void operator()(void* code) const;
  };
  std::unique_ptr<void, Free> code_;  // pcre2_code_8*
};

// An ordered list of "Isolated" regex splits.
class PreTokenizer {
 public:
  // Appends a split step given as an Oniguruma pattern (translated by onig_to_pcre2). Throws
  // std::invalid_argument when it cannot be translated or compiled.
  void add_split(std::string_view onig_pattern);

  // Number of split steps added.
  size_t steps() const { return steps_.size(); }

  // Cuts `text` (valid UTF-8) into pre-tokens written to `out` (cleared first), in order and
  // covering all of `text`. Each step splits every current piece on its own: matches and the
  // gaps between them all become pieces; empty pieces are dropped.
  void run(std::string_view text, std::vector<Span>& out) const;

 private:
  struct Step {
    Regex plain;                    // PCRE2's own Unicode tables
    std::optional<Regex> extended;  // with the Unicode 15-16 additions, when they change it
  };
  std::vector<Step> steps_;
};

}  // namespace dseek
