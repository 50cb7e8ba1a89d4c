#include "server/api/request_audit.h"

#include <optional>

#include "common/strings.h"
#include "common/trace_context.h"

namespace strata::server {
namespace {

constexpr std::string_view kDatasetRoute = "/v1/datasets/{id}";
constexpr std::string_view kDatasetsPath = "/v1/datasets/";

// The dataset a request acts on: {id} of a dataset route, or the one a create answered in
// its Location header.
std::string DatasetOf(const Route& route, const Params& path_params, std::string_view location) {
  if (StartsWith(route.pattern, kDatasetRoute) && (route.pattern.size() == kDatasetRoute.size() ||
                                                   route.pattern[kDatasetRoute.size()] == '/')) {
    for (const auto& [name, value] : path_params) {
      if (name == "id") return value;
    }
  }
  if (StartsWith(location, kDatasetsPath)) {
    std::string_view rest = location.substr(kDatasetsPath.size());
    return std::string(rest.substr(0, rest.find('/')));
  }
  return "";
}

audit::AuditEvent BaseEvent(const ApiRequest& request, const Route& route,
                            const Params& path_params, std::string_view location) {
  audit::AuditEvent event;
  event.dataset = DatasetOf(route, path_params, location);
  event.resource = request.path;
  event.details = json::Value::Object({
      {"method", json::Value::String(std::string(MethodName(request.method)))},
      {"route", json::Value::String(route.pattern)},
  });
  return event;
}

}  // namespace

bool RouteIsAudited(const Route& route, Method method) {
  switch (route.options.audit) {
    case AuditMode::kMutations:
      return method != Method::kGet && method != Method::kHead && method != Method::kOptions;
    case AuditMode::kByService:
    case AuditMode::kEvery: return true;
  }
  return true;
}

std::string AuditAction(const Route& route) {
  if (!route.options.audit_action.empty()) return std::string(route.options.audit_action);
  return "http." + std::string(MethodName(route.method)) + " " + route.pattern;
}

std::string TraceIdOf(const ApiRequest& request) {
  const std::string_view header = request.Header("traceparent");
  if (header.empty()) return "";
  std::optional<TraceParent> trace = ParseTraceParent(header);
  return trace ? trace->trace_id : "";
}

audit::AuditEvent RequestEvent(const ApiRequest& request, const Route& route,
                               const Params& path_params, std::string_view principal,
                               int http_status, const Status& error, std::string_view location) {
  audit::AuditEvent event = BaseEvent(request, route, path_params, location);
  event.principal =
      principal.empty() ? std::string(audit::kUnknownPrincipal) : std::string(principal);
  event.action = AuditAction(route);
  event.status = http_status;
  event.outcome = audit::OutcomeForHttpStatus(http_status);
  if (!error.ok()) {
    event.details.Set("problem", json::Value::String(std::string(error.problem_code())));
  }
  if (!location.empty()) event.details.Set("location", json::Value::String(std::string(location)));
  return event;
}

audit::AuditEvent AuthFailureEvent(const ApiRequest& request, const Route& route,
                                   const Params& path_params, int http_status,
                                   const Status& error) {
  audit::AuditEvent event = BaseEvent(request, route, path_params, "");
  event.principal = std::string(audit::kUnknownPrincipal);
  event.action = "auth.failure";
  event.status = http_status;
  event.outcome = audit::OutcomeForHttpStatus(http_status);
  event.details.Set("reason", json::Value::String(std::string(error.problem_code())));
  return event;
}

}  // namespace strata::server
