// REST routes of the audit log (docs/api.md "Audit log"): GET /v1/audit (entries, filtered,
// cursor-paginated) and GET /v1/audit/verify (the chain's integrity). Reads only: no route
// edits or deletes entries.
#pragma once

#include "audit/audit_verifier.h"
#include "common/json_writer.h"
#include "server/api/router.h"
#include "service/audit_service.h"

namespace strata::server {

// `service` must outlive the router.
void AddAuditRoutes(Router& router, service::AuditService& service);

// The body of GET /v1/audit/verify.
void WriteVerifyReportJson(JsonWriter& writer, const audit::VerifyReport& report);

}  // namespace strata::server
