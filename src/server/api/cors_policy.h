// CorsPolicy: the CORS decisions of the API (Fetch standard, "CORS protocol") for an
// allow-list of exact origins (server.cors.allowed_origins; docs/security.md "CORS"). The
// Dispatcher applies it to every request, so no handler deals with CORS.
//
// - Off (empty list): nothing is added, and OPTIONS requests are routed like any other.
// - Preflight (OPTIONS with Origin and Access-Control-Request-Method): answered here, before
//   routing and authentication. Listed origin: 204 with Access-Control-Allow-Origin, -Methods,
//   -Headers and -Max-Age. Other origin: 403 problem `cors_origin_not_allowed`, without CORS
//   headers.
// - Any other request from a listed origin: Access-Control-Allow-Origin: <that origin> and
//   Access-Control-Expose-Headers. From another origin, or without Origin: no CORS headers,
//   so a browser keeps the response from the page.
// - While on, every response carries Vary: Origin, so shared caches keep the variants apart.
// - Never Access-Control-Allow-Credentials: the API authenticates with the Authorization
//   header (bearer tokens and API keys), never with cookies.
//
// Thread safety: immutable after construction.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/api/api_types.h"

namespace strata::server {

class CorsPolicy {
 public:
  // Methods and request headers a preflight allows, and response headers scripts may read
  // beyond the CORS-safelisted ones. Every header the API reads or sends is listed.
  static constexpr std::string_view kAllowMethods = "GET, HEAD, POST, PUT, PATCH, DELETE";
  static constexpr std::string_view kAllowHeaders =
      "Authorization, Content-Type, Content-Encoding, Accept, Idempotency-Key, If-Match, "
      "If-None-Match, X-Request-Id, traceparent, tracestate, Tus-Resumable, Upload-Length, "
      "Upload-Offset, Upload-Metadata, Upload-Defer-Length, Upload-Checksum";
  static constexpr std::string_view kExposeHeaders =
      "Location, ETag, Link, Retry-After, RateLimit, RateLimit-Policy, WWW-Authenticate, Allow, "
      "Accept-Encoding, Content-Encoding, X-Request-Id, Idempotent-Replayed, Deprecation, "
      "Sunset, Strata-Cache, Strata-Job-Id, Strata-Next-Cursor, Tus-Resumable, Tus-Version, "
      "Tus-Max-Size, Tus-Extension, Tus-Checksum-Algorithm, Upload-Offset, Upload-Length, "
      "Upload-Defer-Length, Upload-Metadata, Upload-Expires";
  // How long a browser may cache a preflight answer (Chromium caps it at 7200).
  static constexpr int kMaxAgeSeconds = 7200;

  CorsPolicy() = default;  // Off.
  // REQUIRES: each origin is a lower-case "scheme://host[:port]", as config validation leaves
  // them.
  explicit CorsPolicy(std::vector<std::string> allowed_origins)
      : allowed_origins_(std::move(allowed_origins)) {}

  bool enabled() const { return !allowed_origins_.empty(); }

  // Whether `origin` (an Origin header value) is listed; ASCII case does not matter.
  bool IsAllowedOrigin(std::string_view origin) const;

  // An OPTIONS request with Origin and Access-Control-Request-Method. False while off.
  bool IsPreflight(const ApiRequest& request) const;

  // The answer to a preflight. REQUIRES: IsPreflight(request).
  ApiResponse Preflight(const ApiRequest& request) const;

  // Adds the CORS headers of a response to `request` (not a preflight). Headers the handler
  // set are kept; Vary is extended, not replaced.
  void Decorate(const ApiRequest& request, ApiResponse& response) const;

 private:
  std::vector<std::string> allowed_origins_;
};

}  // namespace strata::server
