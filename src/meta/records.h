// Control-plane records kept by a MetaStore: datasets, their schema history, API keys.
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "types/schema.h"

namespace strata::meta {

enum class PartitionBy { kHour, kDay, kMonth };
enum class SchemaMode { kStrict, kEvolve };

std::string_view PartitionByName(PartitionBy value);
std::optional<PartitionBy> ParsePartitionBy(std::string_view text);
std::string_view SchemaModeName(SchemaMode value);
std::optional<SchemaMode> ParseSchemaMode(std::string_view text);

// A dataset: metadata plus its current schema.
struct DatasetRecord {
  std::string id;
  std::string description;
  std::vector<std::string> tags;
  std::string owner;       // Principal reference, e.g. "key:01J..." or "user:ana".
  std::string retention;   // "" keeps data forever; else a duration such as "30d".
  std::string time_field;  // "" when the dataset has none.
  PartitionBy partition_by = PartitionBy::kDay;
  SchemaMode schema_mode = SchemaMode::kStrict;
  std::string record_id_field;  // "" when the dataset has none.
  // Field names ordering rows in compacted segments; empty: the time field.
  std::vector<std::string> sort_key;
  // Keep rejected records (raw text and reason) as dead letters for inspection and replay.
  bool keep_rejected = false;
  types::Schema schema;    // The current version.
  int64_t created_at = 0;  // Microseconds since the epoch.
  int64_t updated_at = 0;
  // Incremented by every accepted change (metadata or schema); the basis of the ETag.
  uint64_t revision = 1;
};

// One version of a dataset's schema and the change set that produced it.
struct SchemaVersionRecord {
  uint32_t version = 0;
  int64_t created_at = 0;
  std::string author;        // Principal reference.
  std::string changes_json;  // JSON array of the applied changes; "[]" for version 1.
  types::Schema schema;      // Fields and next_field_id as of this version.
};

struct DatasetListQuery {
  std::string id_prefix;  // "" matches all.
  std::string tag;        // "" matches all.
  std::string after_id;   // Keyset cursor: ids strictly greater. "" starts at the beginning.
  size_t limit = 100;
};

struct ApiKeyRecord {
  std::string id;
  std::string name;
  std::string hash;       // SHA-256 of the whole key, 32 raw bytes. The key itself is never stored.
  std::string prefix;     // First characters of the key, to recognise it in listings.
  std::string principal;  // Principal the key acts as, e.g. "key:<id>".
  std::vector<std::string> roles;
  int64_t created_at = 0;
  int64_t expires_at = 0;  // 0: never.
  int64_t revoked_at = 0;  // 0: not revoked.
};

// A record an ingest request rejected, kept as a dead letter of its dataset
// (keep_rejected) until it is replayed successfully or the dataset is deleted.
struct RejectedRecordEntry {
  int64_t id = 0;  // Assigned by the store, increasing.
  std::string dataset;
  int64_t received_at = 0;
  std::string request_id;
  uint64_t index = 0;  // In its request's body.
  std::string format;  // How `raw` reads on its own: "ndjson", "csv" (header line + row),
                       // "line-protocol".
  std::string code;
  std::string pointer;
  std::string detail;
  std::string raw;
};

// An Idempotency-Key (CONVENTIONS.md §4) of one principal: pending while its request runs,
// then done with the request's outcome, replayed for retries until it expires.
struct IdempotencyRecord {
  std::string principal;    // Principal reference; keys are scoped to it.
  std::string key;          // As the client sent it.
  std::string dataset;      // The dataset the request wrote to.
  std::string fingerprint;  // Hash of what the request asked (method, path, parameters, body).
  bool done = false;
  std::string outcome;  // Done: the service's serialized outcome.
  int64_t created_at = 0;
  int64_t expires_at = 0;
};

}  // namespace strata::meta
