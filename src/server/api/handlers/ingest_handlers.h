// REST route of batch ingestion: POST /v1/datasets/{id}/ingest (docs/ingest.md).
#pragma once

#include "server/api/router.h"
#include "service/ingest_service.h"

namespace strata::server {

// `service` must outlive the router.
void AddIngestRoutes(Router& router, service::IngestService& service);

}  // namespace strata::server
