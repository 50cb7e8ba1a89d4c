// Transport-neutral request and response of the REST API. The HTTP layer (server/http)
// converts Beast messages to and from these, so handlers never see Beast.
// Thread safety: plain values, except `ApiRequest::cancellation` (thread-safe, shared by
// copies) and `ApiResponse::stream`, which the HTTP layer calls on a worker thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/cancellation.h"

namespace strata::server {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method method);
Method ParseMethod(std::string_view name);

using Params = std::vector<std::pair<std::string, std::string>>;

struct ApiRequest {
  Method method = Method::kGet;
  std::string path;  // Percent-decoded path, without the query.
  Params query;      // Percent-decoded query parameters in order.
  Params headers;    // Names lower-cased.
  std::string body;
  std::string request_id;
  std::string peer;  // "ip:port" of the client.
  // Set when the client of the request is gone (docs/architecture.md "Streamed responses
  // and cancellation"): on offloaded routes the HTTP layer watches the connection while the
  // handler and a streamed body run. Never null; one per request, shared by copies.
  CancellationPtr cancellation = std::make_shared<Cancellation>();

  // The first value of a header or query parameter, or "" when absent.
  std::string_view Header(std::string_view lower_name) const;
  bool HasHeader(std::string_view lower_name) const;
  const std::string* Query(std::string_view name) const;
};

// Writes one chunk of a streamed body; false when the client is gone or too slow (the
// producer should stop then). An empty chunk writes nothing.
using ChunkWriter = std::function<bool(std::string_view chunk)>;

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  Params headers;
  std::string body;
  // When set, the HTTP layer sends the status and headers, then calls `stream` on a worker
  // thread; every chunk it writes goes out with chunked transfer encoding (HTTP/1.0: raw,
  // then the connection closes). `body` is ignored. Returns false to end the response
  // abnormally: the connection is closed without the final chunk, so the client sees a
  // truncated transfer. Not called for HEAD or for statuses without a body (1xx, 204, 304).
  // `stream` may reference the ApiRequest: the request outlives the call.
  // REQUIRES: the route has `offload`. Elsewhere the HTTP layer logs a warning, runs it
  // inline on the I/O thread and sends the result buffered (also for HEAD; false → 500).
  std::function<bool(const ChunkWriter& write)> stream;

  static ApiResponse Json(int status, std::string body) {
    ApiResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
  }
  static ApiResponse Streamed(int status, std::string content_type,
                              std::function<bool(const ChunkWriter& write)> producer) {
    ApiResponse response;
    response.status = status;
    response.content_type = std::move(content_type);
    response.stream = std::move(producer);
    return response;
  }
  static ApiResponse NoContent() {
    ApiResponse response;
    response.status = 204;
    response.content_type.clear();
    return response;
  }
  ApiResponse& WithHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  // Marks a response that carries credentials (tokens, new API key secrets): no cache may
  // store it (RFC 9111 §5.2.2.5; RFC 6749 §5.1). Nothing later in the pipeline replaces it.
  ApiResponse& NoStore() { return WithHeader("Cache-Control", "no-store"); }
};

// Splits "a=1&b=%20x" into decoded pairs ('+' is a space). False when an escape is malformed.
bool ParseQueryString(std::string_view text, Params& out);
// Decodes %XX escapes. False when an escape is malformed or decodes to NUL.
bool PercentDecode(std::string_view text, std::string& out, bool plus_is_space);
// Percent-encodes everything but unreserved characters (RFC 3986).
std::string PercentEncode(std::string_view text);

}  // namespace strata::server
