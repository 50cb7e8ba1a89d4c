#include "server/api/dispatcher.h"

#include "common/logging.h"
#include "server/api/problem.h"
#include "server/api/request_audit.h"

namespace strata::server {
namespace {

ApiResponse NoRoute(const ApiRequest& request, const Router::Match& match) {
  if (match.allowed.empty()) {
    return ProblemResponse(Status::NotFound("no such endpoint: " + request.path +
                                            "; the API is described at /v1/openapi.json")
                               .WithProblemCode("route_not_found"),
                           request.request_id);
  }
  std::string allow;
  for (Method method : match.allowed) {
    if (!allow.empty()) allow += ", ";
    allow += MethodName(method);
  }
  ApiResponse response = ProblemResponse(
      Status::InvalidArgument((request.method == Method::kOther
                                   ? std::string("this method")
                                   : std::string(MethodName(request.method))) +
                              " is not allowed on " + request.path + "; allowed: " + allow)
          .WithProblemCode("method_not_allowed"),
      request.request_id, 405);
  response.WithHeader("Allow", std::move(allow));
  return response;
}

// The Authorization header value to authenticate `request` with: the header, or for routes
// with query credentials and no header, "Token <p>" built from the `p` query parameter.
std::string CredentialsOf(const ApiRequest& request, const RouteOptions& options) {
  std::string_view header = request.Header("authorization");
  if (header.empty() && options.query_credentials) {
    const std::string* password = request.Query("p");
    if (password != nullptr && !password->empty()) return "Token " + *password;
  }
  return std::string(header);
}

ApiResponse RenderError(const Status& status, const ApiRequest& request,
                        const RouteOptions& options) {
  if (options.render_error != nullptr) return options.render_error(status, request);
  return ProblemResponse(status, request.request_id);
}

}  // namespace

ApiResponse Dispatcher::Run(const ApiRequest& request, const Router::Match& match,
                            std::string& principal_ref) const {
  if (cors_.IsPreflight(request)) return cors_.Preflight(request);
  ApiResponse response = RunRoute(request, match, principal_ref);
  cors_.Decorate(request, response);
  return response;
}

ApiResponse Dispatcher::RunRoute(const ApiRequest& request, const Router::Match& match,
                                 std::string& principal_ref) const {
  if (match.route == nullptr) return NoRoute(request, match);
  const Route& route = *match.route;
  audit::RequestIds audit_ids;
  if (audit_ != nullptr) {
    audit_ids.request_id = request.request_id;
    audit_ids.trace_id = TraceIdOf(request);
    audit_ids.resource = request.path;
  }
  // The log fails closed: a request whose entry cannot be written fails.
  auto audit_failed = [&](const Status& status) {
    STRATA_LOG(kError, "request refused: the audit log cannot take entries")
        .Str("request_id", request.request_id)
        .Str("route", route.pattern);
    return RenderError(status, request, route.options);
  };

  security::Principal principal;
  if (!route.options.public_route) {
    Result<security::Principal> authenticated =
        authenticator_.Authenticate(CredentialsOf(request, route.options));
    if (!authenticated.ok()) {
      const Status& status = authenticated.status();
      if (audit_ != nullptr) {
        Status appended = audit::AppendForRequest(
            *audit_, audit_ids,
            AuthFailureEvent(request, route, match.params, HttpStatusFor(status.code()), status));
        if (!appended.ok()) return audit_failed(appended);
      }
      return RenderError(status, request, route.options);
    }
    principal = std::move(authenticated).value();
    principal_ref = principal.ref;
  }
  const bool audited = audit_ != nullptr && RouteIsAudited(route, request.method);
  if (audited) {
    if (Status health = audit_->Health(); !health.ok()) return audit_failed(health);
  }

  RequestContext context{request, principal, match.params, options_,
                         audit_ != nullptr ? &audit_ids : nullptr};
  Result<ApiResponse> response = route.handler(context);
  const Status status = response.status();
  if (!status.ok() && HttpStatusFor(status.code()) >= 500) {
    STRATA_LOG(kError, "request failed")
        .Str("request_id", request.request_id)
        .Str("route", route.pattern)
        .Str("error", status.ToString());
  }
  // A data read is recorded by its service; only a read that failed without an entry is
  // recorded here.
  const bool record = audited && (route.options.audit != AuditMode::kByService ||
                                  (!status.ok() && !audit_ids.recorded->load()));
  if (record) {
    std::string_view location;
    if (response.ok()) {
      for (const auto& [name, value] : response->headers) {
        if (name == "Location") location = value;
      }
    }
    const int http_status = response.ok() ? response->status : HttpStatusFor(status.code());
    Status appended = audit::AppendForRequest(
        *audit_, audit_ids,
        RequestEvent(request, route, match.params, principal.ref, http_status, status, location));
    if (!appended.ok()) return audit_failed(appended);
  }
  if (response.ok()) return std::move(response).value();
  return RenderError(status, request, route.options);
}

}  // namespace strata::server
