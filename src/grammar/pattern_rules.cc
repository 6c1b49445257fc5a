#include "grammar/pattern_rules.h"

#include <algorithm>
#include <bitset>
#include <string>
#include <utility>
#include <vector>

namespace dseek::grammar {

namespace {

constexpr uint32_t kMaxCp = 0x10FFFF;
constexpr int kInf = -1;

// A set of code points as sorted, disjoint, non-adjacent inclusive ranges.
struct CpSet {
  std::vector<std::pair<uint32_t, uint32_t>> r;

  void add(uint32_t lo, uint32_t hi) { r.emplace_back(lo, hi); }
  void add(const CpSet& o) { r.insert(r.end(), o.r.begin(), o.r.end()); }
  void normalize() {
    std::sort(r.begin(), r.end());
    std::vector<std::pair<uint32_t, uint32_t>> m;
    for (auto [lo, hi] : r) {
      if (!m.empty() && lo <= m.back().second + 1) m.back().second = std::max(m.back().second, hi);
      else m.emplace_back(lo, hi);
    }
    r = std::move(m);
  }
  CpSet complement() const {  // over all code points; r must be normalized
    CpSet c;
    uint32_t next = 0;
    for (auto [lo, hi] : r) {
      if (lo > next) c.add(next, lo - 1);
      next = hi + 1;
    }
    if (next <= kMaxCp) c.add(next, kMaxCp);
    return c;
  }
};

CpSet digits() { CpSet s; s.add('0', '9'); return s; }
CpSet word() { CpSet s; s.add('0', '9'); s.add('A', 'Z'); s.add('_', '_'); s.add('a', 'z'); s.normalize(); return s; }
CpSet space() {  // ECMA-262 WhiteSpace and LineTerminator
  CpSet s;
  for (auto [lo, hi] : {std::pair<uint32_t, uint32_t>{9, 13}, {0x20, 0x20}, {0xA0, 0xA0}, {0x1680, 0x1680}, {0x2000, 0x200A},
                        {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}})
    s.add(lo, hi);
  s.normalize();
  return s;
}

struct Node {
  enum Kind { kSet, kCat, kAlt, kRep, kStart, kEnd } kind;
  CpSet set;
  std::vector<Node> kids;
  int min = 0, max = 0;  // kRep; max kInf: unbounded
};

bool nullable(const Node& n) {
  switch (n.kind) {
    case Node::kSet: return false;
    case Node::kCat: return std::all_of(n.kids.begin(), n.kids.end(), nullable);
    case Node::kAlt: return std::any_of(n.kids.begin(), n.kids.end(), nullable);
    case Node::kRep: return n.min == 0 || nullable(n.kids[0]);
    default: return true;
  }
}

// Recursive descent over the pattern's code points.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {
    for (size_t i = 0; i < text.size();) {
      const auto c = static_cast<uint8_t>(text[i]);
      const size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      if (i + n > text.size()) fail("invalid UTF-8");
      uint32_t cp = n == 1 ? c : c & (0x3Fu >> (n - 1));
      for (size_t k = 1; k < n; ++k) cp = cp << 6 | (static_cast<uint8_t>(text[i + k]) & 0x3F);
      cps_.push_back(cp);
      i += n;
    }
  }

  Node parse() {
    Node top = alternation(0);
    if (pos_ < cps_.size()) fail("unmatched ')'");
    return top;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw PatternError(what + " in 'pattern' \"" + std::string(text_) + "\" (at " + std::to_string(pos_) + ")");
  }
  [[noreturn]] void unsupported(const std::string& what) const { fail("unsupported " + what); }
  bool more() const { return pos_ < cps_.size(); }
  uint32_t peek(size_t ahead = 0) const { return pos_ + ahead < cps_.size() ? cps_[pos_ + ahead] : 0xFFFFFFFF; }
  bool eat(uint32_t c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  Node alternation(int depth) {
    if (depth > 64) fail("groups nested too deeply");
    Node alt{Node::kAlt, {}, {}};
    alt.kids.push_back(sequence(depth));
    while (eat('|')) alt.kids.push_back(sequence(depth));
    return alt;
  }

  Node sequence(int depth) {
    Node cat{Node::kCat, {}, {}};
    while (more() && peek() != '|' && peek() != ')') {
      Node atom = this->atom(depth);
      int min, max;
      while (quantifier(min, max)) {
        if (atom.kind == Node::kStart || atom.kind == Node::kEnd || atom.kind == Node::kRep) fail("nothing to repeat");
        if (peek() == '?') unsupported("lazy quantifier");
        if (max == kInf && nullable(atom)) unsupported("repetition (* + {n,}) of a group that can match the empty string");
        Node rep{Node::kRep, {}, {}};
        rep.min = min;
        rep.max = max;
        rep.kids.push_back(std::move(atom));
        atom = std::move(rep);
      }
      cat.kids.push_back(std::move(atom));
    }
    return cat;
  }

  // Reads a quantifier if one comes next.
  bool quantifier(int& min, int& max) {
    if (eat('*')) return min = 0, max = kInf, true;
    if (eat('+')) return min = 1, max = kInf, true;
    if (eat('?')) return min = 0, max = 1, true;
    if (peek() != '{') return false;
    ++pos_;
    min = number();
    max = min;
    if (eat(',')) max = peek() == '}' ? kInf : number();
    if (!eat('}')) fail("'{' that is not a quantifier {n}, {n,} or {n,m}");
    if (max != kInf && max < min) fail("quantifier {n,m} with n > m");
    return true;
  }

  int number() {
    if (peek() < '0' || peek() > '9') fail("'{' that is not a quantifier {n}, {n,} or {n,m}");
    uint64_t n = 0;
    while (peek() >= '0' && peek() <= '9') {
      n = n * 10 + (cps_[pos_++] - '0');
      if (n > kMaxPatternRepeat) unsupported("repetition count over " + std::to_string(kMaxPatternRepeat));
    }
    return static_cast<int>(n);
  }

  Node atom(int depth) {
    const uint32_t c = cps_[pos_++];
    switch (c) {
      case '(': return group(depth);
      case '[': return set_node(char_class());
      case '.': {
        CpSet lt;
        for (uint32_t t : {0x0Au, 0x0Du, 0x2028u, 0x2029u}) lt.add(t, t);
        lt.normalize();
        return set_node(lt.complement());
      }
      case '^': return Node{Node::kStart, {}, {}};
      case '$': return Node{Node::kEnd, {}, {}};
      case '*': case '+': case '?': --pos_; fail("nothing to repeat");
      case '{': --pos_; fail("'{' that is not a quantifier (escape it as \\{)");
      case '\\': return set_node(escape(false));
      default: {
        CpSet s;
        s.add(c, c);
        return set_node(s);
      }
    }
  }

  Node group(int depth) {
    if (eat('?')) {
      if (eat(':')) {
      } else if (peek() == '=' || peek() == '!') {
        unsupported("lookahead (?= (?!");
      } else if (peek() == '<' && (peek(1) == '=' || peek(1) == '!')) {
        unsupported("lookbehind (?<= (?<!");
      } else if (eat('<')) {  // named group: the name only labels it
        while (more() && peek() != '>') ++pos_;
        if (!eat('>')) fail("unterminated group name");
      } else {
        unsupported("group syntax '(?'");
      }
    }
    Node inner = alternation(depth + 1);
    if (!eat(')')) fail("missing ')'");
    return inner;
  }

  // Surrogates are never characters of a JSON string the grammar writes.
  Node set_node(const CpSet& s) const {
    Node n{Node::kSet, {}, {}};
    for (auto [lo, hi] : s.r) {
      if (lo < 0xD800) n.set.add(lo, std::min(hi, 0xD7FFu));
      if (hi > 0xDFFF) n.set.add(std::max(lo, 0xE000u), hi);
    }
    if (n.set.r.empty()) unsupported("class that matches nothing");
    return n;
  }

  // After '['.
  CpSet char_class() {
    const bool negated = eat('^');
    CpSet s;
    bool first = true;
    while (true) {
      if (!more()) fail("missing ']'");
      if (peek() == ']' && !first) break;
      if (peek() == ']') unsupported("empty class []");
      first = false;
      uint32_t lo;
      CpSet item = class_atom(lo);
      if (peek() == '-' && peek(1) != ']' && peek(1) != 0xFFFFFFFF) {
        ++pos_;
        uint32_t hi;
        CpSet end = class_atom(hi);
        if (lo == 0xFFFFFFFF || hi == 0xFFFFFFFF) fail("class escape as a range end");
        if (hi < lo) fail("range out of order");
        s.add(lo, hi);
      } else {
        s.add(item);
      }
    }
    ++pos_;  // ']'
    s.normalize();
    return negated ? s.complement() : s;
  }

  // One class item; `single` is its code point, or 0xFFFFFFFF for a class escape (\d ...).
  CpSet class_atom(uint32_t& single) {
    CpSet s;
    const uint32_t c = cps_[pos_++];
    if (c == '\\') {
      if (eat('b')) {
        s.add(8, 8);
      } else {
        s = escape(true);
      }
    } else {
      s.add(c, c);
    }
    single = s.r.size() == 1 && s.r[0].first == s.r[0].second ? s.r[0].first : 0xFFFFFFFF;
    return s;
  }

  // After '\\'.
  CpSet escape(bool in_class) {
    if (!more()) fail("'\\' at the end");
    const uint32_t c = cps_[pos_++];
    CpSet s;
    auto one = [&](uint32_t cp) { s.add(cp, cp); return s; };
    switch (c) {
      case 'd': return digits();
      case 'D': return digits().complement();
      case 'w': return word();
      case 'W': return word().complement();
      case 's': return space();
      case 'S': return space().complement();
      case 'n': return one('\n');
      case 'r': return one('\r');
      case 't': return one('\t');
      case 'f': return one('\f');
      case 'v': return one('\v');
      case '0':
        if (peek() >= '0' && peek() <= '9') unsupported("octal escape");
        return one(0);
      case 'x': return one(hex(2));
      case 'u': {
        if (peek() == '{') unsupported("\\u{...} escape");
        const uint32_t cp = hex(4);
        if (cp >= 0xD800 && cp <= 0xDFFF) unsupported("surrogate escape \\u" + std::to_string(cp));
        return one(cp);
      }
      case 'b': case 'B': unsupported(in_class ? "escape" : "word boundary \\b \\B");
      case 'p': case 'P': unsupported("unicode property escape \\p \\P");
      case 'c': unsupported("control escape \\c");
      case 'k': unsupported("named backreference \\k");
      default:
        if (c >= '1' && c <= '9') unsupported("backreference \\" + std::string(1, static_cast<char>(c)));
        if (c < 0x80 && std::isalnum(static_cast<int>(c))) unsupported("escape \\" + std::string(1, static_cast<char>(c)));
        return one(c);  // \. \\ \/ \- \$ ... and any other non-alphanumeric: itself
    }
  }

  uint32_t hex(int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      const uint32_t c = peek();
      int d = c >= '0' && c <= '9' ? int(c - '0') : c >= 'a' && c <= 'f' ? int(c - 'a' + 10) : c >= 'A' && c <= 'F' ? int(c - 'A' + 10) : -1;
      if (d < 0) fail("malformed hex escape");
      v = v << 4 | static_cast<uint32_t>(d);
      ++pos_;
    }
    return v;
  }

  std::string_view text_;
  std::vector<uint32_t> cps_;
  size_t pos_ = 0;
};

// Anchors: ^ first / $ last in a top-level alternative only.
void no_anchors(const Node& n, std::string_view regex) {
  if (n.kind == Node::kStart || n.kind == Node::kEnd)
    throw PatternError("unsupported anchor '^' or '$' other than at the start or end in 'pattern' \"" + std::string(regex) + "\"");
  for (const Node& k : n.kids) no_anchors(k, regex);
}

class Emitter {
 public:
  explicit Emitter(Builder& b) : b_(b) {}

  uint32_t compile(const Node& n) {
    switch (n.kind) {
      case Node::kSet: return b_.rule(chars(n.set));
      case Node::kCat: {
        Seq s;
        for (const Node& k : n.kids) s.push_back(Builder::ref(compile(k)));
        return b_.rule({std::move(s)});
      }
      case Node::kAlt: {
        std::vector<Seq> alts;
        for (const Node& k : n.kids) alts.push_back({Builder::ref(compile(k))});
        return b_.rule(std::move(alts));
      }
      default: {  // kRep (anchors were taken out before)
        const Elem x = Builder::ref(compile(n.kids[0]));
        uint32_t tail;
        if (n.max == kInf) {
          tail = b_.new_rule();  // T = "" | x T (x never matches empty, so T is not left-recursive)
          b_.add_alt(tail, {});
          b_.add_alt(tail, {x, Builder::ref(tail)});
        } else {
          tail = b_.rule({{}});
          for (int k = n.min; k < n.max; ++k) tail = b_.rule({{}, {x, Builder::ref(tail)}});
        }
        Seq s(static_cast<size_t>(n.min), x);
        s.push_back(Builder::ref(tail));
        return b_.rule({std::move(s)});
      }
    }
  }

 private:
  // The spellings of the code points of `set` inside a JSON string, one alternative each.
  std::vector<Seq> chars(const CpSet& set) {
    std::vector<Seq> alts;
    std::bitset<256> raw;
    for (auto [lo, hi] : set.r) {
      for (uint32_t c = lo; c <= std::min(hi, 0x7Fu); ++c) {
        if (c >= 0x20 && c != '"' && c != '\\') {
          raw.set(c);
          continue;
        }
        static const char kHex[] = "0123456789abcdef";
        const char* short_esc = c == '"' ? "\"" : c == '\\' ? "\\" : c == 8 ? "b" : c == 12 ? "f" : c == 10 ? "n" : c == 13 ? "r" : c == 9 ? "t" : nullptr;
        alts.push_back(b_.lit(short_esc ? std::string("\\") + short_esc : std::string("\\u00") + kHex[c >> 4] + kHex[c & 15]));
      }
      if (hi >= 0x80) utf8(std::max(lo, 0x80u), hi, alts);
    }
    if (raw.any()) alts.push_back({b_.set(raw)});
    return alts;
  }

  static std::string encode(uint32_t c) {
    std::string s;
    if (c < 0x800) {
      s += static_cast<char>(0xC0 | c >> 6);
    } else if (c < 0x10000) {
      s += static_cast<char>(0xE0 | c >> 12);
      s += static_cast<char>(0x80 | (c >> 6 & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | c >> 18);
      s += static_cast<char>(0x80 | (c >> 12 & 0x3F));
      s += static_cast<char>(0x80 | (c >> 6 & 0x3F));
    }
    s += static_cast<char>(0x80 | (c & 0x3F));
    return s;
  }

  // [lo, hi] (0x80 <= lo, no surrogates) as sequences of byte ranges: split until every
  // sequence is a product of one range per byte.
  void utf8(uint32_t lo, uint32_t hi, std::vector<Seq>& out) {
    for (uint32_t edge : {0x7FFu, 0xFFFFu}) {
      if (lo <= edge && hi > edge) {
        utf8(lo, edge, out);
        utf8(edge + 1, hi, out);
        return;
      }
    }
    for (int i = 1; i < 4; ++i) {
      const uint32_t m = (1u << (6 * i)) - 1;
      if ((lo & ~m) == (hi & ~m)) continue;
      if ((lo & m) != 0) {
        utf8(lo, lo | m, out);
        utf8((lo | m) + 1, hi, out);
        return;
      }
      if ((hi & m) != m) {
        utf8(lo, (hi & ~m) - 1, out);
        utf8(hi & ~m, hi, out);
        return;
      }
    }
    const std::string a = encode(lo), z = encode(hi);
    Seq s;
    for (size_t k = 0; k < a.size(); ++k) s.push_back(b_.range(static_cast<uint8_t>(a[k]), static_cast<uint8_t>(z[k])));
    out.push_back(std::move(s));
  }

  Builder& b_;
};

}  // namespace

void check_pattern(std::string_view regex) { Parser(regex).parse(); }

uint32_t pattern_string(Builder& b, JsonRules& j, std::string_view regex) {
  Node top = Parser(regex).parse();
  std::vector<std::pair<bool, bool>> anchored;  // (start, end) per top-level alternative
  for (Node& alt : top.kids) {
    auto& k = alt.kids;
    const bool start = !k.empty() && k.front().kind == Node::kStart;
    if (start) k.erase(k.begin());
    const bool end = !k.empty() && k.back().kind == Node::kEnd;
    if (end) k.pop_back();
    anchored.emplace_back(start, end);
    no_anchors(alt, regex);
  }
  Emitter e(b);
  std::vector<Seq> alts;
  for (size_t i = 0; i < top.kids.size(); ++i) {
    Seq s{b.byte('"')};
    if (!anchored[i].first) s.push_back(Builder::ref(j.any_chars()));
    s.push_back(Builder::ref(e.compile(top.kids[i])));
    if (!anchored[i].second) s.push_back(Builder::ref(j.any_chars()));
    s.push_back(b.byte('"'));
    alts.push_back(std::move(s));
  }
  return b.rule(std::move(alts));
}

}  // namespace dseek::grammar
