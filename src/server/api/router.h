// Router: maps (method, path) to a route by templates such as "/v1/datasets/{id}".
// Thread safety: build it on one thread, then share it read-only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_event.h"
#include "common/result.h"
#include "security/principal.h"
#include "server/api/api_types.h"

namespace strata::server {

struct ApiOptions {
  int max_json_depth = 64;
};

// What a handler gets: the request, the authenticated caller (empty ref on public routes)
// and the path parameters of its template.
struct RequestContext {
  const ApiRequest& request;
  const security::Principal& principal;
  const Params& path_params;
  const ApiOptions& options;
  // The ids services put in the audit entries they append for this request (read paths).
  // Null when the Dispatcher audits nothing.
  const audit::RequestIds* audit = nullptr;

  // The value of path parameter {name}. REQUIRES: the route's template declares it.
  const std::string& Param(std::string_view name) const;
};

using Handler = std::function<Result<ApiResponse>(const RequestContext&)>;

// Renders a failed request (authentication or handler error) for routes whose protocol has
// its own error format. REQUIRES: !status.ok().
using ErrorRenderer = ApiResponse (*)(const Status& status, const ApiRequest& request);

// Which requests of a route the Dispatcher records in the audit log (docs/security.md
// "Audit log"). Failed authentication is recorded on every authenticated route.
enum class AuditMode : uint8_t {
  kMutations,  // Requests with a method other than GET, HEAD and OPTIONS.
  kByService,  // The service records the request with its details (data.read, auth.token);
               // the Dispatcher records a request that failed before the service recorded
               // anything.
  kEvery,      // Every request (e.g. reads of the audit log itself).
};

struct RouteOptions {
  bool public_route = false;  // No authentication (health, spec). Default: authenticated.
  bool offload = false;       // Run on the worker pool: CPU-heavy or long work.
  // InfluxDB 1.x query credentials: when the request has no Authorization header, the
  // query parameter `p` is taken as the API key (`u`, the user name, is ignored).
  bool query_credentials = false;
  // Null: errors are RFC 9457 problems (ProblemResponse). Set for compatibility endpoints.
  ErrorRenderer render_error = nullptr;
  AuditMode audit = AuditMode::kMutations;
  // The action of the route's audit entries ("datasets.create"). Empty: "http.<METHOD>
  // <template>".
  std::string_view audit_action = "";
};

struct Route {
  Method method;
  std::string pattern;  // The template, also used as the route label in logs and metrics.
  Handler handler;
  RouteOptions options;
  std::vector<std::string> segments;  // Pattern split at '/'; "{x}" segments capture.
};

class Router {
 public:
  // REQUIRES: no other route has the same method and pattern.
  void Add(Method method, std::string pattern, Handler handler, RouteOptions options = {});

  struct Match {
    const Route* route = nullptr;  // Null when nothing matched (method and path).
    Params params;
    std::vector<Method> allowed;  // When the path matched but the method did not.
  };
  // HEAD falls back to the GET route of the same path.
  Match Find(Method method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  static bool MatchPath(const Route& route, const std::vector<std::string_view>& segments,
                        Params* params);
  std::vector<Route> routes_;
};

}  // namespace strata::server
