#include "grammar/format_rules.h"

#include <algorithm>
#include <bitset>
#include <cctype>
#include <string>

namespace dseek::grammar {

namespace {

class Formats {
 public:
  explicit Formats(Builder& b) : b_(b) {}

  // Two-digit numbers lo..hi ("00".."99"), grouped by their tens digit.
  uint32_t two_digits(int lo, int hi) {
    std::vector<Seq> alts;
    for (int t = lo / 10; t <= hi / 10; ++t) {
      const int a = std::max(lo - 10 * t, 0), z = std::min(hi - 10 * t, 9);
      alts.push_back({b_.byte(static_cast<uint8_t>('0' + t)), b_.range(static_cast<uint8_t>('0' + a), static_cast<uint8_t>('0' + z))});
    }
    return b_.rule(std::move(alts));
  }

  uint32_t date() {
    const Elem d = b_.range('0', '9');
    // Each day range built once, shared by the months that have it.
    const Elem d31 = Builder::ref(two_digits(1, 31)), d30 = Builder::ref(two_digits(1, 30)), d28 = Builder::ref(two_digits(1, 28));
    std::vector<Seq> md;
    for (const char* m : {"01", "03", "05", "07", "08", "10", "12"}) md.push_back(month_day(m, d31));
    for (const char* m : {"04", "06", "09", "11"}) md.push_back(month_day(m, d30));
    md.push_back(month_day("02", d28));
    return b_.rule({{d, d, d, d, b_.byte('-'), Builder::ref(b_.rule(std::move(md)))}});
  }

  uint32_t time() {
    const Elem d = b_.range('0', '9');
    const Elem hh = Builder::ref(two_digits(0, 23)), mm = Builder::ref(two_digits(0, 59));
    std::vector<Seq> frac;  // "." and 1..9 digits
    for (int n = 1; n <= 9; ++n) {
      Seq s{b_.byte('.')};
      s.insert(s.end(), n, d);
      frac.push_back(std::move(s));
    }
    const Elem fraction = Builder::ref(b_.rule(std::move(frac)));
    std::bitset<256> sign;
    sign.set('+');
    sign.set('-');
    const Elem offset = Builder::ref(b_.rule({b_.lit("Z"), {b_.set(sign), hh, b_.byte(':'), mm}}));
    const Seq hms{hh, b_.byte(':'), mm, b_.byte(':'), mm};
    Seq plain = hms, fractional = hms;
    plain.push_back(offset);
    fractional.push_back(fraction);
    fractional.push_back(offset);
    return b_.rule({plain, fractional});
  }

  uint32_t uuid() {
    std::bitset<256> hex;
    for (int c = '0'; c <= '9'; ++c) hex.set(c);
    for (int c = 'a'; c <= 'f'; ++c) hex.set(c);
    const Elem h = b_.set(hex);
    Seq s;
    for (int group : {8, 4, 4, 4, 12}) {
      if (!s.empty()) s.push_back(b_.byte('-'));
      s.insert(s.end(), group, h);
    }
    return b_.rule({s});
  }

  uint32_t email() {
    std::bitset<256> atext, alnum;
    for (int c = 0; c < 128; ++c)
      if (std::isalnum(c)) atext.set(c), alnum.set(c);
    for (char c : std::string("!#$%&'*+/=?^_`{|}~-")) atext.set(static_cast<uint8_t>(c));
    const uint32_t atom = plus(b_.set(atext));
    const uint32_t local = separated(atom);  // atom ("." atom)*
    const uint32_t alnums = plus(b_.set(alnum));
    // label: alnum+ ("-"+ alnum+)*: no hyphen first or last
    const uint32_t hyphens = plus(b_.byte('-'));
    const uint32_t label = b_.new_rule();
    b_.add_alt(label, {Builder::ref(alnums)});
    b_.add_alt(label, {Builder::ref(alnums), Builder::ref(hyphens), Builder::ref(label)});
    // domain: label ("." label)+
    const uint32_t domain = b_.rule({{Builder::ref(label), b_.byte('.'), Builder::ref(separated(label))}});
    return b_.rule({{Builder::ref(local), b_.byte('@'), Builder::ref(domain)}});
  }

 private:
  Seq month_day(const char* month, Elem days) {
    Seq s = b_.lit(month);
    s.push_back(b_.byte('-'));
    s.push_back(days);
    return s;
  }
  // e+ (right-recursive).
  uint32_t plus(Elem e) {
    const uint32_t r = b_.new_rule();
    b_.add_alt(r, {e});
    b_.add_alt(r, {e, Builder::ref(r)});
    return r;
  }
  // x ("." x)*
  uint32_t separated(uint32_t x) {
    const uint32_t r = b_.new_rule();
    b_.add_alt(r, {Builder::ref(x)});
    b_.add_alt(r, {Builder::ref(x), b_.byte('.'), Builder::ref(r)});
    return r;
  }

  Builder& b_;
};

}  // namespace

std::optional<uint32_t> format_string(Builder& b, std::string_view format) {
  Formats f(b);
  uint32_t body;
  if (format == "date") {
    body = f.date();
  } else if (format == "time") {
    body = f.time();
  } else if (format == "date-time") {
    body = b.rule({{Builder::ref(f.date()), b.byte('T'), Builder::ref(f.time())}});
  } else if (format == "uuid") {
    body = f.uuid();
  } else if (format == "email") {
    body = f.email();
  } else {
    return std::nullopt;
  }
  return b.rule({{b.byte('"'), Builder::ref(body), b.byte('"')}});
}

}  // namespace dseek::grammar
