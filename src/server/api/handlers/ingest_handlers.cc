#include "server/api/handlers/ingest_handlers.h"

#include "ingest/content_decoding.h"
#include "server/api/problem.h"
#include "server/api/request_helpers.h"
#include "types/schema_json.h"

namespace strata::server {
namespace {

using service::IngestMode;
using service::IngestResult;

Status BadParameter(std::string_view name, std::string message) {
  return Status::InvalidArgument(message).WithErrors(
      {ErrorDetail::Parameter(std::string(name), message)});
}

Result<bool> ParseBool(const ApiRequest& request, std::string_view name) {
  const std::string* value = request.Query(name);
  if (value == nullptr || *value == "false") return false;
  if (*value == "true" || value->empty()) return true;
  return BadParameter(name, std::string(name) + " must be true or false, got '" + *value + "'");
}

Result<ingest::TimeUnit> ParseTimeUnit(const std::string& text) {
  if (text == "auto") return ingest::TimeUnit::kAuto;
  if (text == "s") return ingest::TimeUnit::kSeconds;
  if (text == "ms") return ingest::TimeUnit::kMillis;
  if (text == "us") return ingest::TimeUnit::kMicros;
  if (text == "ns") return ingest::TimeUnit::kNanos;
  return BadParameter("time_unit", "time_unit must be auto, s, ms, us or ns, got '" + text + "'");
}

// Idempotency-Key (CONVENTIONS.md §4): a structured-field string or a bare token of 1 to 255
// visible ASCII characters.
Result<std::optional<std::string>> ParseIdempotencyKey(const ApiRequest& request) {
  if (!request.HasHeader("idempotency-key")) return std::optional<std::string>();
  std::string_view value = request.Header("idempotency-key");
  std::string key;
  auto bad = [](std::string message) {
    return Status::InvalidArgument(message).WithErrors(
        {ErrorDetail::Header("Idempotency-Key", message)});
  };
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '\\' && i + 1 < value.size()) ++i;
      key.push_back(value[i]);
    }
  } else {
    key = std::string(value);
  }
  if (key.empty() || key.size() > 255) {
    return bad("Idempotency-Key must hold 1 to 255 characters");
  }
  for (char c : key) {
    if (c < 0x20 || c > 0x7e) return bad("Idempotency-Key must be visible ASCII");
  }
  return std::optional<std::string>(std::move(key));
}

Result<service::IngestRequest> ParseIngestRequest(const ApiRequest& request) {
  STRATA_RETURN_IF_ERROR(
      CheckQueryParameters(request, {"mode", "dry_run", "precision", "time_unit"}));
  service::IngestRequest ingest;
  if (const std::string* mode = request.Query("mode")) {
    if (*mode == "atomic") {
      ingest.mode = IngestMode::kAtomic;
    } else if (*mode != "partial") {
      return BadParameter("mode", "mode must be partial or atomic, got '" + *mode + "'");
    }
  }
  STRATA_ASSIGN_OR_RETURN(ingest.dry_run, ParseBool(request, "dry_run"));
  if (const std::string* precision = request.Query("precision")) {
    Result<ingest::TimestampPrecision> parsed = ingest::ParseTimestampPrecision(*precision);
    if (!parsed.ok()) return BadParameter("precision", std::string(parsed.status().message()));
    ingest.precision = parsed.value();
  }
  if (const std::string* unit = request.Query("time_unit")) {
    STRATA_ASSIGN_OR_RETURN(ingest.time_unit, ParseTimeUnit(*unit));
  }
  STRATA_ASSIGN_OR_RETURN(ingest.idempotency_key, ParseIdempotencyKey(request));
  ingest.content_type = std::string(request.Header("content-type"));
  ingest.content_encoding = std::string(request.Header("content-encoding"));
  ingest.body = request.body;
  return ingest;
}

// The members every ingest answer carries (DESIGN.md "Wire examples").
void WriteResultMembers(JsonWriter& writer, const IngestResult& result) {
  writer.Member("accepted", static_cast<uint64_t>(result.accepted));
  writer.Member("rejected", static_cast<uint64_t>(result.rejected));
  writer.Key("first_seq");
  result.committed ? writer.Int(result.first_seq) : writer.Null();
  writer.Key("last_seq");
  result.committed ? writer.Int(result.last_seq) : writer.Null();
  writer.Member("schema_version", static_cast<uint64_t>(result.schema_version));
  writer.Member("mode", result.mode == IngestMode::kAtomic ? "atomic" : "partial");
  if (result.dry_run) writer.Member("dry_run", true);
  if (!result.added_fields.empty()) {
    writer.Key("added_fields");
    writer.BeginArray();
    for (const types::Field& field : result.added_fields) types::WriteFieldJson(writer, field);
    writer.EndArray();
  }
  writer.Key("errors");
  writer.BeginArray();
  for (const service::IngestRecordError& error : result.errors) {
    writer.BeginObject();
    writer.Member("index", static_cast<uint64_t>(error.index));
    if (error.id) writer.Member("id", *error.id);
    writer.Member("pointer", error.pointer);
    writer.Member("code", error.code);
    writer.Member("detail", error.detail);
    writer.EndObject();
  }
  writer.EndArray();
  writer.Member("errors_truncated", result.errors_truncated);
}

Result<ApiResponse> Ingest(service::IngestService& service, const RequestContext& context) {
  STRATA_ASSIGN_OR_RETURN(service::IngestRequest request, ParseIngestRequest(context.request));
  Result<IngestResult> ingested =
      service.Ingest(context.principal, context.Param("id"), std::move(request));
  if (!ingested.ok()) {
    ApiResponse response = ProblemResponse(ingested.status(), context.request.request_id);
    if (response.status == 415 && !context.request.Header("content-encoding").empty()) {
      response.WithHeader("Accept-Encoding", std::string(ingest::kSupportedContentEncodings));
    }
    return response;
  }
  const IngestResult& result = ingested.value();
  // A replayed answer says so (the same status and body as the first time).
  auto replayed = [&](ApiResponse response) {
    if (result.replayed) response.WithHeader("Idempotent-Replayed", "true");
    return response;
  };
  // 422 when nothing would be committed because of rejected records: all rejected, or an
  // atomic request with any rejected.
  const bool invalid = result.rejected > 0 && result.accepted == 0;
  if (invalid) {
    const std::string detail = result.mode == IngestMode::kAtomic
                                   ? std::to_string(result.rejected) +
                                         " record(s) are invalid; atomic mode committed nothing"
                                   : "all " + std::to_string(result.rejected) +
                                         " record(s) are invalid; nothing was "
                                         "committed";
    return ProblemResponse(Status::ValidationFailed(detail).WithProblemCode("records_invalid"),
                           context.request.request_id, 422,
                           [&](JsonWriter& writer) { WriteResultMembers(writer, result); });
  }
  JsonWriter writer;
  writer.BeginObject();
  WriteResultMembers(writer, result);
  writer.EndObject();
  return replayed(JsonResponse(result.rejected > 0 ? 207 : 200, writer));
}

}  // namespace

void AddIngestRoutes(Router& router, service::IngestService& service) {
  router.Add(
      Method::kPost, "/v1/datasets/{id}/ingest",
      [&service](const RequestContext& context) { return Ingest(service, context); },
      RouteOptions{.offload = true});
}

}  // namespace strata::server
