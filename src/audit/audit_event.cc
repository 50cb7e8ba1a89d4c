#include "audit/audit_event.h"

namespace strata::audit {

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess: return "success";
    case Outcome::kDenied: return "denied";
    case Outcome::kError: return "error";
  }
  return "error";
}

std::optional<Outcome> ParseOutcome(std::string_view name) {
  if (name == "success") return Outcome::kSuccess;
  if (name == "denied") return Outcome::kDenied;
  if (name == "error") return Outcome::kError;
  return std::nullopt;
}

Outcome OutcomeForHttpStatus(int status) {
  if (status < 400) return Outcome::kSuccess;
  if (status == 401 || status == 403) return Outcome::kDenied;
  return Outcome::kError;
}

Status AppendForRequest(AuditSink& sink, const RequestIds& ids, AuditEvent event) {
  event.request_id = ids.request_id;
  event.trace_id = ids.trace_id;
  STRATA_RETURN_IF_ERROR(sink.Append(std::move(event)));
  if (ids.recorded) ids.recorded->store(true);
  return Status();
}

Status AuditUnavailable(std::string_view why) {
  return Status::Unavailable("the audit log cannot record this request, so it was refused: " +
                             std::string(why))
      .WithProblemCode("audit_unavailable");
}

}  // namespace strata::audit
