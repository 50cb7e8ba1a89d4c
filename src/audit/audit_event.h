// Audit events: what the audit log records (docs/security.md "Audit log"), the sink that
// services and the request pipeline append them to, and the ids of the request an event
// belongs to.
// Thread safety: AuditEvent and RequestIds are plain values (copies of a RequestIds share its
// `recorded` flag, which is atomic); AuditSink implementations are thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"

namespace strata::audit {

enum class Outcome { kSuccess, kDenied, kError };

// "success", "denied", "error".
std::string_view OutcomeName(Outcome outcome);
std::optional<Outcome> ParseOutcome(std::string_view name);
// success below 400; denied for 401 and 403; error otherwise.
Outcome OutcomeForHttpStatus(int status);

// The principal of events without an authenticated caller (failed authentication).
inline constexpr std::string_view kUnknownPrincipal = "-";
// The principal of events the server causes itself (start, stop, recovery, bootstrap).
inline constexpr std::string_view kSystemPrincipal = "system";

struct AuditEvent {
  std::string principal;  // Principal::ref, kUnknownPrincipal or kSystemPrincipal.
  std::string action;     // "datasets.create", "data.read", "auth.failure", ...
  std::string dataset;    // The dataset acted on; "" when none.
  std::string resource;   // What was acted on: the request path for API calls.
  Outcome outcome = Outcome::kSuccess;
  int status = 0;  // HTTP status of the answer; 0 for events without one.
  std::string request_id;
  std::string trace_id;  // W3C trace id (32 lower-case hex digits), or "".
  // Action-specific facts. An object; its values are null, booleans, integers, strings,
  // arrays and objects (a non-integer number is kept, but only to 17 significant digits).
  json::Value details = json::Value::Object();
};

// The request an audited call serves. The front door makes one per request; services copy
// it into their events. Copies share `recorded`.
struct RequestIds {
  std::string request_id;
  std::string trace_id;
  std::string resource;  // The request's path: the resource of the entries services append.
  // Set once an entry for the request has been appended, so the front door adds no second one.
  std::shared_ptr<std::atomic<bool>> recorded = std::make_shared<std::atomic<bool>>(false);
};

class AuditSink {
 public:
  virtual ~AuditSink() = default;

  // Appends `event` and returns once it is durable. Unavailable with problem code
  // "audit_unavailable" when it cannot be: the caller must then fail its request (the log
  // fails closed).
  virtual Status Append(AuditEvent event) = 0;

  // OK while appends can succeed, else the error Append would return, so that callers can
  // refuse work before doing it.
  virtual Status Health() const = 0;
};

// Copies the request's ids into `event`, appends it, and on success marks the request recorded.
Status AppendForRequest(AuditSink& sink, const RequestIds& ids, AuditEvent event);

// The error of an audit log that cannot take entries: Unavailable, "audit_unavailable".
Status AuditUnavailable(std::string_view why);

}  // namespace strata::audit
