// REST routes of the record paths (docs/api.md "Records", "Changes"):
// GET/DELETE /v1/datasets/{id}/records and GET /v1/datasets/{id}/changes.
#pragma once

#include "server/api/router.h"
#include "service/job_service.h"
#include "service/records_service.h"

namespace strata::server {

// `service` and `jobs` (which answers DELETE .../records, as it may start a delete job) must
// outlive the router.
void AddRecordsRoutes(Router& router, service::RecordsService& service, service::JobService& jobs);

}  // namespace strata::server
