// JSON form of row and field policies: the same shape in requests, responses and the store.
//   row policy:   {"id":"...","name":"fr_only","filter":"country = $user.country",
//                  "applies_to":["user:ana","group:analysts"],"except":["role:owner"],
//                  "field_ids":{"region":3}}
//   field policy: {"id":"...","name":"...","field":"email","field_id":5,"action":"mask",
//                  "applies_to":["role:reader"],"except":[]}
//   document:     {"row_policies":[...],"field_policies":[...]}
// "id", "field_id" and "field_ids" are the server's (kStored only); "except" and a field policy's
// "name" are optional. Decoding is strict: unknown members, wrong types, unknown actions, empty
// filters or applies_to lists, malformed principal patterns and duplicate names are errors
// with JSON pointers. Filters are checked against the grammar and the schema by
// service::ValidatePolicies, which knows SQL.
// Thread safety: stateless functions.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/json_writer.h"
#include "common/result.h"
#include "security/policy.h"

namespace strata::security {

enum class PolicyJsonMode {
  kRequest,  // What clients send: no "id", no "field_id".
  kStored,   // What the store keeps and the API returns: server members accepted.
};

// Decode one policy at `pointer`, appending problems to `errors`; nullopt when any.
std::optional<RowPolicy> DecodeRowPolicy(const json::Value& value, const std::string& pointer,
                                         PolicyJsonMode mode, std::vector<ErrorDetail>& errors);
std::optional<FieldPolicy> DecodeFieldPolicy(const json::Value& value, const std::string& pointer,
                                             PolicyJsonMode mode, std::vector<ErrorDetail>& errors);

// Decodes {"row_policies": [...], "field_policies": [...]} (both optional). Members other
// than these two and `other_members` (e.g. "grants", which the caller decodes) are errors.
// Errors: ValidationFailed (422) with one ErrorDetail per problem.
Result<DatasetPolicies> DecodeDatasetPolicies(const json::Value& document, PolicyJsonMode mode,
                                              std::span<const std::string_view> other_members = {});

void WriteRowPolicyJson(JsonWriter& writer, const RowPolicy& policy);
void WriteFieldPolicyJson(JsonWriter& writer, const FieldPolicy& policy);
// Writes the "row_policies" and "field_policies" members into the object being written.
void WriteDatasetPoliciesMembers(JsonWriter& writer, const DatasetPolicies& policies);

// The stored form (a document), and its parser; a failure to parse means corrupt storage.
std::string DatasetPoliciesToJson(const DatasetPolicies& policies);
Result<DatasetPolicies> DatasetPoliciesFromJson(std::string_view text);

}  // namespace strata::security
