// IngestService: POST /v1/datasets/{id}/ingest, transport-neutral (docs/ingest.md).
// A request's body is inflated (Content-Encoding), decoded by its format into a column batch
// with every rejected record explained, the schema evolved when the dataset allows it, and
// the accepted rows committed in one append — acknowledged only once durable.
//
// Thread safety: thread-safe; one call per request.
// Contract:
//   1. Nothing is committed when the request fails as a whole (an error Status), in atomic
//      mode when any record is rejected, or with dry_run.
//   2. Otherwise every accepted record is committed, in body order, in one append, and no
//      rejected one is.
//   3. Every rejected record is counted in `rejected`; the first `max_errors` are listed.
//   4. With an Idempotency-Key (CONVENTIONS.md §4, kept 24 h per principal), a request runs
//      at most once: a retry with the same key and the same request gets the first outcome
//      back (replayed) — also after a crash, since the outcome rides in the same WAL record
//      as the rows (types/commit_note.h) and is recovered into the metastore at start; the
//      same key while the first runs is Conflict (409); with a different request,
//      ValidationFailed (422). Outcomes of transient failures (5xx) are not kept, so those
//      may be retried with the same key.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backend/data_backend.h"
#include "common/result.h"
#include "ingest/line_protocol.h"
#include "ingest/type_convert.h"
#include "meta/meta_store.h"
#include "security/authorizer.h"
#include "security/principal.h"
#include "service/dataset_service.h"
#include "service/memory_budget.h"

namespace strata::service {

struct IngestLimits {
  size_t max_decoded_body_bytes = size_t{256} << 20;
  size_t max_rows_per_request = 1'000'000;
  size_t max_record_bytes = size_t{1} << 20;
  size_t max_errors = 1000;
  size_t max_rejected_per_dataset = 100'000;     // Dead letters kept; the oldest go first.
  size_t memory_budget_bytes = size_t{1} << 30;  // Bodies and batches of requests in flight.
};

enum class IngestMode {
  kPartial,  // Valid records are committed; rejected ones are reported.
  kAtomic,   // All records or none.
};

struct IngestRequest {
  std::string body;              // As received.
  std::string content_type;      // Header value; chooses the format.
  std::string content_encoding;  // Header value; "" = identity.
  IngestMode mode = IngestMode::kPartial;
  bool dry_run = false;  // Validate and report; commit nothing, evolve nothing.
  // Line protocol timestamps (default ns).
  ingest::TimestampPrecision precision = ingest::TimestampPrecision::kNanoseconds;
  // Epoch numbers given for timestamp fields in JSON and CSV (default: by magnitude).
  ingest::TimeUnit time_unit = ingest::TimeUnit::kAuto;
  std::optional<std::string> idempotency_key;  // Validated by the caller (1-255 visible ASCII).
  std::string request_id;                      // Recorded with dead letters.
  // The time (microseconds since the epoch) of line protocol points without a timestamp.
  // Default: the clock, read once per call. Callers that split one request into several
  // calls pass one value so the whole request shares it.
  std::optional<int64_t> now_us;
};

struct IngestRecordError {
  size_t index = 0;               // 0-based among the body's records.
  std::optional<std::string> id;  // The record id field's value, when the dataset has one.
  std::string pointer;            // "/<index>/<field>" into the body's records.
  std::string code;               // Stable: type_mismatch, csv_field_count, ...
  std::string detail;
};

struct IngestResult {
  size_t accepted = 0;
  size_t rejected = 0;
  bool committed = false;  // Rows were appended (first_seq..last_seq).
  int64_t first_seq = 0;
  int64_t last_seq = 0;
  uint32_t schema_version = 0;  // The schema the records were decoded with.
  bool dry_run = false;
  IngestMode mode = IngestMode::kPartial;
  std::vector<types::Field> added_fields;  // Evolve mode: the fields this request added.
  std::vector<IngestRecordError> errors;   // At most IngestLimits::max_errors.
  bool errors_truncated = false;
  bool replayed = false;  // The stored outcome of an earlier request with the same key.
};

// A replay of dead letters (ReplayRejected).
struct ReplayRequest {
  std::vector<int64_t> ids;  // Empty: the oldest `limit` entries.
  size_t limit = 1000;
  std::string request_id;
};

struct ReplayResult {
  size_t replayed = 0;                    // Entries read again.
  size_t accepted = 0;                    // Committed, and removed from the dead letters.
  size_t rejected = 0;                    // Still rejected; kept with their new reason.
  std::vector<int64_t> missing;           // Requested ids that are not (or no longer) dead letters.
  std::vector<IngestRecordError> errors;  // Still rejected: `index` is the dead letter's id.
};

inline constexpr int64_t kIdempotencyKeyLifetimeMicros = int64_t{24} * 3600 * 1'000'000;
// Undoes the Content-Encoding `content_encoding` of `body` in place. The decoded body (or
// the body as is, when it is not encoded) may be at most `max_decoded_bytes` long.
// Errors: those of ingest::ParseContentEncoding and ingest::DecodeBody; PayloadTooLarge
// (problem code payload_too_large) naming ingest.max_decoded_body_bytes.
Status InflateRequestBody(std::string& body, std::string_view content_encoding,
                          size_t max_decoded_bytes);

class IngestService {
 public:
  // Every reference must outlive the service.
  IngestService(DatasetService& datasets, backend::DataBackend& backend, meta::MetaStore& store,
                IngestLimits limits)
      : datasets_(datasets),
        backend_(backend),
        store_(store),
        limits_(limits),
        budget_(limits.memory_budget_bytes) {}

  // At start, before serving: settles the idempotency keys a crash left pending — done with
  // the outcome recovered from storage when their append committed, else released for a
  // retry — and releases the commit notes storage kept for them.
  Status RecoverIdempotencyKeys();

  // Dead letters of a dataset with keep_rejected: records its requests rejected (partial
  // mode, not dry runs), oldest first after the entry id `after_id`. Needs data:read.
  Result<std::vector<meta::RejectedRecordEntry>> ListRejected(const security::Principal& caller,
                                                              std::string_view dataset_id,
                                                              int64_t after_id, size_t limit);
  // Ingests dead letters again (after the schema was fixed) in partial mode: accepted ones
  // are committed and removed, the others stay with their new reason. Needs data:write.
  Result<ReplayResult> ReplayRejected(const security::Principal& caller,
                                      std::string_view dataset_id, ReplayRequest request);

  // Needs data:write on the dataset. Errors: NotFound, PermissionDenied; 415 for an unknown
  // Content-Type or Content-Encoding; 400 for a body that cannot be read as a whole or holds
  // no record (no_records); 413
  // for the limits; 503 overloaded / 507 from storage. Rejected records are not errors:
  // the result reports them (the caller picks 200, 207 or 422).
  Result<IngestResult> Ingest(const security::Principal& caller, std::string_view dataset_id,
                              IngestRequest request);

 private:
  // One execution of a request; `note_key` (non-empty) asks for a commit note.
  // `keep_rejected`: store the request's rejected records when the dataset asks for it.
  Result<IngestResult> IngestOnce(const security::Principal& caller, std::string_view dataset_id,
                                  IngestRequest request, const std::string& note_key,
                                  bool keep_rejected = true);
  Result<IngestResult> IngestIdempotent(const security::Principal& caller,
                                        std::string_view dataset_id, IngestRequest request);

  DatasetService& datasets_;
  backend::DataBackend& backend_;
  meta::MetaStore& store_;
  IngestLimits limits_;
  MemoryBudget budget_;
  std::atomic<int64_t> last_expiry_sweep_{0};
};

}  // namespace strata::service
