// RecordingAuditSink: an AuditSink for service tests that keeps every appended event, or
// refuses them all with `append_error`.
#pragma once

#include <vector>

#include "audit/audit_event.h"

namespace strata::service {

class RecordingAuditSink : public audit::AuditSink {
 public:
  Status Append(audit::AuditEvent event) override {
    if (!append_error.ok()) return append_error;
    events.push_back(std::move(event));
    return Status();
  }
  Status Health() const override { return append_error; }

  std::vector<audit::AuditEvent> events;
  Status append_error;  // OK: appends succeed.
};

}  // namespace strata::service
