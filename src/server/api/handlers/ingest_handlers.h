// REST route of batch ingestion: POST /v1/datasets/{id}/ingest (docs/ingest.md).
#pragma once

#include "server/api/router.h"
#include "service/ingest_service.h"
#include "service/job_service.h"

namespace strata::server {

// `service` and `jobs` must outlive the router. With `jobs`, ?async=true and large bodies run
// as jobs (job_handlers.h); without, every request is synchronous.
void AddIngestRoutes(Router& router, service::IngestService& service,
                     service::JobService* jobs = nullptr);

}  // namespace strata::server
