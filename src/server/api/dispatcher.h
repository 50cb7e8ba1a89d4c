// Dispatcher: the transport-neutral request pipeline. CORS preflights are answered first
// (CorsPolicy); then route lookup, authentication (every route not marked public goes through
// the Authenticator) and the handler; every failure becomes a problem response; every
// response gets its CORS headers. The HTTP layer calls FindRoute on its I/O thread and Run on
// the I/O thread or the worker pool as the route asks.
// Thread safety: thread-safe after construction.
#pragma once

#include <string>

#include "security/authenticator.h"
#include "server/api/cors_policy.h"
#include "server/api/router.h"

namespace strata::server {

class Dispatcher {
 public:
  // `router` and `authenticator` must outlive the Dispatcher. `cors`: off by default.
  Dispatcher(const Router& router, security::Authenticator& authenticator, ApiOptions options,
             CorsPolicy cors = CorsPolicy())
      : router_(router), authenticator_(authenticator), options_(options), cors_(std::move(cors)) {}

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
};

}  // namespace strata::server
