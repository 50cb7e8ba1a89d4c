// REST route of PII tokens (docs/api.md "Detokenize"): POST /v1/datasets/{id}/detokenize.
#pragma once

#include "server/api/router.h"
#include "service/pii_service.h"

namespace strata::server {

// `service` must outlive the router.
void AddPiiRoutes(Router& router, service::PiiService& service);

}  // namespace strata::server
