// Control-plane records kept by a MetaStore: datasets, their schema history, API keys, async
// jobs and resumable uploads.
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
  std::string hash;    // SHA-256 of the whole key, 32 raw bytes. The key itself is never stored.
  std::string prefix;  // First characters of the key, to recognise it in listings.
  // Principal the key acts as: its owner ("user:<name>", "service:<name>"), or for keys
  // made before users existed, "key:<id>" acting on its own with `roles`.
  std::string principal;
  std::vector<std::string> roles;  // Roles on every dataset; only for "key:<id>" keys.
  // Scope: a subset of the owner's permissions ("data:read", ...); empty = all of them.
  std::vector<std::string> scopes;
  // Datasets the key may touch; empty = every dataset the owner may touch.
  std::vector<std::string> datasets;
  int64_t created_at = 0;
  int64_t expires_at = 0;    // 0: never.
  int64_t revoked_at = 0;    // 0: not revoked.
  int64_t last_used_at = 0;  // 0: never; updated at most once a minute.
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

// Lifecycle of an async job: queued -> running -> succeeded | failed | cancelled. A queued
// job may also go straight to cancelled (or failed, when recovery finds it broken).
enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kCancelled };

std::string_view JobStateName(JobState state);  // "queued", "running", ...
std::optional<JobState> ParseJobState(std::string_view text);
// True for succeeded, failed and cancelled: nothing changes the job any more.
bool IsFinished(JobState state);

// What a job does: ingest a body, or delete rows by a filter and erase them from storage.
// Records stored before job types existed are ingest jobs.
enum class JobType { kIngest, kDelete };

std::string_view JobTypeName(JobType type);  // "ingest", "delete"
std::optional<JobType> ParseJobType(std::string_view text);

// One rejected record of an ingest job, as the synchronous ingest answer lists it, with
// `index` and `pointer` counting records over the whole body.
struct JobRecordError {
  uint64_t index = 0;
  std::optional<std::string> id;  // The record id field's value, when the dataset has one.
  std::string pointer;            // "/<index>/<field>".
  std::string code;
  std::string detail;
};

// An asynchronous job. An ingest job (POST .../ingest?async=true, or a completed tus
// upload): its request, where its body lives, its progress and its outcome. A delete job
// (DELETE .../records?filter=, service/job_service.h "Delete jobs"): its filter, the rows it
// deleted, its delete's sequence number and the erasure of those rows from storage.
// Ingest progress invariants:
//   1. Bytes [0, bytes_done) of the body (after Content-Encoding is undone) are committed,
//      and counted in records_done, lines_done, accepted, rejected and errors.
//   2. inflight_end > bytes_done while the chunk [bytes_done, inflight_end) is being
//      committed; 0 otherwise. inflight_seq is then the dataset's last sequence number seen
//      before that chunk's append: after a crash, a dataset whose last sequence number is
//      still at most inflight_seq provably holds no row of the chunk.
struct JobRecord {
  std::string id;
  JobType type = JobType::kIngest;
  std::string dataset_id;
  std::string creator;  // Principal reference of who started the job.
  // The roles the creator held on the dataset; the job runs with them, on it only.
  std::vector<std::string> creator_roles;
  JobState state = JobState::kQueued;
  bool cancel_requested = false;  // Written only by MetaStore::RequestJobCancel.

  // The request.
  std::string body_file;  // Relative to the data directory: "jobs/<id>" or "uploads/<uid>".
  std::string upload_id;  // The tus upload the job ingests; "" for an async request body.
  std::string content_type;
  std::string content_encoding;  // "" = identity.
  std::string mode = "partial";  // "partial" or "atomic".
  bool dry_run = false;
  std::string precision = "ns";    // Line protocol timestamps.
  std::string time_unit = "auto";  // Epoch numbers for timestamp fields.

  // Delete jobs. Progress: `deleted` is set once counted (0 until then; a count of 0
  // finishes the job), then tombstone_seq once the delete is committed, then the segments.
  std::string filter;               // The filter expression as the client sent it.
  uint64_t deleted = 0;             // Rows the filter matched when the delete was counted.
  int64_t tombstone_seq = 0;        // The committed delete's sequence number; 0 until then.
  uint64_t segments_total = 0;      // Segments holding rows it covered when erasure began.
  uint64_t segments_rewritten = 0;  // Of those, rewritten without them so far.

  // Ingest progress (see the invariants above).
  uint64_t bytes_total = 0;  // Size of the body; once the job has started, after decoding.
  uint64_t bytes_done = 0;
  uint64_t inflight_end = 0;
  int64_t inflight_seq = -1;  // -1: unknown.
  uint64_t records_done = 0;  // Records in [0, bytes_done): the index of the next one.
  uint64_t lines_done = 0;    // Line ends in [0, bytes_done): for line numbers in errors.

  // Outcome so far.
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  int64_t first_seq = 0;  // Sequence range of the committed rows; 0 while none.
  int64_t last_seq = 0;
  uint32_t schema_version = 0;            // The schema the last chunk was decoded with.
  std::vector<std::string> added_fields;  // Evolve mode: fields the job added.
  std::vector<JobRecordError> errors;     // The first ingest.max_errors rejected records.
  bool errors_truncated = false;
  // Why the job failed (state failed): the StatusCodeName of its Status ("invalid_argument",
  // ...), its problem code and its message.
  std::string error_status;
  std::string error_code;
  std::string error_detail;

  int64_t created_at = 0;  // Microseconds since the epoch.
  int64_t started_at = 0;  // 0 until a runner picked the job up.
  int64_t updated_at = 0;
  int64_t finished_at = 0;  // 0 until finished.
};

// A tus resumable upload (CONVENTIONS.md §2). Its bytes live in <data dir>/uploads/<id>.
// Invariant: the file holds at least `offset` bytes, and bytes [0, offset) are durable: the
// offset is recorded only after the fsync of the bytes it acknowledges. Bytes past `offset`
// (a write the server never acknowledged) are cut off before the next append.
struct UploadRecord {
  std::string id;
  std::string dataset_id;
  std::string creator;
  // The roles the creator held on the dataset; the ingest job runs with them, on it only.
  std::vector<std::string> creator_roles;
  int64_t length = -1;   // Upload-Length; -1 while deferred.
  uint64_t offset = 0;   // Bytes received and acknowledged.
  std::string metadata;  // Upload-Metadata as sent ("" when none).
  std::string job_id;    // The ingest job, once the upload is complete.
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t expires_at = 0;  // An incomplete upload is removed after this time.
};

}  // namespace strata::meta
