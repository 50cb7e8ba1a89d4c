// Transport-neutral request and response of the REST API. The HTTP layer (server/http)
// converts Beast messages to and from these, so handlers never see Beast.
// Thread safety: plain values.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

  // The first value of a header or query parameter, or "" when absent.
  std::string_view Header(std::string_view lower_name) const;
  bool HasHeader(std::string_view lower_name) const;
  const std::string* Query(std::string_view name) const;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  Params headers;
  std::string body;

  static ApiResponse Json(int status, std::string body) {
    ApiResponse response;
    response.status = status;
    response.body = std::move(body);
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
};

// Splits "a=1&b=%20x" into decoded pairs ('+' is a space). False when an escape is malformed.
bool ParseQueryString(std::string_view text, Params& out);
// Decodes %XX escapes. False when an escape is malformed or decodes to NUL.
bool PercentDecode(std::string_view text, std::string& out, bool plus_is_space);
// Percent-encodes everything but unreserved characters (RFC 3986).
std::string PercentEncode(std::string_view text);

}  // namespace strata::server
