// JSON forms of the dataset API (DESIGN.md "Wire examples"): request bodies decoded into a
// DatasetSpec with JSON-pointer errors, and datasets and schema versions rendered for
// responses. Shared by every front door (REST now, GraphQL later).
// Thread safety: stateless functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/json_writer.h"
#include "common/result.h"
#include "meta/records.h"
#include "types/dataset_stats.h"
#include "types/schema.h"

namespace strata::service {

// Dataset ids: [a-z][a-z0-9_]{0,62}.
bool IsValidDatasetId(std::string_view id);

// The attributes a request sets. An engaged member is a value to store: null in a request
// decodes to the attribute's default ("" for strings, [] for tags).
struct DatasetSpec {
  std::optional<std::string> id;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::string> owner;
  std::optional<std::string> retention;   // "" = keep forever.
  std::optional<std::string> time_field;  // "" = none.
  std::optional<meta::PartitionBy> partition_by;
  std::optional<meta::SchemaMode> schema_mode;
  std::optional<std::string> record_id_field;        // "" = none.
  std::optional<std::vector<std::string>> sort_key;  // [] = the time field.
  std::optional<bool> keep_rejected;                 // null = false.
  std::optional<std::vector<types::Field>> fields;
};

enum class SpecKind {
  kCreate,      // POST /datasets: id and fields required; read-only attributes refused.
  kReplace,     // PUT: fields refused (use the schema endpoint); read-only attributes ignored.
  kMergePatch,  // PATCH (RFC 7396): only what is present changes; fields refused.
};

// Decodes and checks every attribute on its own (formats, enums, lengths). Rules that
// relate attributes (the time field must be a timestamp field, ...) are the service's.
// Errors: ValidationFailed with one item per problem, pointing into the body.
Result<DatasetSpec> DecodeDatasetSpec(const json::Value& body, SpecKind kind);

void WriteDatasetJson(JsonWriter& writer, const meta::DatasetRecord& dataset);
// The JSON of a dataset (as WriteDatasetJson wrote it) with a `stats` member added: the
// storage statistics, or null when the dataset's storage is unavailable.
std::string DatasetJsonWithStats(std::string_view dataset_json,
                                 const std::optional<types::DatasetStats>& stats);
void WriteSchemaVersionJson(JsonWriter& writer, const meta::SchemaVersionRecord& version);

}  // namespace strata::service
