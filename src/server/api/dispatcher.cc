#include "server/api/dispatcher.h"

#include "common/logging.h"
#include "server/api/problem.h"

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
      Status::InvalidArgument(std::string(MethodName(request.method)) + " is not allowed on " +
                              request.path + "; allowed: " + allow)
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
  security::Principal principal;
  if (!route.options.public_route) {
    Result<security::Principal> authenticated =
        authenticator_.Authenticate(CredentialsOf(request, route.options));
    if (!authenticated.ok()) return RenderError(authenticated.status(), request, route.options);
    principal = std::move(authenticated).value();
    principal_ref = principal.ref;
  }
  RequestContext context{request, principal, match.params, options_};
  Result<ApiResponse> response = route.handler(context);
  if (response.ok()) return std::move(response).value();
  const Status& status = response.status();
  if (HttpStatusFor(status.code()) >= 500) {
    STRATA_LOG(kError, "request failed")
        .Str("request_id", request.request_id)
        .Str("route", route.pattern)
        .Str("error", status.ToString());
  }
  return RenderError(status, request, route.options);
}

}  // namespace strata::server
