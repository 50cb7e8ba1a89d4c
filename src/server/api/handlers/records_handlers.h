// REST routes of the record read paths (docs/api.md "Records", "Changes"):
// GET/DELETE /v1/datasets/{id}/records and GET /v1/datasets/{id}/changes.
#pragma once

#include "server/api/router.h"
#include "service/records_service.h"

namespace strata::server {

// `service` must outlive the router.
void AddRecordsRoutes(Router& router, service::RecordsService& service);

}  // namespace strata::server
