#include "server/http/message_conversion.h"

#include <boost/beast/http/field.hpp>

#include "common/ids.h"
#include "common/strings.h"

namespace strata::server {

namespace http = boost::beast::http;

std::string NewRequestId() { return NewUlid(); }

Status FromBeastRequest(http::request<http::string_body>&& message, const std::string& peer,
                        ApiRequest& out) {
  out.peer = peer;
  out.method = ParseMethod(message.method_string());
  out.headers.reserve(8);
  for (const auto& field : message) {
    out.headers.emplace_back(ToLower(field.name_string()), std::string(field.value()));
  }
  const std::string_view client_id = out.Header("x-request-id");
  out.request_id = IsValidRequestId(client_id) ? std::string(client_id) : NewRequestId();
  out.body = std::move(message.body());

  const std::string_view target = message.target();
  const size_t question = target.find('?');
  if (target.empty() || target[0] != '/' ||
      !PercentDecode(target.substr(0, question), out.path, false)) {
    return Status::InvalidArgument("malformed request target").WithProblemCode("malformed_request");
  }
  if (question != std::string_view::npos &&
      !ParseQueryString(target.substr(question + 1), out.query)) {
    return Status::InvalidArgument("malformed query string").WithProblemCode("malformed_request");
  }
  return Status();
}

namespace {

// Status line and fields shared by buffered and streamed responses.
template <typename Body>
void FillHead(const ApiResponse& response, const std::string& request_id, bool keep_alive, bool tls,
              http::response<Body>& out) {
  out.result(static_cast<unsigned>(response.status));
  // Beast knows no reason phrase for tus's 460.
  if (response.status == 460) out.reason("Checksum Mismatch");
  out.set(http::field::server, "strata");
  out.set("X-Request-Id", request_id);
  if (!response.content_type.empty()) out.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) out.insert(name, value);
  // Browsers must not guess another type than Content-Type (e.g. render JSON as HTML).
  if (out.find("X-Content-Type-Options") == out.end()) {
    out.set("X-Content-Type-Options", "nosniff");
  }
  if (tls && out.find(http::field::strict_transport_security) == out.end()) {
    out.set(http::field::strict_transport_security, kStrictTransportSecurity);
  }
  out.keep_alive(keep_alive);
}

}  // namespace

bool StatusHasBody(int status) { return status >= 200 && status != 204 && status != 304; }

http::response<http::string_body> ToBeastResponse(ApiResponse&& response,
                                                  const std::string& request_id,
                                                  const HeadOptions& options, bool head) {
  http::response<http::string_body> out;
  out.version(options.version);
  FillHead(response, request_id, options.keep_alive, options.tls, out);
  if (head) {
    out.content_length(response.body.size());
  } else if (StatusHasBody(response.status)) {
    out.body() = std::move(response.body);
    out.prepare_payload();
  }
  return out;
}

http::response<http::empty_body> ToBeastStreamHead(const ApiResponse& response,
                                                   const std::string& request_id,
                                                   const HeadOptions& options) {
  http::response<http::empty_body> out;
  out.version(options.version);
  const bool has_body = StatusHasBody(response.status);
  FillHead(response, request_id, options.keep_alive && (options.version >= 11 || !has_body),
           options.tls, out);
  if (has_body && options.version >= 11) out.chunked(true);
  return out;
}

}  // namespace strata::server
