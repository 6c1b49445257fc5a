// OpenAI `stop` sequences on streamed text: text is released only once it cannot be the
// start of a stop sequence; the first stop sequence found ends the text (it and everything
// after it are dropped).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace dseek::server {

class StopMatcher {
 public:
  // Empty strings in `stops` are ignored.
  explicit StopMatcher(std::vector<std::string> stops);

  // Adds the next piece of text; returns the text now certain to precede any stop sequence
  // (possibly ""). Once a stop sequence is found, stopped() is true and further pushes
  // return "".
  std::string push(std::string_view text);

  // The end of the text: returns the held-back tail (nothing when stopped).
  std::string flush();

  bool stopped() const { return stopped_; }
  // The stop sequence that ended the text ("" while not stopped). When several start at the
  // same byte, the first of them in `stops`.
  const std::string& matched() const { return matched_; }

 private:
  std::vector<std::string> stops_;
  std::string held_;
  std::string matched_;
  bool stopped_ = false;
};

}  // namespace dseek::server
