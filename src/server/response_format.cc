#include "server/response_format.h"

#include "runtime/error.h"
#include "server/errors.h"
#include "structured/json_constraint.h"

namespace dseek::server {

std::shared_ptr<const grammar::Grammar> parse_response_format(const Json& body) {
  auto it = body.find("response_format");
  if (it == body.end() || it->is_null()) return nullptr;
  try {
    return structured::response_format_grammar(*it);
  } catch (const grammar::SchemaError& e) {
    throw bad_request(std::string("'response_format.json_schema.schema': ") + e.what(), "response_format.json_schema.schema",
                      "unsupported_schema");
  } catch (const Error& e) {
    // The message starts with the field it names ('response_format.x' ...).
    std::string msg = e.what(), param = "response_format";
    if (msg.size() > 1 && msg[0] == '\'') param = msg.substr(1, msg.find('\'', 1) - 1);
    throw bad_request(msg, param, "invalid_value");
  }
}

void constrain(const ServerState& st, GenParams& g, std::shared_ptr<const grammar::Grammar> grammar, bool thinking) {
  if (!grammar) return;
  g.opt.constraint = structured::grammar_constraint(std::move(grammar), st.token_trie());
  if (thinking) g.opt.constraint = after_token(std::move(g.opt.constraint), structured::think_end_token(st.tok()));
}

}  // namespace dseek::server
