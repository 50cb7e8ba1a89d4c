// Conversion between Beast HTTP messages and the transport-neutral ApiRequest/ApiResponse.
// Thread safety: stateless functions.
#pragma once

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>

#include "common/status.h"
#include "server/api/api_types.h"

namespace strata::server {

// A fresh request id (ULID).
std::string NewRequestId();

// Fills `out` from `message`: method, decoded path and query, lower-cased headers, body,
// and the request id (the client's X-Request-Id when well-formed, else a new one).
// InvalidArgument when the target cannot be decoded; `out.request_id` is set even then.
Status FromBeastRequest(boost::beast::http::request<boost::beast::http::string_body>&& message,
                        const std::string& peer, ApiRequest& out);

// What the connection adds to the head of every response it sends.
struct HeadOptions {
  unsigned version = 11;  // Of the request: 10 or 11.
  bool keep_alive = false;
  // The connection is TLS: Strict-Transport-Security is added (never over plain HTTP, where
  // RFC 6797 forbids it).
  bool tls = false;
};

// The value of Strict-Transport-Security on TLS connections: two years, as Mozilla advises.
inline constexpr const char* kStrictTransportSecurity = "max-age=63072000";

// The Beast response for `response`, with X-Request-Id, Server, X-Content-Type-Options,
// Strict-Transport-Security (TLS) and keep-alive set. Headers of `response` come first and
// are never replaced. For HEAD, the body is dropped but Content-Length still describes it.
boost::beast::http::response<boost::beast::http::string_body> ToBeastResponse(
    ApiResponse&& response, const std::string& request_id, const HeadOptions& options, bool head);

// Whether a response with `status` carries a body (not 1xx, 204 or 304).
bool StatusHasBody(int status);

// The head of a streamed response (`response.stream` set), with the fields of
// ToBeastResponse. HTTP/1.1 with a body: chunked transfer encoding. HTTP/1.0 with a body:
// no framing, so keep-alive is off and the body ends when the connection closes. For HEAD
// the fields are the same as for GET.
boost::beast::http::response<boost::beast::http::empty_body> ToBeastStreamHead(
    const ApiResponse& response, const std::string& request_id, const HeadOptions& options);

}  // namespace strata::server
