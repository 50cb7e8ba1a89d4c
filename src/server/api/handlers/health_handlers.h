// Public operational routes: /healthz, /readyz, and the API description
// (/v1/openapi.json, /v1/openapi.yaml).
#pragma once

#include "server/api/router.h"
#include "service/health_service.h"

namespace strata::server {

// `health` must outlive the router.
void AddHealthRoutes(Router& router, service::HealthService& health);
void AddSpecRoutes(Router& router);

}  // namespace strata::server
