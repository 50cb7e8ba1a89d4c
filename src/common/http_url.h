// Absolute http(s) URLs of documents the server fetches itself (an OIDC issuer's JWKS), and
// the rule for which of them may travel in the clear.
// Thread safety: all functions are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strata {

struct HttpUrl {
  bool https = false;
  std::string host;        // Without brackets for IPv6 literals ("::1"); lower-cased.
  uint16_t port = 0;       // The explicit port, else 443 (https) or 80 (http).
  std::string target;      // Path and query, "/" when the URL has no path.
  std::string host_field;  // The Host header: host, [v6] in brackets, ":port" when explicit.
};

// Parses "http[s]://host[:port][/path][?query]". InvalidArgument for another scheme, user
// information ("user@host"), a fragment, an empty host or a bad port, and for characters
// outside printable ASCII.
Result<HttpUrl> ParseHttpUrl(std::string_view url);

// True for "localhost", 127.0.0.0/8 literals and "::1".
bool IsLoopbackHost(std::string_view host);

// ParseHttpUrl, plus: plain http only to a loopback host (tests, sidecars); anything else must
// be https. The message says why a URL is refused, without the `what` prefix.
Result<HttpUrl> ParseFetchUrl(std::string_view url);

}  // namespace strata
