#include "service/ingest_service.h"

#include <map>

#include "common/logging.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "ingest/body_format.h"
#include "ingest/content_decoding.h"
#include "ingest/record_builder.h"
#include "ingest/record_decoder.h"
#include "security/crypto.h"
#include "service/ingest_outcome_codec.h"
#include "types/schema_evolution.h"

namespace strata::service {
namespace {

using security::Permission;

// Keeps the first `max` rejected records as response errors, one per record.
class ErrorCollector : public ingest::RejectSink {
 public:
  ErrorCollector(size_t max, IngestResult& result) : max_(max), result_(result) {}

  void OnRejected(const ingest::RejectedRecord& record) override {
    if (result_.errors.size() >= max_) {
      result_.errors_truncated = true;
      return;
    }
    const ingest::RecordIssue& first = record.issues.front();
    IngestRecordError error;
    error.index = record.index;
    if (record.id) error.id = std::string(*record.id);
    error.pointer = "/" + std::to_string(record.index) + first.pointer;
    error.code = std::string(first.code);
    error.detail = first.detail;
    if (record.issues.size() > 1) {
      error.detail +=
          " (and " + std::to_string(record.issues.size() - 1) + " more problem(s) in this record)";
    }
    result_.errors.push_back(std::move(error));
  }

 private:
  size_t max_;
  IngestResult& result_;
};

}  // namespace

Status InflateRequestBody(std::string& body, std::string_view content_encoding,
                          size_t max_decoded_bytes) {
  STRATA_ASSIGN_OR_RETURN(std::vector<ingest::ContentCoding> codings,
                          ingest::ParseContentEncoding(content_encoding));
  if (codings.empty()) {
    if (body.size() > max_decoded_bytes) {
      return Status::PayloadTooLarge("request body exceeds ingest.max_decoded_body_bytes (" +
                                     std::to_string(max_decoded_bytes) + " bytes)")
          .WithProblemCode("payload_too_large");
    }
    return {};
  }
  STRATA_ASSIGN_OR_RETURN(std::string inflated,
                          ingest::DecodeBody(body, codings, max_decoded_bytes));
  body = std::move(inflated);
  return {};
}

namespace {

// The storage note of key `key` of `principal` (principal references hold no newline).
std::string NoteKey(std::string_view principal, std::string_view key) {
  return std::string(principal) + "\n" + std::string(key);
}

// What a request asked: two requests with one key must agree on all of it.
std::string Fingerprint(const security::Principal& caller, std::string_view dataset_id,
                        const IngestRequest& request) {
  std::string text = "POST /v1/datasets/" + std::string(dataset_id) + "/ingest\n";
  text += caller.ref + "\n" + request.content_type + "\n" + request.content_encoding + "\n";
  text += request.mode == IngestMode::kAtomic ? "atomic" : "partial";
  text += request.dry_run ? "\ndry_run\n" : "\n\n";
  text += std::string(ingest::TimestampPrecisionName(request.precision)) + "\n";
  text += std::string(ingest::TimeUnitName(request.time_unit)) + "\n";
  text += security::Sha256(request.body);
  return HexEncode(security::Sha256(text));
}

// Failures a retry may cure: their outcome is not kept.
bool Transient(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kInsufficientStorage:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kIoError:
    case StatusCode::kCorruption:
    case StatusCode::kInternal: return true;
    default: return false;
  }
}

}  // namespace

Result<IngestResult> IngestService::IngestIdempotent(const security::Principal& caller,
                                                     std::string_view dataset_id,
                                                     IngestRequest request) {
  const int64_t now = NowMicros();
  if (now - last_expiry_sweep_.load() > 60'000'000) {
    last_expiry_sweep_ = now;
    store_.DeleteExpiredIdempotency(now).status().IgnoreError();  // Retried next minute.
  }
  meta::IdempotencyRecord pending;
  pending.principal = caller.ref;
  pending.key = *request.idempotency_key;
  pending.dataset = std::string(dataset_id);
  pending.fingerprint = Fingerprint(caller, dataset_id, request);
  pending.created_at = now;
  pending.expires_at = now + kIdempotencyKeyLifetimeMicros;
  STRATA_ASSIGN_OR_RETURN(std::optional<meta::IdempotencyRecord> existing,
                          store_.BeginIdempotency(pending, now));
  if (existing) {
    if (!existing->done) {
      return Status::Conflict("a request with Idempotency-Key '" + pending.key +
                              "' is still running; retry when it has finished")
          .WithProblemCode("idempotency_key_in_flight");
    }
    if (existing->fingerprint != pending.fingerprint) {
      return Status::ValidationFailed(
                 "Idempotency-Key '" + pending.key +
                 "' was used for a different request in the last 24 hours; use a new key")
          .WithProblemCode("idempotency_key_reused");
    }
    STRATA_ASSIGN_OR_RETURN(Result<IngestResult> stored, DecodeIngestOutcome(existing->outcome));
    if (stored.ok()) stored.value().replayed = true;
    return stored;
  }
  const std::string note_key = NoteKey(caller.ref, pending.key);
  Result<IngestResult> outcome = IngestOnce(caller, dataset_id, std::move(request), note_key);
  if (!outcome.ok() && Transient(outcome.status())) {
    store_.AbandonIdempotency(pending.principal, pending.key).IgnoreError();
    return outcome;
  }
  Status stored =
      store_.CompleteIdempotency(pending.principal, pending.key, EncodeIngestOutcome(outcome));
  if (stored.ok() && outcome.ok() && outcome.value().committed) {
    backend_.ConfirmNotes(dataset_id, {note_key}).IgnoreError();  // Kept until next start.
  }
  if (!stored.ok()) {
    // The rows are durable; the key stays pending until the next start settles it from the
    // commit note. The caller still gets the outcome.
    STRATA_LOG(kError, "could not record an idempotency key's outcome")
        .Str("key", pending.key)
        .Str("error", stored.ToString());
  }
  return outcome;
}

Status IngestService::RecoverIdempotencyKeys() {
  STRATA_ASSIGN_OR_RETURN(std::vector<meta::IdempotencyRecord> pending,
                          store_.ListPendingIdempotency());
  STRATA_ASSIGN_OR_RETURN(std::vector<types::CommittedNote> notes, backend_.UnconfirmedNotes());
  std::map<std::pair<std::string, std::string>, const types::CommittedNote*> by_key;
  for (const types::CommittedNote& note : notes) by_key[{note.dataset, note.key}] = &note;
  size_t completed = 0;
  for (const meta::IdempotencyRecord& record : pending) {
    auto it = by_key.find({record.dataset, NoteKey(record.principal, record.key)});
    if (it == by_key.end()) {
      // Its append never committed: the request may run again.
      STRATA_RETURN_IF_ERROR(store_.AbandonIdempotency(record.principal, record.key));
      continue;
    }
    STRATA_ASSIGN_OR_RETURN(Result<IngestResult> outcome, DecodeIngestOutcome(it->second->payload));
    if (outcome.ok()) {
      outcome.value().first_seq = it->second->first_seq;
      outcome.value().last_seq = it->second->last_seq;
    }
    STRATA_RETURN_IF_ERROR(
        store_.CompleteIdempotency(record.principal, record.key, EncodeIngestOutcome(outcome)));
    ++completed;
  }
  // Every note now has a done record (or its key expired): release them all.
  std::map<std::string, std::vector<std::string>> keys_by_dataset;
  for (const types::CommittedNote& note : notes) keys_by_dataset[note.dataset].push_back(note.key);
  for (const auto& [dataset, keys] : keys_by_dataset) {
    STRATA_RETURN_IF_ERROR(backend_.ConfirmNotes(dataset, keys));
  }
  if (!pending.empty()) {
    STRATA_LOG(kInfo, "settled idempotency keys left pending by the last stop")
        .Int("completed", static_cast<int64_t>(completed))
        .Int("released", static_cast<int64_t>(pending.size() - completed));
  }
  return {};
}

Result<IngestResult> IngestService::Ingest(const security::Principal& caller,
                                           std::string_view dataset_id, IngestRequest request) {
  if (request.idempotency_key) return IngestIdempotent(caller, dataset_id, std::move(request));
  return IngestOnce(caller, dataset_id, std::move(request), {});
}

Result<IngestResult> IngestService::IngestOnce(const security::Principal& caller,
                                               std::string_view dataset_id, IngestRequest request,
                                               const std::string& note_key) {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetDocument> document,
                          datasets_.LoadForData(caller, dataset_id, Permission::kDataWrite));
  const meta::DatasetRecord& dataset = document->record;
  STRATA_ASSIGN_OR_RETURN(ingest::BodyFormat format, ingest::ParseBodyFormat(request.content_type));
  STRATA_RETURN_IF_ERROR(
      InflateRequestBody(request.body, request.content_encoding, limits_.max_decoded_body_bytes));

  ingest::TypeOptions types;
  types.schema_mode = dataset.schema_mode == meta::SchemaMode::kEvolve
                          ? ingest::SchemaMode::kEvolve
                          : ingest::SchemaMode::kStrict;
  if (!dataset.record_id_field.empty()) types.record_id_field = dataset.record_id_field;
  types.epoch_unit =
      format == ingest::BodyFormat::kLineProtocol ? ingest::TimeUnit::kMicros : request.time_unit;
  ingest::RecordDecodeOptions options;
  options.max_record_bytes = limits_.max_record_bytes;
  options.max_records = limits_.max_rows_per_request;
  options.dataset_id = dataset.id;
  options.time_field = dataset.time_field;
  options.precision = request.precision;
  options.now_us = request.now_us.value_or(NowMicros());

  IngestResult result;
  result.dry_run = request.dry_run;
  result.mode = request.mode;
  ingest::RecordBuilder builder(dataset.schema, types);
  ErrorCollector collector(limits_.max_errors, result);
  auto decode = [&](const types::Schema& schema) -> Result<ingest::RecordDecodeSummary> {
    builder.Reset(schema);
    result.errors.clear();
    result.errors_truncated = false;
    result.schema_version = schema.version;
    return ingest::DecodeRecords(format, request.body, options, builder, collector);
  };
  STRATA_ASSIGN_OR_RETURN(ingest::RecordDecodeSummary summary, decode(dataset.schema));
  if (summary.records == 0) {
    return Status::InvalidArgument("the body holds no records; send at least one")
        .WithProblemCode("no_records");
  }

  // Evolve mode: records with new fields were rejected with unknown_field; add the fields
  // (or, for a dry run, only compute the schema they would make) and decode again.
  if (types.schema_mode == ingest::SchemaMode::kEvolve && !builder.unknown_fields().empty()) {
    std::vector<types::Field> fields;
    for (const ingest::InferredField& inferred : builder.unknown_fields()) {
      types::Field field;
      field.name = inferred.name;
      field.type = inferred.type;
      field.nullable = true;
      fields.push_back(std::move(field));
    }
    types::Schema evolved;
    if (request.dry_run) {
      std::vector<types::SchemaChange> changes;
      for (const types::Field& field : fields) {
        types::SchemaChange change;
        change.op = types::SchemaChange::Op::kAdd;
        change.name = field.name;
        change.field = field;
        changes.push_back(std::move(change));
      }
      types::SchemaRoles roles{dataset.time_field, dataset.record_id_field, dataset.sort_key};
      STRATA_ASSIGN_OR_RETURN(evolved, types::EvolveSchema(dataset.schema, changes, roles));
    } else {
      STRATA_ASSIGN_OR_RETURN(meta::DatasetRecord updated,
                              datasets_.AddInferredFields(caller, dataset_id, fields));
      evolved = std::move(updated.schema);
    }
    for (types::Field& field : fields) {
      if (dataset.schema.Find(field.name) == nullptr) result.added_fields.push_back(field);
    }
    STRATA_ASSIGN_OR_RETURN(summary, decode(evolved));
  }
  const bool atomic_failed = request.mode == IngestMode::kAtomic && summary.rejected > 0;
  result.accepted = atomic_failed ? 0 : summary.accepted;
  result.rejected = summary.rejected;

  const bool commit = !request.dry_run && !atomic_failed && summary.accepted > 0;
  if (atomic_failed) result.added_fields.clear();  // Kept, but not this request's doing.
  if (commit) {
    std::optional<types::CommitNote> note;
    if (!note_key.empty()) {
      // The outcome as a retry must see it; sequence numbers come from the append.
      IngestResult committed = result;
      committed.committed = true;
      note.emplace(types::CommitNote{note_key, EncodeIngestOutcome(committed)});
    }
    STRATA_ASSIGN_OR_RETURN(
        types::AppendResult appended,
        backend_.Append(dataset.id, builder.TakeBatch(), note ? &*note : nullptr));
    result.committed = true;
    result.first_seq = appended.first_seq;
    result.last_seq = appended.last_seq;
  }
  return result;
}

}  // namespace strata::service
