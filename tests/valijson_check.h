// Output checks of the structured-output tests: does a document satisfy a JSON Schema, by an
// independent validator (Debian's header-only valijson, draft 7) — not the grammar under test.
#pragma once
#include <string>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace dseek::test {

// True when `doc` satisfies `schema`; the validator's reasons are appended to `why` if given.
inline bool validates(const nlohmann::json& schema, const nlohmann::json& doc, std::string* why = nullptr) {
  valijson::Schema vs;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter sa(schema);
  parser.populateSchema(sa, vs);
  valijson::Validator validator;
  valijson::adapters::NlohmannJsonAdapter da(doc);
  valijson::ValidationResults results;
  const bool ok = validator.validate(vs, da, &results);
  valijson::ValidationResults::Error e;
  while (why && results.popError(e)) *why += e.description + "; ";
  return ok;
}

}  // namespace dseek::test
