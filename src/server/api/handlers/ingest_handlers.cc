#include "server/api/handlers/ingest_handlers.h"

#include <charconv>

#include "common/time_util.h"
#include "ingest/content_decoding.h"
#include "server/api/handlers/job_handlers.h"
#include "server/api/problem.h"
#include "server/api/request_helpers.h"
#include "service/ingest_outcome_codec.h"
#include "types/schema_json.h"

namespace strata::server {
namespace {

using service::IngestMode;
using service::IngestResult;

Status BadParameter(std::string_view name, std::string message) {
  return Status::InvalidArgument(message).WithErrors(
      {ErrorDetail::Parameter(std::string(name), message)});
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
      CheckQueryParameters(request, {"mode", "dry_run", "precision", "time_unit", "async"}));
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
  ingest.request_id = request.request_id;
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
  service::WriteIngestRecordErrors(writer, result.errors);
  writer.Member("errors_truncated", result.errors_truncated);
}

Result<ApiResponse> Ingest(service::IngestService& service, service::JobService* jobs,
                           const RequestContext& context) {
  STRATA_ASSIGN_OR_RETURN(service::IngestRequest request, ParseIngestRequest(context.request));
  std::optional<bool> async;
  if (context.request.Query("async") != nullptr) {
    STRATA_ASSIGN_OR_RETURN(async, ParseBool(context.request, "async"));
  }
  if (jobs != nullptr && jobs->ShouldRunAsync(async, context.request.body.size())) {
    return StartIngestJob(*jobs, context, std::move(request));
  }
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

void WriteRecordErrors(JsonWriter& writer, const std::vector<service::IngestRecordError>& errors) {
  writer.Key("errors");
  writer.BeginArray();
  for (const service::IngestRecordError& error : errors) {
    writer.BeginObject();
    writer.Member("id", static_cast<int64_t>(error.index));
    writer.Member("pointer", error.pointer);
    writer.Member("code", error.code);
    writer.Member("detail", error.detail);
    writer.EndObject();
  }
  writer.EndArray();
}

Result<ApiResponse> ListRejected(service::IngestService& service, const RequestContext& context) {
  const ApiRequest& request = context.request;
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(request, {"limit", "cursor"}));
  STRATA_ASSIGN_OR_RETURN(service::PageRequest page, ParsePageRequest(request));
  int64_t after_id = 0;
  if (!page.cursor.empty()) {
    auto [ptr, ec] =
        std::from_chars(page.cursor.data(), page.cursor.data() + page.cursor.size(), after_id);
    if (ec != std::errc() || ptr != page.cursor.data() + page.cursor.size() || after_id < 0) {
      return BadParameter("cursor", "cursor is not one this endpoint returned");
    }
  }
  STRATA_ASSIGN_OR_RETURN(
      std::vector<meta::RejectedRecordEntry> entries,
      service.ListRejected(context.principal, context.Param("id"), after_id, page.limit + 1));
  std::string next_cursor;
  if (entries.size() > page.limit) {
    entries.pop_back();
    next_cursor = std::to_string(entries.back().id);
  }
  return ListResponse(request, next_cursor, [&](JsonWriter& writer) {
    for (const meta::RejectedRecordEntry& entry : entries) {
      writer.BeginObject();
      writer.Member("id", entry.id);
      writer.Member("received_at", FormatRfc3339(entry.received_at));
      writer.Member("request_id", entry.request_id);
      writer.Member("index", static_cast<uint64_t>(entry.index));
      writer.Member("format", entry.format);
      writer.Member("code", entry.code);
      writer.Member("pointer", entry.pointer);
      writer.Member("detail", entry.detail);
      writer.Member("raw", entry.raw);
      writer.EndObject();
    }
  });
}

Result<ApiResponse> ReplayRejected(service::IngestService& service, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  service::ReplayRequest replay;
  replay.request_id = context.request.request_id;
  if (!context.request.body.empty()) {
    STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
    if (!body.is_object()) {
      return Status::ValidationFailed("the body must be an object")
          .WithErrors({ErrorDetail::Pointer("", "expected an object with optional ids and limit")});
    }
    for (const json::Value::Member& member : body.members()) {
      if (member.first == "ids") {
        if (!member.second.is_array() || member.second.items().size() > 10'000) {
          return Status::ValidationFailed("ids must be an array of at most 10000 ids")
              .WithErrors({ErrorDetail::Pointer("/ids", "expected an array of dead letter ids")});
        }
        for (size_t i = 0; i < member.second.items().size(); ++i) {
          const json::Value& id = member.second.items()[i];
          if (!id.is_int64() || id.int64_value() <= 0) {
            return Status::ValidationFailed("ids must be positive integers")
                .WithErrors({ErrorDetail::Pointer("/ids/" + std::to_string(i),
                                                  "expected a dead letter id")});
          }
          replay.ids.push_back(id.int64_value());
        }
      } else if (member.first == "limit") {
        if (!member.second.is_int64() || member.second.int64_value() < 1 ||
            member.second.int64_value() > 10'000) {
          return Status::ValidationFailed("limit must be 1..10000")
              .WithErrors({ErrorDetail::Pointer("/limit", "expected an integer in 1..10000")});
        }
        replay.limit = static_cast<size_t>(member.second.int64_value());
      } else {
        return Status::ValidationFailed("unknown member '" + member.first + "'")
            .WithErrors({ErrorDetail::Pointer("/" + member.first, "not a replay option")});
      }
    }
  }
  STRATA_ASSIGN_OR_RETURN(
      service::ReplayResult result,
      service.ReplayRejected(context.principal, context.Param("id"), std::move(replay)));
  JsonWriter writer;
  writer.BeginObject();
  writer.Member("replayed", static_cast<uint64_t>(result.replayed));
  writer.Member("accepted", static_cast<uint64_t>(result.accepted));
  writer.Member("rejected", static_cast<uint64_t>(result.rejected));
  writer.Key("missing");
  writer.BeginArray();
  for (int64_t id : result.missing) writer.Int(id);
  writer.EndArray();
  WriteRecordErrors(writer, result.errors);
  writer.EndObject();
  return JsonResponse(200, writer);
}

}  // namespace

void AddIngestRoutes(Router& router, service::IngestService& service, service::JobService* jobs) {
  router.Add(
      Method::kPost, "/v1/datasets/{id}/ingest",
      [&service, jobs](const RequestContext& context) { return Ingest(service, jobs, context); },
      RouteOptions{.offload = true, .audit_action = "data.ingest"});
  // Dead letters hold records as they were sent: reading them is recorded like a data read.
  router.Add(
      Method::kGet, "/v1/datasets/{id}/rejected",
      [&service](const RequestContext& context) { return ListRejected(service, context); },
      RouteOptions{.audit = AuditMode::kEvery, .audit_action = "data.rejected.read"});
  router.Add(
      Method::kPost, "/v1/datasets/{id}/rejected/replay",
      [&service](const RequestContext& context) { return ReplayRejected(service, context); },
      RouteOptions{.offload = true, .audit_action = "data.rejected.replay"});
}

}  // namespace strata::server
