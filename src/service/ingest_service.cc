#include "service/ingest_service.h"

#include "common/time_util.h"
#include "ingest/body_format.h"
#include "ingest/content_decoding.h"
#include "ingest/record_builder.h"
#include "ingest/record_decoder.h"
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

// Undoes Content-Encoding within the decoded-size limit.
Status InflateBody(std::string& body, std::string_view content_encoding, size_t limit) {
  STRATA_ASSIGN_OR_RETURN(std::vector<ingest::ContentCoding> codings,
                          ingest::ParseContentEncoding(content_encoding));
  if (codings.empty()) {
    if (body.size() > limit) {
      return Status::PayloadTooLarge("request body exceeds ingest.max_decoded_body_bytes (" +
                                     std::to_string(limit) + " bytes)")
          .WithProblemCode("payload_too_large");
    }
    return {};
  }
  STRATA_ASSIGN_OR_RETURN(std::string inflated, ingest::DecodeBody(body, codings, limit));
  body = std::move(inflated);
  return {};
}

}  // namespace

Result<IngestResult> IngestService::Ingest(const security::Principal& caller,
                                           std::string_view dataset_id, IngestRequest request) {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetDocument> document,
                          datasets_.LoadForData(caller, dataset_id, Permission::kDataWrite));
  const meta::DatasetRecord& dataset = document->record;
  STRATA_ASSIGN_OR_RETURN(ingest::BodyFormat format, ingest::ParseBodyFormat(request.content_type));
  STRATA_RETURN_IF_ERROR(
      InflateBody(request.body, request.content_encoding, limits_.max_decoded_body_bytes));

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
  options.now_us = NowMicros();

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
    STRATA_ASSIGN_OR_RETURN(types::AppendResult appended,
                            backend_.Append(dataset.id, builder.TakeBatch()));
    result.committed = true;
    result.first_seq = appended.first_seq;
    result.last_seq = appended.last_seq;
  }
  return result;
}

}  // namespace strata::service
