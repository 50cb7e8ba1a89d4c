#include "server/api/cors_policy.h"

#include "common/strings.h"
#include "server/api/problem.h"

namespace strata::server {
namespace {

// The response header `name` (ASCII case-insensitive), or null.
std::string* FindHeader(ApiResponse& response, std::string_view name) {
  for (auto& [key, value] : response.headers) {
    if (ToLower(key) == name) return &value;
  }
  return nullptr;
}

// Adds "Origin" to Vary unless Vary already names it (or is "*").
void AddVaryOrigin(ApiResponse& response) {
  std::string* vary = FindHeader(response, "vary");
  if (vary == nullptr) {
    response.WithHeader("Vary", "Origin");
    return;
  }
  std::string_view rest = *vary;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string item = ToLower(Trim(rest.substr(0, comma)));
    if (item == "origin" || item == "*") return;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  *vary += Trim(*vary).empty() ? "Origin" : ", Origin";
}

void SetHeader(ApiResponse& response, std::string_view name, std::string value) {
  if (std::string* existing = FindHeader(response, ToLower(name))) {
    *existing = std::move(value);
  } else {
    response.WithHeader(std::string(name), std::move(value));
  }
}

}  // namespace

bool CorsPolicy::IsAllowedOrigin(std::string_view origin) const {
  if (origin.empty()) return false;
  const std::string lower = ToLower(origin);
  for (const std::string& allowed : allowed_origins_) {
    if (allowed == lower) return true;
  }
  return false;
}

bool CorsPolicy::IsPreflight(const ApiRequest& request) const {
  return enabled() && request.method == Method::kOptions && request.HasHeader("origin") &&
         request.HasHeader("access-control-request-method");
}

ApiResponse CorsPolicy::Preflight(const ApiRequest& request) const {
  const std::string_view origin = request.Header("origin");
  if (!IsAllowedOrigin(origin)) {
    ApiResponse refused = ProblemResponse(
        Status::PermissionDenied("origin '" + std::string(origin.substr(0, 200)) +
                                 "' may not call this API from a browser; an operator can add "
                                 "it to server.cors.allowed_origins")
            .WithProblemCode("cors_origin_not_allowed"),
        request.request_id);
    AddVaryOrigin(refused);
    return refused;
  }
  ApiResponse response = ApiResponse::NoContent();
  response.WithHeader("Access-Control-Allow-Origin", std::string(origin))
      .WithHeader("Access-Control-Allow-Methods", std::string(kAllowMethods))
      .WithHeader("Access-Control-Allow-Headers", std::string(kAllowHeaders))
      .WithHeader("Access-Control-Max-Age", std::to_string(kMaxAgeSeconds));
  AddVaryOrigin(response);
  return response;
}

void CorsPolicy::Decorate(const ApiRequest& request, ApiResponse& response) const {
  if (!enabled()) return;
  AddVaryOrigin(response);
  const std::string_view origin = request.Header("origin");
  if (!IsAllowedOrigin(origin)) return;
  SetHeader(response, "Access-Control-Allow-Origin", std::string(origin));
  SetHeader(response, "Access-Control-Expose-Headers", std::string(kExposeHeaders));
}

}  // namespace strata::server
