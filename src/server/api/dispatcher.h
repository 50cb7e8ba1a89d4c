// Dispatcher: the transport-neutral request pipeline. CORS preflights are answered first
// (CorsPolicy); then route lookup, authentication (every route not marked public goes through
// the Authenticator) and the handler; every failure becomes a problem response; every
// response gets its CORS headers. The HTTP layer calls FindRoute on its I/O thread and Run on
// the I/O thread or the worker pool as the route asks.
// Audit (docs/security.md "Audit log"): with an AuditSink, every failed authentication
// (auth.failure) and every request its route's AuditMode selects get an entry with their
// outcome, appended before the response is returned. The log fails closed: when it cannot
// take entries, audited requests answer 503 audit_unavailable (before the handler runs when
// the sink already reports the failure).
// Thread safety: thread-safe after construction.
#pragma once

#include <string>

#include "audit/audit_event.h"
#include "security/authenticator.h"
#include "server/api/cors_policy.h"
#include "server/api/router.h"

namespace strata::server {

class Dispatcher {
 public:
  // `router`, `authenticator` and `audit` must outlive the Dispatcher. `cors`: off by
  // default. `audit` null: no auditing.
  Dispatcher(const Router& router, security::Authenticator& authenticator, ApiOptions options,
             CorsPolicy cors = CorsPolicy(), audit::AuditSink* audit = nullptr)
      : router_(router),
        authenticator_(authenticator),
        options_(options),
        cors_(std::move(cors)),
        audit_(audit) {}

  Router::Match FindRoute(const ApiRequest& request) const {
    return router_.Find(request.method, request.path);
  }

  // The response for `request`. `principal` receives the caller's reference ("" when
  // unauthenticated) for the request log.
  ApiResponse Run(const ApiRequest& request, const Router::Match& match,
                  std::string& principal) const;

 private:
  ApiResponse RunRoute(const ApiRequest& request, const Router::Match& match,
                       std::string& principal) const;

  const Router& router_;
  security::Authenticator& authenticator_;
  ApiOptions options_;
  CorsPolicy cors_;
  audit::AuditSink* audit_;
};

}  // namespace strata::server
