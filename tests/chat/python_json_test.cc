// Python json.loads / json.dumps rules (CHAT_FORMAT.md section 8).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "chat/python_json.h"
#include "runtime/error.h"

namespace dseek::chat {
namespace {

std::string roundtrip(std::string_view text) { return py_dumps(py_loads(text)); }

TEST(PyFloatRepr, MatchesPython) {
  EXPECT_EQ(py_float_repr(1e5), "100000.0");
  EXPECT_EQ(py_float_repr(1.5), "1.5");
  EXPECT_EQ(py_float_repr(10.0), "10.0");
  EXPECT_EQ(py_float_repr(-0.0), "-0.0");
  EXPECT_EQ(py_float_repr(0.0), "0.0");
  EXPECT_EQ(py_float_repr(1e-7), "1e-07");
  EXPECT_EQ(py_float_repr(2.5e-8), "2.5e-08");
  EXPECT_EQ(py_float_repr(1e16), "1e+16");
  EXPECT_EQ(py_float_repr(1e15), "1000000000000000.0");
  EXPECT_EQ(py_float_repr(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(py_float_repr(1e100), "1e+100");
  EXPECT_EQ(py_float_repr(0.0001), "0.0001");
  EXPECT_EQ(py_float_repr(0.00001), "1e-05");
  EXPECT_EQ(py_float_repr(0.1), "0.1");
  EXPECT_EQ(py_float_repr(123.456), "123.456");
  EXPECT_EQ(py_float_repr(1.2345e20), "1.2345e+20");
  EXPECT_EQ(py_float_repr(5e-324), "5e-324");
  EXPECT_EQ(py_float_repr(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(py_float_repr(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(py_float_repr(-std::numeric_limits<double>::infinity()), "-Infinity");
  EXPECT_EQ(py_float_repr(std::nan("")), "NaN");
}

TEST(PyDumpsString, Escapes) {
  EXPECT_EQ(py_dumps_string("a\"b\\c/d"), R"("a\"b\\c/d")");
  EXPECT_EQ(py_dumps_string("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(py_dumps_string(std::string("\x00\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
  EXPECT_EQ(py_dumps_string("é\u2028😀"), "\"é\u2028😀\"");
}

TEST(PyLoads, Numbers) {
  EXPECT_EQ(roundtrip("[1e5, 1.50, -0.0, -0, 12345678901234567890123, 10, 2.5e-8, 1E2, 1e400, -1e400, 1e-400]"),
            "[100000.0, 1.5, -0.0, 0, 12345678901234567890123, 10, 2.5e-08, 100.0, Infinity, -Infinity, 0.0]");
  EXPECT_EQ(roundtrip(" [NaN, Infinity, -Infinity] \n"), "[NaN, Infinity, -Infinity]");
  for (const char* bad : {"01", "1.", ".5", "-", "1e", "+1", "0x10", "1.e5", "--1", "١"}) {
    EXPECT_THROW(py_loads(bad), dseek::Error) << bad;
  }
  EXPECT_THROW(py_loads(std::string(4301, '7')), dseek::Error);
  EXPECT_NO_THROW(py_loads(std::string(4300, '7')));
}

TEST(PyLoads, StringsAndStructure) {
  EXPECT_EQ(roundtrip(R"({"a": "\u00e9\ud83d\ude00\/\n", "b": {}, "c": [], "d": [true, false, null]})"),
            "{\"a\": \"é😀/\\n\", \"b\": {}, \"c\": [], \"d\": [true, false, null]}");
  // Duplicate keys: last value, first position (Python dict).
  EXPECT_EQ(roundtrip(R"({"x": 1, "y": 2, "x": 3})"), R"({"x": 3, "y": 2})");
  for (const char* bad : {"", " ", "{", "[1,]", "{\"a\":1,}", "{'a': 1}", "[1] x", "\"a\nb\"", "\"\\x\"",
                          "\"\\ud800\"", "tru", "nan", "{\"a\" 1}", "[1 2]"}) {
    EXPECT_THROW(py_loads(bad), dseek::Error) << bad;
  }
  EXPECT_THROW(py_loads(std::string(1100, '[') + std::string(1100, ']')), dseek::Error);
  EXPECT_NO_THROW(py_loads(std::string(500, '[') + std::string(500, ']')));
}

TEST(PyDumps, NlohmannValues) {
  Json v = Json::parse(R"({"z": 1, "a": [1.0, -2, 18446744073709551615, "é"], "m": null, "t": true})");
  EXPECT_EQ(py_dumps(v), R"({"z": 1, "a": [1.0, -2, 18446744073709551615, "é"], "m": null, "t": true})");
}

TEST(PyTruthy, Values) {
  for (const char* f : {"null", "false", "0", "0.0", "\"\"", "[]", "{}"}) EXPECT_FALSE(py_truthy(Json::parse(f))) << f;
  for (const char* t : {"true", "1", "0.5", "\"x\"", "[0]", "{\"a\": 0}"}) EXPECT_TRUE(py_truthy(Json::parse(t))) << t;
}

}  // namespace
}  // namespace dseek::chat
