// config.json -> ModelConfig: any text either gives a config that passed validation (and
// whose to_json() reads back to the same text) or throws dseek::Error naming the key.
// Checks: no crash, no UB (overflowing sizes, float -> int conversions), no leak, no other
// exception, and the to_json round trip.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime/error.h"
#include "weights/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  dseek::ModelConfig c;
  try {
    c = dseek::ModelConfig::from_json_text(text, "fuzz/config.json");
  } catch (const dseek::Error&) {
    return 0;
  }
  const std::string once = c.to_json();
  std::string twice;
  try {
    twice = dseek::ModelConfig::from_json_text(once, "round-trip").to_json();
  } catch (const dseek::Error& e) {
    std::fprintf(stderr, "to_json() of an accepted config is refused: %s\n%s\n", e.what(), once.c_str());
    std::abort();
  }
  if (once != twice) {
    std::fprintf(stderr, "to_json round trip differs:\n%s\n%s\n", once.c_str(), twice.c_str());
    std::abort();
  }
  return 0;
}
