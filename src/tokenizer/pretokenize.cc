#include "tokenizer/pretokenize.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdexcept>

#include "runtime/error.h"
#include "tokenizer/regex_translate.h"
#include "tokenizer/unicode_additions.h"

namespace dseek {
namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buf[256];
  if (pcre2_get_error_message(code, buf, sizeof buf) < 0) return "PCRE2 error " + std::to_string(code);
  return reinterpret_cast<const char*>(buf);
}

// One ovector pair is all we read; a per-thread block keeps find() allocation-free and safe
// to call concurrently on a shared Regex.
pcre2_match_data* thread_match_data() {
  struct Holder {
    pcre2_match_data* md = pcre2_match_data_create(1, nullptr);
    ~Holder() { pcre2_match_data_free(md); }
  };
  thread_local Holder h;
  return h.md;
}

// The split patterns backtrack at most linearly in the length of a run (e.g. \s*[\r\n]+ over
// a long run of spaces), so PCRE2's default limit of 10M steps would reject inputs of a few
// megabytes that are merely large. Read-only once built, so threads may share it.
pcre2_match_context* match_context() {
  static pcre2_match_context* ctx = [] {
    pcre2_match_context* c = pcre2_match_context_create(nullptr);
    pcre2_set_match_limit(c, 0xFFFFFFFFu);
    return c;
  }();
  return ctx;
}

}  // namespace

void Regex::Free::operator()(void* code) const { pcre2_code_free(static_cast<pcre2_code*>(code)); }

Regex::Regex(const std::string& pattern) {
  int err = 0;
  PCRE2_SIZE off = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP, &err, &off, nullptr);
  if (code == nullptr) {
    throw std::invalid_argument("regex does not compile: " + pcre2_message(err) + " at offset " +
                                std::to_string(off));
  }
  code_.reset(code);
  // JIT is an optimisation only; if the platform lacks it the interpreter gives the same result.
  (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
}

bool Regex::find(std::string_view subject, size_t start, Span& match) const {
  pcre2_match_data* md = thread_match_data();
  // The caller validated the whole text once, so skip PCRE2's per-call UTF check.
  const int rc = pcre2_match(static_cast<const pcre2_code*>(code_.get()),
                             reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), start,
                             PCRE2_NO_UTF_CHECK, md, match_context());
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) throw Error("tokenizer: pre-tokenizer regex failed: " + pcre2_message(rc));
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
  match = Span{ov[0], ov[1]};
  return true;
}

void PreTokenizer::add_split(std::string_view onig_pattern) {
  const std::string plain = onig_to_pcre2(onig_pattern, false);
  const std::string extended = onig_to_pcre2(onig_pattern, true);
  Step step{Regex(plain), std::nullopt};
  if (extended != plain) step.extended.emplace(extended);
  steps_.push_back(std::move(step));
}

void PreTokenizer::run(std::string_view text, std::vector<Span>& out) const {
  out.clear();
  if (text.empty()) return;
  out.push_back(Span{0, text.size()});
  // The long class lists for Unicode 15-16 characters cost time on every non-matching
  // character, so they are used only for text that contains such a character.
  const bool newer = has_unicode_additions(text);
  std::vector<Span> next;
  for (const Step& step : steps_) {
    const Regex& re = newer && step.extended ? *step.extended : step.plain;
    next.clear();
    for (const Span& piece : out) {
      // Each piece is matched as a subject of its own, as Hugging Face does.
      const std::string_view sub = text.substr(piece.begin, piece.end - piece.begin);
      size_t last = 0;  // end of the last piece emitted
      size_t pos = 0;   // where the next search starts
      Span m{};
      while (pos < sub.size() && re.find(sub, pos, m)) {
        if (m.end == m.begin) {
          // An empty match isolates nothing; step one character to make progress.
          pos = m.end + 1;
          while (pos < sub.size() && (static_cast<unsigned char>(sub[pos]) & 0xC0) == 0x80) ++pos;
          continue;
        }
        if (m.begin > last) next.push_back(Span{piece.begin + last, piece.begin + m.begin});
        next.push_back(Span{piece.begin + m.begin, piece.begin + m.end});
        last = pos = m.end;
      }
      if (last < sub.size()) next.push_back(Span{piece.begin + last, piece.end});
    }
    out.swap(next);
  }
}

}  // namespace dseek
