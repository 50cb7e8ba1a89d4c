// JSON form of fields and schemas: the same shape in API responses and in the metastore.
//   field:  {"id":1,"name":"time","type":"timestamp","nullable":false,"default":null,
//            "pii":false,"description":""}
//   schema: {"version":1,"fields":[field,...]}
// Thread safety: stateless functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/json_writer.h"
#include "common/result.h"
#include "types/schema.h"

namespace strata::types {

void WriteFieldJson(JsonWriter& writer, const Field& field);
void WriteSchemaJson(JsonWriter& writer, const Schema& schema);
// The fields array alone, as stored.
std::string FieldsToJson(const std::vector<Field>& fields);
// Parses what FieldsToJson wrote. A failure means the stored text is corrupt.
Result<std::vector<Field>> FieldsFromJson(std::string_view text);

// Decodes one field definition of a request, appending problems to `errors` with pointers
// under `pointer`. Accepts name, type, nullable (default false), default, pii, description;
// "id" only when `allow_id` (ids are assigned by the server).
std::optional<Field> DecodeField(const json::Value& value, const std::string& pointer,
                                 bool allow_id, std::vector<ErrorDetail>& errors);

}  // namespace strata::types
