#include "service/ingest_service.h"

#include <algorithm>
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

// How a rejected record's text reads on its own, as a dead letter: "ndjson", "csv" or
// "line-protocol", with the request's unit of timestamps when it matters
// ("line-protocol;precision=ms", "csv;time_unit=s").
std::string DeadLetterFormat(ingest::BodyFormat format, const IngestRequest& request) {
  switch (format) {
    case ingest::BodyFormat::kLineProtocol:
      return "line-protocol;precision=" +
             std::string(ingest::TimestampPrecisionName(request.precision));
    case ingest::BodyFormat::kCsv:
    case ingest::BodyFormat::kJson:
    case ingest::BodyFormat::kNdjson: {
      std::string name = format == ingest::BodyFormat::kCsv ? "csv" : "ndjson";
      if (request.time_unit != ingest::TimeUnit::kAuto) {
        name += ";time_unit=" + std::string(ingest::TimeUnitName(request.time_unit));
      }
      return name;
    }
  }
  return "ndjson";
}

// The ingest request that reads dead letters of `format` (from DeadLetterFormat) again.
Result<IngestRequest> ReplayRequestFor(std::string_view format) {
  IngestRequest request;
  const size_t semicolon = format.find(';');
  const std::string_view base = format.substr(0, semicolon);
  if (base == "csv") {
    request.content_type = "text/csv";
  } else if (base == "line-protocol") {
    request.content_type = "text/plain; format=line-protocol";
  } else if (base == "ndjson") {
    request.content_type = "application/x-ndjson";
  } else {
    return Status::Corruption("dead letter of unknown format '" + std::string(format) + "'");
  }
  if (semicolon == std::string_view::npos) return request;
  const std::string_view param = format.substr(semicolon + 1);
  const size_t equals = param.find('=');
  const std::string_view name = param.substr(0, equals);
  const std::string_view value = equals == std::string_view::npos ? "" : param.substr(equals + 1);
  if (name == "precision") {
    STRATA_ASSIGN_OR_RETURN(request.precision, ingest::ParseTimestampPrecision(value));
  } else if (name == "time_unit") {
    bool found = false;
    for (ingest::TimeUnit unit : {ingest::TimeUnit::kSeconds, ingest::TimeUnit::kMillis,
                                  ingest::TimeUnit::kMicros, ingest::TimeUnit::kNanos}) {
      if (ingest::TimeUnitName(unit) == value) {
        request.time_unit = unit;
        found = true;
      }
    }
    if (!found) return Status::Corruption("dead letter of unknown time unit");
  }
  return request;
}

// Keeps the first `max` rejected records as response errors, one per record, and, when
// `dead_letters` is set, every rejected record's text and reason.
class ErrorCollector : public ingest::RejectSink {
 public:
  ErrorCollector(size_t max, IngestResult& result) : max_(max), result_(result) {}

  // Starts keeping dead letters for `dataset` (cleared by Clear).
  void KeepDeadLetters(std::string dataset, std::string format, std::string request_id) {
    dead_letter_dataset_ = std::move(dataset);
    dead_letter_format_ = std::move(format);
    request_id_ = std::move(request_id);
  }
  void Clear() {
    result_.errors.clear();
    result_.errors_truncated = false;
    dead_letters_.clear();
  }
  std::vector<meta::RejectedRecordEntry>& dead_letters() { return dead_letters_; }

  void OnRejected(const ingest::RejectedRecord& record) override {
    if (!dead_letter_dataset_.empty()) KeepDeadLetter(record);
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
  void KeepDeadLetter(const ingest::RejectedRecord& record) {
    meta::RejectedRecordEntry entry;
    entry.dataset = dead_letter_dataset_;
    entry.received_at = NowMicros();
    entry.request_id = request_id_;
    entry.index = record.index;
    entry.format = dead_letter_format_;
    entry.code = std::string(record.issues.front().code);
    entry.pointer = record.issues.front().pointer;
    entry.detail = record.issues.front().detail;
    if (!record.header.empty()) entry.raw = std::string(record.header) + "\n";
    entry.raw.append(record.raw);
    if (dead_letter_format_.starts_with("ndjson")) {
      // A JSON array element may span lines; outside strings a line break is whitespace,
      // and inside one it was invalid anyway, so the record becomes one NDJSON line.
      for (char& c : entry.raw) {
        if (c == '\n' || c == '\r') c = ' ';
      }
    }
    dead_letters_.push_back(std::move(entry));
  }

  size_t max_;
  IngestResult& result_;
  std::string dead_letter_dataset_;
  std::string dead_letter_format_;
  std::string request_id_;
  std::vector<meta::RejectedRecordEntry> dead_letters_;
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
                                               const std::string& note_key, bool keep_rejected) {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetDocument> document,
                          datasets_.LoadForData(caller, dataset_id, Permission::kDataWrite));
  const meta::DatasetRecord& dataset = document->record;
  STRATA_ASSIGN_OR_RETURN(ingest::BodyFormat format, ingest::ParseBodyFormat(request.content_type));
  STRATA_RETURN_IF_ERROR(
      InflateRequestBody(request.body, request.content_encoding, limits_.max_decoded_body_bytes));
  // The body and the batch decoded from it (about its size again) are held until the end.
  STRATA_ASSIGN_OR_RETURN(MemoryBudget::Reservation reservation,
                          budget_.Reserve(2 * request.body.size()));

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
  // Dead letters: rejected records of partial requests that commit (atomic and dry-run
  // requests tell their caller that nothing was kept).
  if (keep_rejected && dataset.keep_rejected && !request.dry_run &&
      request.mode == IngestMode::kPartial) {
    collector.KeepDeadLetters(dataset.id, DeadLetterFormat(format, request), request.request_id);
  }
  auto decode = [&](const types::Schema& schema) -> Result<ingest::RecordDecodeSummary> {
    builder.Reset(schema);
    collector.Clear();
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
  if (!collector.dead_letters().empty()) {
    // The rows are committed; a failure here loses no row, only the copies, so it is
    // logged rather than failing the request.
    Result<int64_t> kept = store_.AddRejectedRecords(std::move(collector.dead_letters()),
                                                     limits_.max_rejected_per_dataset);
    if (!kept.ok()) {
      STRATA_LOG(kError, "could not keep rejected records as dead letters")
          .Str("dataset", dataset.id)
          .Str("error", kept.status().ToString());
    } else if (kept.value() > 0) {
      STRATA_LOG(kWarn, "dead letters over ingest.max_rejected_per_dataset; oldest dropped")
          .Str("dataset", dataset.id)
          .Int("dropped", kept.value());
    }
  }
  return result;
}

Result<std::vector<meta::RejectedRecordEntry>> IngestService::ListRejected(
    const security::Principal& caller, std::string_view dataset_id, int64_t after_id,
    size_t limit) {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetDocument> document,
                          datasets_.LoadForData(caller, dataset_id, Permission::kDataRead));
  return store_.ListRejectedRecords(document->record.id, after_id, limit);
}

Result<ReplayResult> IngestService::ReplayRejected(const security::Principal& caller,
                                                   std::string_view dataset_id,
                                                   ReplayRequest request) {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetDocument> document,
                          datasets_.LoadForData(caller, dataset_id, Permission::kDataWrite));
  const std::string& dataset = document->record.id;
  // The entries to replay, oldest first.
  std::vector<meta::RejectedRecordEntry> entries;
  ReplayResult replay;
  if (request.ids.empty()) {
    STRATA_ASSIGN_OR_RETURN(entries, store_.ListRejectedRecords(dataset, 0, request.limit));
  } else {
    std::sort(request.ids.begin(), request.ids.end());
    request.ids.erase(std::unique(request.ids.begin(), request.ids.end()), request.ids.end());
    for (int64_t id : request.ids) {
      STRATA_ASSIGN_OR_RETURN(std::vector<meta::RejectedRecordEntry> found,
                              store_.ListRejectedRecords(dataset, id - 1, 1));
      if (found.empty() || found[0].id != id) {
        replay.missing.push_back(id);
      } else {
        entries.push_back(std::move(found[0]));
      }
    }
  }
  // One ingest per group of entries that read the same way (format, CSV header), of at most
  // max_errors entries so that every rejected one is reported back.
  std::map<std::pair<std::string, std::string>, std::vector<const meta::RejectedRecordEntry*>>
      groups;
  for (const meta::RejectedRecordEntry& entry : entries) {
    std::string header;
    if (entry.format.starts_with("csv")) {
      header = entry.raw.substr(0, entry.raw.find('\n') + 1);
    }
    groups[{entry.format, header}].push_back(&entry);
  }
  for (const auto& [kind, members] : groups) {
    const auto& [format, header] = kind;
    for (size_t begin = 0; begin < members.size(); begin += limits_.max_errors) {
      const size_t end = std::min(members.size(), begin + limits_.max_errors);
      STRATA_ASSIGN_OR_RETURN(IngestRequest ingest, ReplayRequestFor(format));
      ingest.request_id = request.request_id;
      ingest.body = header;
      for (size_t i = begin; i < end; ++i) {
        ingest.body.append(std::string_view(members[i]->raw).substr(header.size()));
        ingest.body.push_back('\n');
      }
      Result<IngestResult> outcome =
          IngestOnce(caller, dataset_id, std::move(ingest), {}, /*keep_rejected=*/false);
      if (!outcome.ok()) {
        if (outcome.status().problem_code() == "no_records") continue;
        return outcome.status();
      }
      replay.replayed += end - begin;
      std::map<size_t, const IngestRecordError*> rejected;
      for (const IngestRecordError& error : outcome.value().errors) rejected[error.index] = &error;
      std::vector<int64_t> done;
      for (size_t i = begin; i < end; ++i) {
        const meta::RejectedRecordEntry& entry = *members[i];
        auto it = rejected.find(i - begin);
        if (it == rejected.end()) {
          done.push_back(entry.id);
          continue;
        }
        meta::RejectedRecordEntry updated = entry;
        updated.code = it->second->code;
        // The pointer's first segment is the index in the replay body; keep the field part.
        const std::string& pointer = it->second->pointer;
        const size_t slash = pointer.find('/', 1);
        updated.pointer = slash == std::string::npos ? "" : pointer.substr(slash);
        updated.detail = it->second->detail;
        STRATA_RETURN_IF_ERROR(store_.UpdateRejectedRecord(updated));
        IngestRecordError error = *it->second;
        error.index = static_cast<size_t>(entry.id);
        error.pointer = "/" + std::to_string(entry.id) + updated.pointer;
        replay.errors.push_back(std::move(error));
      }
      STRATA_RETURN_IF_ERROR(store_.DeleteRejectedRecords(dataset, done));
      replay.accepted += done.size();
      replay.rejected += (end - begin) - done.size();
    }
  }
  return replay;
}

}  // namespace strata::service
