#include "server/api/handlers/records_handlers.h"

#include <charconv>

#include "common/strings.h"
#include "server/api/handlers/job_handlers.h"
#include "server/api/problem.h"
#include "server/api/request_helpers.h"
#include "service/result_format.h"

namespace strata::server {
namespace {

using service::ResultFormat;

Status BadParameter(std::string_view name, const std::string& message) {
  return Status::InvalidArgument(message)
      .WithProblemCode("invalid_parameter")
      .WithErrors({ErrorDetail::Parameter(std::string(name), message)});
}

Result<int64_t> ParseLimit(const ApiRequest& request) {
  const std::string* text = request.Query("limit");
  if (text == nullptr) return int64_t{100};
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) {
    return BadParameter("limit", "limit must be an integer, got '" + *text + "'");
  }
  return value;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view item = Trim(std::string_view(text).substr(start, end - start));
    if (!item.empty()) items.emplace_back(item);
    start = end + 1;
  }
  return items;
}

Result<ResultFormat> ParseFormat(const ApiRequest& request) {
  if (const std::string* name = request.Query("format")) {
    std::optional<ResultFormat> format = service::ParseResultFormat(*name);
    if (!format) return BadParameter("format", "format must be json, ndjson or csv");
    return *format;
  }
  return service::ResultFormatFromAccept(request.Header("accept")).value_or(ResultFormat::kJson);
}

// The page as {"items": [...], "next_cursor": ...} (JSON) or NDJSON/CSV rows; the next page
// is also in a Link header.
ApiResponse PageResponse(const ApiRequest& request, const service::RecordsPage& page,
                         ResultFormat format, std::string_view cursor_parameter) {
  std::string link;
  if (!page.next_cursor.empty()) {
    std::string target = request.path + "?";
    for (const auto& [name, value] : request.query) {
      if (name == cursor_parameter) continue;
      target += PercentEncode(name) + "=" + PercentEncode(value) + "&";
    }
    target += std::string(cursor_parameter) + "=" + PercentEncode(page.next_cursor);
    link = "<" + target + ">; rel=\"next\"";
  }
  ApiResponse response;
  response.status = 200;
  response.content_type = std::string(service::ResultContentType(format));
  switch (format) {
    case ResultFormat::kJson: {
      std::string& body = response.body;
      body = "{\"items\":[";
      service::AppendJsonObjects(body, page.columns, page.rows, 0, page.num_rows);
      body += "],\"next_cursor\":";
      if (page.next_cursor.empty()) {
        body += "null";
      } else {
        AppendJsonString(body, page.next_cursor);
      }
      body += '}';
      break;
    }
    case ResultFormat::kNdjson:
      service::AppendNdjsonRows(response.body, page.columns, page.rows, 0, page.num_rows);
      break;
    case ResultFormat::kCsv:
      service::AppendCsvHeader(response.body, page.columns);
      service::AppendCsvRows(response.body, page.rows, 0, page.num_rows);
      break;
  }
  if (!link.empty()) response.WithHeader("Link", link);
  return response;
}

Result<ApiResponse> ListRecords(service::RecordsService& service, const RequestContext& context) {
  const ApiRequest& request = context.request;
  STRATA_RETURN_IF_ERROR(
      CheckQueryParameters(request, {"fields", "filter", "sort", "limit", "cursor", "format"}));
  service::RecordsRequest records;
  records.dataset = context.Param("id");
  if (const std::string* fields = request.Query("fields")) records.fields = SplitList(*fields);
  if (const std::string* filter = request.Query("filter")) records.filter = *filter;
  if (const std::string* sort = request.Query("sort")) {
    for (std::string item : SplitList(*sort)) {
      service::SortField field;
      if (item[0] == '-' || item[0] == '+') {
        field.descending = item[0] == '-';
        item.erase(0, 1);
      }
      if (item.empty())
        return BadParameter("sort",
                            "sort lists field names, each optionally "
                            "prefixed by - (descending)");
      field.name = item;
      records.sort.push_back(std::move(field));
    }
  }
  STRATA_ASSIGN_OR_RETURN(records.limit, ParseLimit(request));
  if (const std::string* cursor = request.Query("cursor")) records.cursor = *cursor;
  records.cancellation = request.cancellation;
  if (context.audit != nullptr) records.audit_ids = *context.audit;
  STRATA_ASSIGN_OR_RETURN(ResultFormat format, ParseFormat(request));
  STRATA_ASSIGN_OR_RETURN(service::RecordsPage page, service.List(context.principal, records));
  return PageResponse(request, page, format, "cursor");
}

// 200 {"deleted": N}, or 202 with the delete job (service/job_service.h "Delete jobs").
Result<ApiResponse> DeleteRecords(service::JobService& jobs, const RequestContext& context) {
  const ApiRequest& request = context.request;
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(request, {"filter", "async"}));
  std::optional<bool> async;
  if (request.Query("async") != nullptr) {
    STRATA_ASSIGN_OR_RETURN(async, ParseBool(request, "async"));
  }
  const std::string* filter = request.Query("filter");
  STRATA_ASSIGN_OR_RETURN(service::DeleteOutcome outcome,
                          jobs.DeleteRecords(context.principal, context.Param("id"),
                                             filter == nullptr ? "" : *filter, async));
  if (outcome.job) return JobAcceptedResponse(*outcome.job);
  JsonWriter writer;
  writer.BeginObject();
  writer.Member("deleted", outcome.deleted);
  writer.EndObject();
  return JsonResponse(200, writer);
}

Result<ApiResponse> Changes(service::RecordsService& service, const RequestContext& context) {
  const ApiRequest& request = context.request;
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(request, {"since", "limit", "format"}));
  service::ChangesRequest changes;
  changes.dataset = context.Param("id");
  if (const std::string* since = request.Query("since")) changes.since = *since;
  STRATA_ASSIGN_OR_RETURN(changes.limit, ParseLimit(request));
  changes.cancellation = request.cancellation;
  if (context.audit != nullptr) changes.audit_ids = *context.audit;
  STRATA_ASSIGN_OR_RETURN(ResultFormat format, ParseFormat(request));
  STRATA_ASSIGN_OR_RETURN(service::RecordsPage page, service.Changes(context.principal, changes));
  ApiResponse response = PageResponse(request, page, format, "since");
  // The cursor to continue from is always given, also when nothing new was committed.
  response.WithHeader("Strata-Next-Cursor", page.next_cursor);
  return response;
}

}  // namespace

void AddRecordsRoutes(Router& router, service::RecordsService& service, service::JobService& jobs) {
  const RouteOptions read{
      .offload = true, .audit = AuditMode::kByService, .audit_action = "data.read"};
  router.Add(
      Method::kGet, "/v1/datasets/{id}/records",
      [&service](const RequestContext& context) { return ListRecords(service, context); }, read);
  router.Add(
      Method::kDelete, "/v1/datasets/{id}/records",
      [&jobs](const RequestContext& context) { return DeleteRecords(jobs, context); },
      RouteOptions{.offload = true, .audit_action = "data.delete"});
  router.Add(
      Method::kGet, "/v1/datasets/{id}/changes",
      [&service](const RequestContext& context) { return Changes(service, context); }, read);
}

}  // namespace strata::server
