// A minimal blocking HTTP/1.1 GET client for documents the server fetches itself (an OIDC
// issuer's JWKS). No Boost in this header.
//
// - https:// verifies the server certificate (chain against the system CA store, or
//   `ca_file`, and the host name; TLS 1.2+); plain http:// is refused unless the host is a
//   loopback name or address (and then only loopback addresses are connected to).
// - One request per connection ("Connection: close"); redirects are not followed (a 3xx is
//   returned as it is); no compression is asked for.
// - Bounded: the whole exchange (resolve, connect, handshake, request, response) within
//   `timeout`; a body larger than `max_body_bytes` or a head larger than 16 KiB fails.
// Thread safety: thread-safe; each call runs its own I/O context on the calling thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strata::server {

struct HttpClientOptions {
  // Default: 5 s.
  std::chrono::milliseconds timeout{5000};
  // Default: 1 MiB.
  size_t max_body_bytes = 1 << 20;
  // PEM file of CAs that verify https servers. Default (empty): the system store.
  std::string ca_file;
  // Default: "application/json".
  std::string accept = "application/json";
};

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

// InvalidArgument for a URL that ParseFetchUrl (common/http_url.h) refuses; DeadlineExceeded
// when `timeout` passes; ResourceExhausted for a body or head over the limits; Unavailable
// for resolution, connection, TLS (including certificate verification) and protocol errors.
// Messages name the host and the failed step, and are safe to log.
Result<HttpResponse> HttpGet(std::string_view url, const HttpClientOptions& options = {});

// HttpGet, then the body of a 200 response; any other status is Unavailable("HTTP <status>
// from <host>").
Result<std::string> HttpGetOk(std::string_view url, const HttpClientOptions& options = {});

}  // namespace strata::server
