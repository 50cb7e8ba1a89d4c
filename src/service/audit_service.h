// AuditService: the audit log over the API (docs/api.md "Audit log"): listing entries with
// filters and cursor pagination (GET /v1/audit) and verifying the chain (GET
// /v1/audit/verify). Both need audit:read. Nothing edits or deletes entries.
// Thread safety: thread-safe.
#pragma once

#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "security/authorizer.h"
#include "service/cursor.h"
#include "service/dataset_service.h"

namespace strata::service {

struct AuditListRequest {
  std::string since;  // RFC 3339: entries at or after it; "" = no bound.
  std::string until;  // RFC 3339: entries before it; "" = no bound.
  std::string principal;
  std::string action;  // Exact, or a prefix ending in ".*" ("auth.*").
  std::string dataset;
  std::string order;  // "desc" (default: newest first) or "asc".
  PageRequest page;
};

struct AuditListPage {
  std::vector<std::string> items;  // Entries as stored: one JSON object each.
  std::string next_cursor;         // "" on the last page.
};

class AuditService {
 public:
  // `log` must outlive the service.
  AuditService(audit::AuditLog& log, const security::Authorizer& authorizer, CursorCodec cursors)
      : log_(log), authorizer_(authorizer), cursors_(std::move(cursors)) {}

  // Errors: 403 without audit:read; 400 invalid_parameter (since, until, order) and
  // invalid_cursor. A page may hold fewer than `limit` entries and still have a next cursor
  // (each page examines a bounded number of entries).
  Result<AuditListPage> List(const security::Principal& caller, const AuditListRequest& request);

  // Verifies the durable log with the server's key. Errors: 403 without audit:read.
  Result<audit::VerifyReport> Verify(const security::Principal& caller);

 private:
  audit::AuditLog& log_;
  const security::Authorizer& authorizer_;
  CursorCodec cursors_;
};

}  // namespace strata::service
