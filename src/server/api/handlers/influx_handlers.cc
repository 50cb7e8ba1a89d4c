#include "server/api/handlers/influx_handlers.h"

#include <string>
#include <utility>

#include "common/json_writer.h"
#include "ingest/content_decoding.h"
#include "server/api/problem.h"

namespace strata::server {
namespace {

enum class InfluxApi { kV1, kV2 };

// InfluxDB's error `code` for an HTTP status (influxdb/kit/platform/errors).
std::string_view InfluxCode(int http_status) {
  switch (http_status) {
    case 400: return "invalid";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not found";
    case 405: return "method not allowed";
    case 409: return "conflict";
    case 413: return "request too large";
    case 415: return "unsupported media type";
    case 422: return "unprocessable entity";
    case 429: return "too many requests";
    case 503: return "unavailable";
    default: return http_status >= 500 ? "internal error" : "invalid";
  }
}

ApiResponse InfluxResponse(int http_status, std::string_view message) {
  JsonWriter writer;
  writer.BeginObject();
  writer.Member("code", InfluxCode(http_status));
  writer.Member("message", message);
  writer.Member("error", message);
  writer.EndObject();
  ApiResponse response = ApiResponse::Json(http_status, writer.Take());
  response.content_type = "application/json; charset=utf-8";
  response.WithHeader("X-Influxdb-Version", std::string(kInfluxCompatVersion));
  return response;
}

// The ErrorRenderer of the write routes: authentication failures and request-level errors.
ApiResponse RenderInfluxError(const Status& status, const ApiRequest& request) {
  const int http_status = HttpStatusFor(status.code());
  ApiResponse response = InfluxResponse(http_status, PublicMessage(status, request.request_id));
  if (http_status == 401) response.WithHeader("WWW-Authenticate", "Token realm=\"strata\"");
  // InfluxDB's 503 says when to come back: soon, unless the dataset's storage failed to open.
  if (http_status == 503) {
    response.WithHeader("Retry-After", status.problem_code() == "dataset_unavailable" ? "5" : "1");
  }
  if (status.problem_code() == "unsupported_content_encoding") {
    response.WithHeader("Accept-Encoding", std::string(ingest::kSupportedContentEncodings));
  }
  return response;
}

Status InvalidPrecision(const std::string& text, InfluxApi api) {
  return Status::InvalidArgument(
      "invalid precision \"" + text + "\": valid precision units are " +
      (api == InfluxApi::kV2 ? "ns, us, ms and s" : "n, u, ms, s, m and h"));
}

// `precision`: absent or empty is nanoseconds; v2 takes ns, us, ms, s; v1 also n, u, m, h.
Result<ingest::TimestampPrecision> ParsePrecision(const ApiRequest& request, InfluxApi api) {
  const std::string* text = request.Query("precision");
  if (text == nullptr || text->empty()) return ingest::TimestampPrecision::kNanoseconds;
  if (api == InfluxApi::kV2 && *text != "ns" && *text != "us" && *text != "ms" && *text != "s") {
    return InvalidPrecision(*text, api);
  }
  Result<ingest::TimestampPrecision> parsed = ingest::ParseTimestampPrecision(*text);
  if (!parsed.ok()) return InvalidPrecision(*text, api);
  return parsed.value();
}

// 204 when every point was written; otherwise one message listing the dropped lines, as
// InfluxDB words a partial write: "partial write: <error>\n<error>... dropped=N". When nothing
// was written only because datasets are missing, 404 "database not found: ...".
ApiResponse WriteResponse(const service::InfluxWriteResult& result) {
  if (result.dropped == 0) {
    ApiResponse response = ApiResponse::NoContent();
    response.WithHeader("X-Influxdb-Version", std::string(kInfluxCompatVersion));
    return response;
  }
  if (result.written == 0 && result.dropped == result.dropped_missing) {
    std::string message;
    for (const std::string& dataset : result.missing_datasets) {
      if (!message.empty()) message.push_back('\n');
      message += "database not found: \"" + dataset + "\"";
    }
    return InfluxResponse(404, message);
  }
  std::string errors;
  for (const service::InfluxLineError& error : result.errors) {
    if (!errors.empty()) errors.push_back('\n');
    errors.append(error.message);
  }
  if (errors.empty()) errors = std::to_string(result.dropped) + " line(s) rejected";
  if (result.errors_truncated) errors.append("\n(further errors not listed)");
  return InfluxResponse(400,
                        "partial write: " + errors + " dropped=" + std::to_string(result.dropped));
}

Result<ApiResponse> Write(service::InfluxWriteService& service, const RequestContext& context,
                          InfluxApi api) {
  const ApiRequest& request = context.request;
  // The database (v1) or bucket (v2) is required, as InfluxDB requires it; the measurement of
  // each line names the dataset.
  const std::string* target = request.Query(api == InfluxApi::kV1 ? "db" : "bucket");
  if (target == nullptr || target->empty()) {
    return Status::InvalidArgument(api == InfluxApi::kV1 ? "database is required"
                                                         : "bucket is required");
  }
  service::InfluxWriteRequest write;
  STRATA_ASSIGN_OR_RETURN(write.precision, ParsePrecision(request, api));
  write.body = request.body;
  write.content_encoding = std::string(request.Header("content-encoding"));
  STRATA_ASSIGN_OR_RETURN(service::InfluxWriteResult result,
                          service.Write(context.principal, std::move(write)));
  return WriteResponse(result);
}

}  // namespace

void AddInfluxRoutes(Router& router, service::InfluxWriteService& service) {
  router.Add(
      Method::kPost, "/write",
      [&service](const RequestContext& context) { return Write(service, context, InfluxApi::kV1); },
      RouteOptions{.offload = true,
                   .query_credentials = true,
                   .render_error = RenderInfluxError,
                   .audit_action = "data.write"});
  router.Add(
      Method::kPost, "/api/v2/write",
      [&service](const RequestContext& context) { return Write(service, context, InfluxApi::kV2); },
      RouteOptions{
          .offload = true, .render_error = RenderInfluxError, .audit_action = "data.write"});
  router.Add(
      Method::kGet, "/ping",
      [](const RequestContext&) -> Result<ApiResponse> {
        ApiResponse response = ApiResponse::NoContent();
        response.WithHeader("X-Influxdb-Version", std::string(kInfluxCompatVersion));
        return response;
      },
      RouteOptions{.public_route = true});
}

}  // namespace strata::server
