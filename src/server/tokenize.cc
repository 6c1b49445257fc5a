#include "server/tokenize.h"

#include <string>
#include <vector>

#include "server/errors.h"
#include "server/logprobs.h"
#include "server/request_fields.h"
#include "server/respond.h"
#include "tokenizer/utf8.h"

namespace dseek::server {

namespace {

// llama.cpp's piece: the text when the bytes are valid UTF-8, else the byte values.
nlohmann::json piece_json(const std::string& bytes) {
  if (utf8::valid_prefix(bytes) == bytes.size()) return bytes;
  nlohmann::json arr = nlohmann::json::array();
  for (unsigned char c : bytes) arr.push_back(static_cast<int>(c));
  return arr;
}

}  // namespace

void handle_tokenize(ServerState& st, const httplib::Request& req, httplib::Response& res) {
  const Json body = parse_body(req.body);
  auto it = body.find("content");
  if (it == body.end() || it->is_null()) throw bad_request("'content' is required", "content", "missing_required_parameter");
  if (!it->is_string()) throw bad_request("'content' must be a string", "content", "invalid_type");
  const std::string text = it->get<std::string>();
  const bool add_special = opt_bool(body, "add_special").value_or(false);
  const bool with_pieces = opt_bool(body, "with_pieces").value_or(false);

  std::vector<int32_t> ids;
  if (add_special) {  // as /v1/completions: BOS unless the text already starts with it
    const int32_t bos = st.engine->lm().info().bos_token_id;
    const std::string bos_text = st.tok().id_to_token(bos);
    if (bos_text.empty() || text.rfind(bos_text, 0) != 0) ids.push_back(bos);
  }
  const std::vector<int32_t> more = st.tok().encode(text);
  ids.insert(ids.end(), more.begin(), more.end());

  nlohmann::json tokens = nlohmann::json::array();
  for (int32_t id : ids) {
    if (with_pieces)
      tokens.push_back({{"id", id}, {"piece", piece_json(token_bytes(st.tok(), id))}});
    else
      tokens.push_back(id);
  }
  send_json(res, 200, {{"tokens", std::move(tokens)}});
}

void handle_detokenize(ServerState& st, const httplib::Request& req, httplib::Response& res) {
  const Json body = parse_body(req.body);
  auto it = body.find("tokens");
  if (it == body.end() || it->is_null()) throw bad_request("'tokens' is required", "tokens", "missing_required_parameter");
  if (!it->is_array()) throw bad_request("'tokens' must be an array of token ids", "tokens", "invalid_type");
  const int64_t vocab = static_cast<int64_t>(st.tok().vocab_size());
  std::vector<int32_t> ids;
  ids.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& x = (*it)[i];
    const std::string param = "tokens[" + std::to_string(i) + "]";
    if (!x.is_number_integer()) throw bad_request("'" + param + "' must be an integer token id, got " + x.dump(), param, "invalid_type");
    const int64_t id = x.is_number_unsigned() && x.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : x.get<int64_t>();
    // An id inside the range may still have no token (a gap in a GGUF vocabulary).
    if (id < 0 || id >= vocab || st.tok().id_to_token(static_cast<int32_t>(id)).empty())
      throw bad_request("'" + param + "': " + x.dump() + " is not a token id (vocab size " + std::to_string(vocab) +
                            ": ids 0.." + std::to_string(vocab - 1) + ")",
                        param, "invalid_value");
    ids.push_back(static_cast<int32_t>(id));
  }
  send_json(res, 200, {{"content", st.tok().decode(ids)}});
}

}  // namespace dseek::server
