#include "server/api/handlers/job_handlers.h"

#include "common/time_util.h"
#include "ingest/content_decoding.h"
#include "server/api/problem.h"
#include "server/api/request_helpers.h"

namespace strata::server {
namespace {

bool HidesDetail(StatusCode code) {
  return code == StatusCode::kInternal || code == StatusCode::kIoError ||
         code == StatusCode::kCorruption;
}

void TimeMember(JsonWriter& writer, std::string_view key, int64_t micros) {
  writer.Key(key);
  micros == 0 ? writer.Null() : writer.String(FormatRfc3339(micros));
}

ApiResponse JobResponse(int status, const meta::JobRecord& job) {
  JsonWriter writer;
  WriteJobJson(writer, job);
  return JsonResponse(status, writer);
}

Result<ApiResponse> GetJob(service::JobService& jobs, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(meta::JobRecord job, jobs.Get(context.principal, context.Param("id")));
  return JobResponse(200, job);
}

Result<ApiResponse> CancelJob(service::JobService& jobs, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(meta::JobRecord job, jobs.Cancel(context.principal, context.Param("id")));
  // Queued jobs are cancelled at once; running ones after their current chunk.
  return JobResponse(meta::IsFinished(job.state) ? 200 : 202, job);
}

// The members of a delete job (docs/api.md "Jobs").
void WriteDeleteMembers(JsonWriter& writer, const meta::JobRecord& job) {
  writer.Member("filter", job.filter);
  // Null until the async job has counted (a count of 0 finishes it as succeeded).
  writer.Key("deleted");
  const bool counted =
      job.deleted > 0 || job.tombstone_seq != 0 || job.state == meta::JobState::kSucceeded;
  counted ? writer.Int(static_cast<int64_t>(job.deleted)) : writer.Null();
  writer.Key("tombstone_seq");
  job.tombstone_seq == 0 ? writer.Null() : writer.Int(job.tombstone_seq);
  writer.Key("progress");
  writer.BeginObject();
  writer.Member("segments_total", job.segments_total);
  writer.Member("segments_rewritten", job.segments_rewritten);
  writer.EndObject();
}

// The members of an ingest job.
void WriteIngestMembers(JsonWriter& writer, const meta::JobRecord& job) {
  writer.Key("upload_id");
  job.upload_id.empty() ? writer.Null() : writer.String(job.upload_id);
  writer.Member("content_type", job.content_type);
  if (!job.content_encoding.empty()) writer.Member("content_encoding", job.content_encoding);
  writer.Member("mode", job.mode);
  if (job.dry_run) writer.Member("dry_run", true);
  writer.Key("progress");
  writer.BeginObject();
  writer.Member("bytes_total", job.bytes_total);
  writer.Member("bytes_done", job.bytes_done);
  writer.Member("records", job.records_done);
  writer.EndObject();
  writer.Member("accepted", job.accepted);
  writer.Member("rejected", job.rejected);
  writer.Key("first_seq");
  job.first_seq == 0 ? writer.Null() : writer.Int(job.first_seq);
  writer.Key("last_seq");
  job.last_seq == 0 ? writer.Null() : writer.Int(job.last_seq);
  writer.Member("schema_version", static_cast<uint64_t>(job.schema_version));
  if (!job.added_fields.empty()) {
    writer.Key("added_fields");
    writer.BeginArray();
    for (const std::string& name : job.added_fields) writer.String(name);
    writer.EndArray();
  }
  writer.Key("errors");
  writer.BeginArray();
  for (const meta::JobRecordError& error : job.errors) {
    writer.BeginObject();
    writer.Member("index", error.index);
    if (error.id) writer.Member("id", *error.id);
    writer.Member("pointer", error.pointer);
    writer.Member("code", error.code);
    writer.Member("detail", error.detail);
    writer.EndObject();
  }
  writer.EndArray();
  writer.Member("errors_truncated", job.errors_truncated);
}

}  // namespace

void WriteJobJson(JsonWriter& writer, const meta::JobRecord& job) {
  writer.BeginObject();
  writer.Member("id", job.id);
  writer.Member("type", meta::JobTypeName(job.type));
  writer.Member("dataset", job.dataset_id);
  writer.Member("state", meta::JobStateName(job.state));
  writer.Member("cancel_requested", job.cancel_requested);
  writer.Member("created_by", job.creator);
  switch (job.type) {
    case meta::JobType::kIngest: WriteIngestMembers(writer, job); break;
    case meta::JobType::kDelete: WriteDeleteMembers(writer, job); break;
  }
  writer.Key("error");
  const Status failure = service::JobFailure(job);
  if (failure.ok()) {
    writer.Null();
  } else {
    writer.BeginObject();
    writer.Member("status", HttpStatusFor(failure.code()));
    writer.Member("code", failure.problem_code());
    writer.Member("detail", HidesDetail(failure.code())
                                ? "the job failed on the server; quote job id " + job.id +
                                      " when reporting it"
                                : std::string(failure.message()));
    writer.EndObject();
  }
  TimeMember(writer, "created_at", job.created_at);
  TimeMember(writer, "started_at", job.started_at);
  TimeMember(writer, "updated_at", job.updated_at);
  TimeMember(writer, "finished_at", job.finished_at);
  writer.EndObject();
}

Result<ApiResponse> StartIngestJob(service::JobService& jobs, const RequestContext& context,
                                   service::IngestRequest request) {
  Result<meta::JobRecord> started =
      jobs.StartIngest(context.principal, context.Param("id"), std::move(request));
  if (!started.ok()) {
    ApiResponse response = ProblemResponse(started.status(), context.request.request_id);
    if (response.status == 415 && !context.request.Header("content-encoding").empty()) {
      response.WithHeader("Accept-Encoding", std::string(ingest::kSupportedContentEncodings));
    }
    return response;
  }
  return JobAcceptedResponse(started.value());
}

ApiResponse JobAcceptedResponse(const meta::JobRecord& job) {
  return JobResponse(202, job).WithHeader("Location", "/v1/jobs/" + job.id);
}

void AddJobRoutes(Router& router, service::JobService& jobs) {
  router.Add(Method::kGet, "/v1/jobs/{id}",
             [&jobs](const RequestContext& context) { return GetJob(jobs, context); });
  router.Add(
      Method::kDelete, "/v1/jobs/{id}",
      [&jobs](const RequestContext& context) { return CancelJob(jobs, context); },
      RouteOptions{.audit_action = "jobs.cancel"});
}

}  // namespace strata::server
