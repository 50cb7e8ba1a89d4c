#include "meta/sqlite/job_rows.h"

#include <string>
#include <vector>

#include "common/json.h"
#include "common/json_writer.h"

namespace strata::meta::sqlite {

std::string StringsToJson(const std::vector<std::string>& values) {
  JsonWriter writer;
  writer.BeginArray();
  for (const std::string& value : values) writer.String(value);
  writer.EndArray();
  return writer.Take();
}

Result<std::vector<std::string>> StringsFromJson(std::string_view text) {
  Result<json::Value> parsed = json::Parse(text);
  if (!parsed.ok() || !parsed->is_array()) return Status::Corruption("stored list is not an array");
  std::vector<std::string> out;
  for (const json::Value& item : parsed->items()) {
    if (!item.is_string()) return Status::Corruption("stored list holds a non-string");
    out.push_back(item.string_value());
  }
  return out;
}

namespace {

std::string ErrorsToJson(const std::vector<JobRecordError>& errors) {
  JsonWriter writer;
  writer.BeginArray();
  for (const JobRecordError& error : errors) {
    writer.BeginObject();
    writer.Member("index", error.index);
    if (error.id) writer.Member("id", *error.id);
    writer.Member("pointer", error.pointer);
    writer.Member("code", error.code);
    writer.Member("detail", error.detail);
    writer.EndObject();
  }
  writer.EndArray();
  return writer.Take();
}

Result<std::vector<JobRecordError>> ErrorsFromJson(std::string_view text) {
  Result<json::Value> parsed = json::Parse(text);
  if (!parsed.ok() || !parsed->is_array()) return Status::Corruption("stored errors are invalid");
  std::vector<JobRecordError> out;
  for (const json::Value& item : parsed->items()) {
    const json::Value* index = item.Find("index");
    const json::Value* pointer = item.Find("pointer");
    const json::Value* code = item.Find("code");
    const json::Value* detail = item.Find("detail");
    if (index == nullptr || !index->is_int64() || pointer == nullptr || !pointer->is_string() ||
        code == nullptr || !code->is_string() || detail == nullptr || !detail->is_string()) {
      return Status::Corruption("a stored job error is invalid");
    }
    JobRecordError error;
    error.index = static_cast<uint64_t>(index->int64_value());
    if (const json::Value* id = item.Find("id"); id != nullptr && id->is_string()) {
      error.id = id->string_value();
    }
    error.pointer = pointer->string_value();
    error.code = code->string_value();
    error.detail = detail->string_value();
    out.push_back(std::move(error));
  }
  return out;
}

int64_t I(uint64_t value) { return static_cast<int64_t>(value); }
uint64_t U(int64_t value) { return static_cast<uint64_t>(value); }

}  // namespace

const std::string_view kSelectJob = R"sql(
SELECT id, dataset_id, creator, creator_roles, state, cancel_requested, body_file, upload_id,
       content_type, content_encoding, mode, dry_run, precision, time_unit, bytes_total,
       bytes_done, inflight_end, records_done, lines_done, accepted, rejected, first_seq,
       last_seq, schema_version, added_fields, errors, errors_truncated, error_status,
       error_code, error_detail, created_at, started_at, updated_at, finished_at, inflight_seq,
       job_type, delete_filter, deleted_rows, tombstone_seq, segments_total, segments_rewritten
FROM jobs)sql";

const std::string_view kUpsertJob = R"sql(
INSERT OR REPLACE INTO jobs (id, dataset_id, creator, creator_roles, state, cancel_requested,
  body_file, upload_id, content_type, content_encoding, mode, dry_run, precision, time_unit,
  bytes_total, bytes_done, inflight_end, records_done, lines_done, accepted, rejected,
  first_seq, last_seq, schema_version, added_fields, errors, errors_truncated, error_status,
  error_code, error_detail, created_at, started_at, updated_at, finished_at, inflight_seq,
  job_type, delete_filter, deleted_rows, tombstone_seq, segments_total, segments_rewritten)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
        ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36,
        ?37, ?38, ?39, ?40, ?41))sql";

void BindJob(Statement& s, const JobRecord& job) {
  s.Bind(1, job.id).Bind(2, job.dataset_id).Bind(3, job.creator);
  s.Bind(4, StringsToJson(job.creator_roles)).Bind(5, JobStateName(job.state));
  s.Bind(6, int64_t{job.cancel_requested}).Bind(7, job.body_file).Bind(8, job.upload_id);
  s.Bind(9, job.content_type).Bind(10, job.content_encoding).Bind(11, job.mode);
  s.Bind(12, int64_t{job.dry_run}).Bind(13, job.precision).Bind(14, job.time_unit);
  s.Bind(15, I(job.bytes_total)).Bind(16, I(job.bytes_done)).Bind(17, I(job.inflight_end));
  s.Bind(18, I(job.records_done)).Bind(19, I(job.lines_done)).Bind(20, I(job.accepted));
  s.Bind(21, I(job.rejected)).Bind(22, job.first_seq).Bind(23, job.last_seq);
  s.Bind(24, int64_t{job.schema_version}).Bind(25, StringsToJson(job.added_fields));
  s.Bind(26, ErrorsToJson(job.errors)).Bind(27, int64_t{job.errors_truncated});
  s.Bind(28, job.error_status).Bind(29, job.error_code).Bind(30, job.error_detail);
  s.Bind(31, job.created_at).Bind(32, job.started_at).Bind(33, job.updated_at);
  s.Bind(34, job.finished_at).Bind(35, job.inflight_seq);
  s.Bind(36, JobTypeName(job.type)).Bind(37, job.filter).Bind(38, I(job.deleted));
  s.Bind(39, job.tombstone_seq).Bind(40, I(job.segments_total));
  s.Bind(41, I(job.segments_rewritten));
}

Result<JobRecord> ReadJob(const Statement& row) {
  JobRecord job;
  job.id = row.Text(0);
  job.dataset_id = row.Text(1);
  job.creator = row.Text(2);
  STRATA_ASSIGN_OR_RETURN(job.creator_roles, StringsFromJson(row.Text(3)));
  std::optional<JobState> state = ParseJobState(row.Text(4));
  if (!state) return Status::Corruption("stored job has an unknown state");
  job.state = *state;
  job.cancel_requested = row.Int(5) != 0;
  job.body_file = row.Text(6);
  job.upload_id = row.Text(7);
  job.content_type = row.Text(8);
  job.content_encoding = row.Text(9);
  job.mode = row.Text(10);
  job.dry_run = row.Int(11) != 0;
  job.precision = row.Text(12);
  job.time_unit = row.Text(13);
  job.bytes_total = U(row.Int(14));
  job.bytes_done = U(row.Int(15));
  job.inflight_end = U(row.Int(16));
  job.records_done = U(row.Int(17));
  job.lines_done = U(row.Int(18));
  job.accepted = U(row.Int(19));
  job.rejected = U(row.Int(20));
  job.first_seq = row.Int(21);
  job.last_seq = row.Int(22);
  job.schema_version = static_cast<uint32_t>(row.Int(23));
  STRATA_ASSIGN_OR_RETURN(job.added_fields, StringsFromJson(row.Text(24)));
  STRATA_ASSIGN_OR_RETURN(job.errors, ErrorsFromJson(row.Text(25)));
  job.errors_truncated = row.Int(26) != 0;
  job.error_status = row.Text(27);
  job.error_code = row.Text(28);
  job.error_detail = row.Text(29);
  job.created_at = row.Int(30);
  job.started_at = row.Int(31);
  job.updated_at = row.Int(32);
  job.finished_at = row.Int(33);
  job.inflight_seq = row.Int(34);
  std::optional<JobType> type = ParseJobType(row.Text(35));
  if (!type) return Status::Corruption("stored job has an unknown type");
  job.type = *type;
  job.filter = row.Text(36);
  job.deleted = U(row.Int(37));
  job.tombstone_seq = row.Int(38);
  job.segments_total = U(row.Int(39));
  job.segments_rewritten = U(row.Int(40));
  return job;
}

const std::string_view kSelectUpload = R"sql(
SELECT id, dataset_id, creator, creator_roles, length, offset_bytes, metadata, job_id,
       created_at, updated_at, expires_at
FROM uploads)sql";

const std::string_view kUpsertUpload = R"sql(
INSERT OR REPLACE INTO uploads (id, dataset_id, creator, creator_roles, length, offset_bytes,
  metadata, job_id, created_at, updated_at, expires_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11))sql";

void BindUpload(Statement& s, const UploadRecord& upload) {
  s.Bind(1, upload.id).Bind(2, upload.dataset_id).Bind(3, upload.creator);
  s.Bind(4, StringsToJson(upload.creator_roles)).Bind(5, upload.length);
  s.Bind(6, I(upload.offset)).Bind(7, upload.metadata).Bind(8, upload.job_id);
  s.Bind(9, upload.created_at).Bind(10, upload.updated_at).Bind(11, upload.expires_at);
}

Result<UploadRecord> ReadUpload(const Statement& row) {
  UploadRecord upload;
  upload.id = row.Text(0);
  upload.dataset_id = row.Text(1);
  upload.creator = row.Text(2);
  STRATA_ASSIGN_OR_RETURN(upload.creator_roles, StringsFromJson(row.Text(3)));
  upload.length = row.Int(4);
  upload.offset = U(row.Int(5));
  upload.metadata = row.Text(6);
  upload.job_id = row.Text(7);
  upload.created_at = row.Int(8);
  upload.updated_at = row.Int(9);
  upload.expires_at = row.Int(10);
  return upload;
}

}  // namespace strata::meta::sqlite
