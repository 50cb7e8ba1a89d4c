#include "server/api/handlers/health_handlers.h"

#include "server/api/openapi_spec.h"
#include "server/api/request_helpers.h"

namespace strata::server {

void AddHealthRoutes(Router& router, service::HealthService& health) {
  const RouteOptions is_public{.public_route = true};
  router.Add(
      Method::kGet, "/healthz",
      [](const RequestContext&) -> Result<ApiResponse> {
        return ApiResponse::Json(200, R"({"status":"ok"})");
      },
      is_public);
  router.Add(
      Method::kGet, "/readyz",
      [&health](const RequestContext&) -> Result<ApiResponse> {
        service::Readiness readiness = health.CheckReadiness();
        JsonWriter writer;
        writer.BeginObject();
        writer.Member("status", readiness.ready ? "ready" : "not_ready");
        writer.Key("checks");
        writer.BeginObject();
        for (const service::ReadinessCheck& check : readiness.checks) {
          writer.Key(check.name);
          writer.BeginObject();
          writer.Member("ok", check.ok);
          if (!check.detail.empty()) writer.Member("detail", check.detail);
          writer.EndObject();
        }
        writer.EndObject();
        writer.EndObject();
        ApiResponse response = JsonResponse(readiness.ready ? 200 : 503, writer);
        if (!readiness.ready) response.WithHeader("Retry-After", "5");
        return response;
      },
      is_public);
}

void AddSpecRoutes(Router& router) {
  const RouteOptions is_public{.public_route = true};
  router.Add(
      Method::kGet, "/v1/openapi.json",
      [](const RequestContext&) -> Result<ApiResponse> {
        return ApiResponse::Json(200, std::string(OpenApiJson()));
      },
      is_public);
  router.Add(
      Method::kGet, "/v1/openapi.yaml",
      [](const RequestContext&) -> Result<ApiResponse> {
        ApiResponse response = ApiResponse::Json(200, std::string(OpenApiYaml()));
        response.content_type = "application/yaml";
        return response;
      },
      is_public);
}

}  // namespace strata::server
