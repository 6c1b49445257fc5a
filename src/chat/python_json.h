// JSON text as DeepSeek's Python reference encoder reads and writes it (CHAT_FORMAT.md
// section 8): Python's json.loads for tool-call arguments, and
// json.dumps(x, ensure_ascii=False) for every structured value the prompt shows.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dseek::chat {

// Messages and requests keep object keys in document order, as the reference's Python
// dicts do (tool schemas are printed key by key).
using Json = nlohmann::ordered_json;

// A value decoded the way Python's json.loads decodes it: integers of any size (kept as
// decimal text), fractions/exponents as IEEE doubles (NaN, Infinity, -Infinity accepted),
// and objects whose duplicate keys keep the last value at the first key's position.
struct PyValue {
  // Declared so that clang does not need pair<string, PyValue> complete (for `members`)
  // while PyValue itself is still incomplete; GCC needs no help.
  PyValue() = default;
  enum class Kind { Null, Bool, Int, Float, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;                                   // Bool
  double number = 0.0;                                    // Float
  std::string text;                                       // Int: decimal digits, '-' if < 0; String: UTF-8
  std::vector<PyValue> items;                             // Array
  std::vector<std::pair<std::string, PyValue>> members;  // Object, in first-occurrence order
};

// Decodes `text` like Python's json.loads (section 8): surrounding whitespace allowed,
// ASCII digits only, no control characters inside strings, \uXXXX pairs combined.
// Throws dseek::Error naming the character offset for anything json.loads rejects, and
// also for a lone UTF-16 surrogate escape (Python would accept it, but the prompt could not
// be UTF-8) and for nesting deeper than 1000 levels.
PyValue py_loads(std::string_view text);

// json.dumps(v, ensure_ascii=False): ", " and ": " separators, no indentation.
std::string py_dumps(const PyValue& v);

// json.dumps of an nlohmann value (a tool's function object, a response_format). Keys in
// the value's own order; integers exact; doubles as Python's repr. Throws dseek::Error for
// binary values.
std::string py_dumps(const Json& v);

// json.dumps of one string: quoted; \" \\ \n \r \t \b \f escaped, other characters below
// U+0020 as \u00xx (lowercase hex); everything else (non-ASCII, U+007F, '/') raw.
std::string py_dumps_string(std::string_view s);

// Python's repr(float): the shortest text that round-trips; fixed notation with at least
// one fractional digit when the decimal exponent is in [-4, 16), otherwise d[.ddd]e±XX;
// "NaN", "Infinity", "-Infinity" for non-finite values.
std::string py_float_repr(double x);

// Python truthiness of a JSON value: null, false, 0, 0.0, "", [] and {} are false.
bool py_truthy(const Json& v);

}  // namespace dseek::chat
