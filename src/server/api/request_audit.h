// The audit entries the Dispatcher appends for requests (docs/security.md "Audit log"):
// which requests a route records, their action names, and the events themselves.
// Thread safety: stateless functions.
#pragma once

#include <string>
#include <string_view>

#include "audit/audit_event.h"
#include "server/api/router.h"

namespace strata::server {

// Whether the Dispatcher may append an entry for a `method` request on `route` (for
// AuditMode::kByService: when the request fails without an entry from its service).
bool RouteIsAudited(const Route& route, Method method);

// The route's audit_action, or "http.<METHOD> <template>".
std::string AuditAction(const Route& route);

// The W3C trace id of the request's traceparent, or "" when it has none or a malformed one.
std::string TraceIdOf(const ApiRequest& request);

// The entry of a request that reached its handler and was answered with `http_status`
// (`error` is the handler's error, OK on success; `location` its Location header).
audit::AuditEvent RequestEvent(const ApiRequest& request, const Route& route,
                               const Params& path_params, std::string_view principal,
                               int http_status, const Status& error, std::string_view location);

// An auth.failure entry: authentication on `route` failed with `error` (answered with
// `http_status`).
audit::AuditEvent AuthFailureEvent(const ApiRequest& request, const Route& route,
                                   const Params& path_params, int http_status, const Status& error);

}  // namespace strata::server
