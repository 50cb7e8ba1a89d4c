// Schema rules: what a new dataset's schema must satisfy, and which changes may turn
// version N into N+1 (DESIGN.md "Data model"). Every refusal says why, with a JSON pointer
// into the request that asked for it.
// Thread safety: stateless functions.
#pragma once

#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "types/schema.h"

namespace strata::types {

inline constexpr size_t kMaxSortKeyFields = 8;

// Fields with a special role in a dataset; empty when the dataset has none.
struct SchemaRoles {
  std::string time_field;       // Must name a non-nullable timestamp field.
  std::string record_id_field;  // Must name a string or int64 field.
  // Fields whose order sorts rows inside compacted segments (empty: the time field). Each
  // names a distinct, non-json field; at most kMaxSortKeyFields.
  std::vector<std::string> sort_key;
};

// Checks the fields of a new dataset (unique names, at most kMaxFields) and the roles, and
// assigns ids 1..n. Returns schema version 1, or ValidationFailed whose errors point at
// /fields/i/..., /time_field or /record_id_field.
Result<Schema> BuildInitialSchema(std::vector<Field> fields, const SchemaRoles& roles);

// Checks that `roles` name suitable fields of `schema`; errors point at /time_field and
// /record_id_field. Used when a dataset's roles change.
Status CheckRoles(const Schema& schema, const SchemaRoles& roles);

struct SchemaChange {
  enum class Op { kAdd, kDrop, kRename, kWiden, kSetNullable, kSetDefault };
  Op op = Op::kAdd;
  std::string name;                    // Field the change applies to (add: field.name).
  Field field;                         // kAdd.
  std::string to;                      // kRename.
  DataType type = DataType::kFloat64;  // kWiden.
  bool nullable = false;               // kSetNullable.
  json::Value default_json;            // kSetDefault: converted with the field's type when applied.
};

// Decodes the body of PATCH /datasets/{id}/schema: {"changes": [change, ...]} with
//   {"op":"add","field":{...}}          {"op":"drop","name":"x"}
//   {"op":"rename","name":"x","to":"y"} {"op":"widen","name":"x","type":"float64"}
//   {"op":"set_nullable","name":"x","nullable":true}
//   {"op":"set_default","name":"x","default":<value or null>}
// At most 256 changes. Errors point at /changes/i/....
Result<std::vector<SchemaChange>> DecodeSchemaChanges(const json::Value& body);

// Applies `changes` in order to a copy of `current` and returns version current.version+1,
// updating `roles` when a role field is renamed and filling in the ids of added fields.
// Refused changes give ValidationFailed with one error per refusal at /changes/i; `roles` is
// unchanged then.
Result<Schema> EvolveSchema(const Schema& current, std::vector<SchemaChange>& changes,
                            SchemaRoles& roles);

// The canonical JSON of one change, as recorded in the schema history.
void WriteSchemaChangeJson(JsonWriter& writer, const SchemaChange& change);

}  // namespace strata::types
