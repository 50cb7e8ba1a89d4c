#include "server/api/handlers/query_handlers.h"

#include "server/api/handlers/json_page_sink.h"
#include "server/api/handlers/result_stream.h"
#include "server/api/problem.h"
#include "server/api/request_helpers.h"

namespace strata::server {
namespace {

using service::ResultFormat;

Status BadMember(std::string_view name, const std::string& message) {
  return Status::InvalidArgument(message)
      .WithProblemCode("invalid_parameter")
      .WithErrors({ErrorDetail::Pointer("/" + std::string(name), message)});
}

Result<int64_t> PositiveInt(const json::Value& value, std::string_view name) {
  if (!value.is_int64() || value.int64_value() < 1) {
    return BadMember(name, std::string(name) + " must be a positive integer");
  }
  return value.int64_value();
}

// The body of a query request (docs/query.md "Requests").
Result<service::QueryRequest> ParseQueryRequest(const RequestContext& context) {
  STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
  if (!body.is_object()) return BadMember("", "the body must be a JSON object");
  service::QueryRequest request;
  std::optional<ResultFormat> format;
  for (const auto& [name, value] : body.members()) {
    if (name == "sql") {
      if (!value.is_string()) return BadMember("sql", "sql must be a string");
      request.sql = value.string_value();
    } else if (name == "params") {
      request.params = value;
    } else if (name == "format") {
      format = value.is_string() ? service::ParseResultFormat(value.string_value()) : std::nullopt;
      if (!format) return BadMember("format", "format must be json, ndjson or csv");
    } else if (name == "limit") {
      STRATA_ASSIGN_OR_RETURN(request.limit, PositiveInt(value, "limit"));
    } else if (name == "cursor") {
      if (!value.is_string()) return BadMember("cursor", "cursor must be a string");
      request.cursor = value.string_value();
    } else if (name == "timeout_ms") {
      STRATA_ASSIGN_OR_RETURN(request.timeout_ms, PositiveInt(value, "timeout_ms"));
    } else if (name == "schema_version") {
      STRATA_ASSIGN_OR_RETURN(int64_t version, PositiveInt(value, "schema_version"));
      request.schema_version = static_cast<uint32_t>(std::min<int64_t>(version, UINT32_MAX));
    } else {
      return BadMember(name, "unknown member '" + name +
                                 "'; expected sql, params, format, limit, cursor, timeout_ms or "
                                 "schema_version");
    }
  }
  if (!format) {
    const std::string_view accept = context.request.Header("accept");
    format = service::ResultFormatFromAccept(accept).value_or(ResultFormat::kJson);
  }
  request.format = *format;
  request.cancellation = context.request.cancellation;
  if (context.audit != nullptr) request.audit_ids = *context.audit;
  return request;
}

Result<ApiResponse> Query(service::QueryService& service, const RequestContext& context,
                          std::string dataset) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(service::QueryRequest request, ParseQueryRequest(context));
  request.dataset = std::move(dataset);
  STRATA_ASSIGN_OR_RETURN(std::unique_ptr<service::PreparedQuery> prepared,
                          service.Prepare(context.principal, request));
  if (prepared->format() == ResultFormat::kJson) {
    JsonPageSink page(prepared->parallelism());
    STRATA_ASSIGN_OR_RETURN(service::QueryOutcome outcome, prepared->Run(page));
    ApiResponse response = page.TakeResponse(outcome);
    response.WithHeader("Strata-Cache", outcome.cache_hit ? "hit" : "miss");
    return response;
  }
  std::shared_ptr<service::PreparedQuery> shared = std::move(prepared);
  ApiResponse response = StreamedResultResponse(
      shared->format(), shared->columns(),
      [shared](exec::RowSink& sink) { return shared->Run(sink); }, context.request.request_id);
  response.WithHeader("Strata-Cache", "miss");
  return response;
}

}  // namespace

void AddQueryRoutes(Router& router, service::QueryService& service) {
  const RouteOptions options{
      .offload = true, .audit = AuditMode::kByService, .audit_action = "data.read"};
  router.Add(
      Method::kPost, "/v1/query",
      [&service](const RequestContext& context) { return Query(service, context, ""); }, options);
  router.Add(
      Method::kPost, "/v1/datasets/{id}/query",
      [&service](const RequestContext& context) {
        return Query(service, context, context.Param("id"));
      },
      options);
}

}  // namespace strata::server
