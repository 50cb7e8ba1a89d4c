// REST routes of SQL queries (docs/query.md): POST /v1/query and POST /v1/datasets/{id}/query.
#pragma once

#include "server/api/router.h"
#include "service/query_service.h"

namespace strata::server {

// `service` must outlive the router.
void AddQueryRoutes(Router& router, service::QueryService& service);

}  // namespace strata::server
