#include "server/api/handlers/audit_handlers.h"

#include "common/json.h"
#include "common/strings.h"
#include "server/api/request_helpers.h"

namespace strata::server {
namespace {

Result<ApiResponse> ListAudit(service::AuditService& service, const RequestContext& context) {
  const ApiRequest& request = context.request;
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(
      request, {"since", "until", "principal", "action", "dataset", "order", "limit", "cursor"}));
  service::AuditListRequest list;
  STRATA_ASSIGN_OR_RETURN(list.page, ParsePageRequest(request));
  const std::pair<const char*, std::string*> filters[] = {
      {"since", &list.since},   {"until", &list.until},     {"principal", &list.principal},
      {"action", &list.action}, {"dataset", &list.dataset}, {"order", &list.order}};
  for (const auto& [name, target] : filters) {
    if (const std::string* value = request.Query(name)) *target = *value;
  }
  STRATA_ASSIGN_OR_RETURN(service::AuditListPage page, service.List(context.principal, list));
  return ListResponse(request, page.next_cursor, [&](JsonWriter& writer) {
    for (const std::string& entry : page.items) writer.Raw(entry);
  });
}

Result<ApiResponse> VerifyAudit(service::AuditService& service, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(audit::VerifyReport report, service.Verify(context.principal));
  JsonWriter writer;
  WriteVerifyReportJson(writer, report);
  return JsonResponse(200, writer);
}

}  // namespace

void WriteVerifyReportJson(JsonWriter& writer, const audit::VerifyReport& report) {
  writer.BeginObject();
  writer.Member("ok", report.ok);
  writer.Member("entries", report.entries);
  writer.Member("checkpoints", report.checkpoints);
  writer.Member("last_seq", report.last_seq);
  writer.Member("last_hash", HexEncode(report.last_hash));
  writer.Key("head_seq");
  if (report.head) {
    writer.UInt(report.head->seq);
  } else {
    writer.Null();
  }
  if (report.previous_chain) {
    writer.Key("previous_chain");
    writer.Raw(json::Serialize(*report.previous_chain));
  }
  if (!report.ok) {
    writer.Member("first_broken_seq", report.first_broken_seq);
    writer.Member("file", report.file);
    writer.Member("offset", report.offset);
    writer.Member("reason", report.reason);
  }
  writer.EndObject();
}

void AddAuditRoutes(Router& router, service::AuditService& service) {
  router.Add(
      Method::kGet, "/v1/audit",
      [&service](const RequestContext& context) { return ListAudit(service, context); },
      RouteOptions{.offload = true, .audit = AuditMode::kEvery, .audit_action = "audit.list"});
  router.Add(
      Method::kGet, "/v1/audit/verify",
      [&service](const RequestContext& context) { return VerifyAudit(service, context); },
      RouteOptions{.offload = true, .audit = AuditMode::kEvery, .audit_action = "audit.verify"});
}

}  // namespace strata::server
