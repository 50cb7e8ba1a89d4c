// REST routes of Strata's OAuth 2.0 authorization server and of MFA enrolment
// (docs/api.md "Tokens", CONVENTIONS.md §8):
//
//   POST   /v1/auth/token                          public, offloaded (argon2id); RFC 6749
//   POST   /v1/auth/revoke                         RFC 7009
//   POST   /v1/auth/introspect                     RFC 7662
//   GET    /.well-known/jwks.json                  public; the signing keys
//   GET    /.well-known/openid-configuration       public; discovery
//   GET    /.well-known/oauth-authorization-server public; RFC 8414 discovery
//   POST   /v1/auth/mfa/totp                       start TOTP enrolment
//   POST   /v1/auth/mfa/totp/confirm               enable it, get recovery codes
//   DELETE /v1/auth/mfa/totp                       disable it
//
// The token, revocation and introspection endpoints take application/x-www-form-urlencoded
// bodies and answer errors in the RFC 6749 §5.2 shape {"error","error_description"}
// (OAuthErrorResponse), except authentication failures of revoke and introspect, which are
// the usual problem+json with a Bearer challenge. Every answer of the token endpoint carries
// Cache-Control: no-store. The MFA routes are JSON with problem+json errors.
#pragma once

#include "server/api/router.h"
#include "service/mfa_service.h"
#include "service/token_service.h"

namespace strata::server {

// `tokens` and `mfa` must outlive the router.
void AddAuthRoutes(Router& router, service::TokenService& tokens, service::MfaService& mfa);

// The RFC 6749 §5.2 answer for a failed token, revocation or introspection request:
// {"error":<code>,"error_description":<message>} with status 400, 401 + WWW-Authenticate
// Basic (invalid_client), 429 + Retry-After (slow_down), 503 + Retry-After
// (temporarily_unavailable) or 500 (server_error), and Cache-Control: no-store.
// Authentication failures of the Bearer caller (problem codes missing_credentials,
// invalid_token) stay problem+json. REQUIRES: !status.ok().
ApiResponse OAuthErrorResponse(const Status& status, const ApiRequest& request);

}  // namespace strata::server
