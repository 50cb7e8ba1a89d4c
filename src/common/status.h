// Status: OK, or a code, a message and optional details for the caller.
// Thread safety: immutable; copies share one representation and may cross threads.
// Invariant: an OK Status allocates nothing (rep_ is null).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata {

// Transport-neutral error classes. src/server maps them to HTTP (and later gRPC) codes.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,       // Malformed request: unparseable body, bad parameter. HTTP 400.
  kValidationFailed,      // Well-formed but invalid content. HTTP 422.
  kUnauthenticated,       // No or bad credentials. HTTP 401.
  kPermissionDenied,      // Authenticated but not allowed. HTTP 403.
  kNotFound,              // HTTP 404.
  kAlreadyExists,         // HTTP 409.
  kConflict,              // Concurrent or state conflict. HTTP 409.
  kPreconditionFailed,    // If-Match and friends. HTTP 412.
  kPayloadTooLarge,       // HTTP 413.
  kUnsupportedMediaType,  // HTTP 415.
  kResourceExhausted,     // Rate or quota limits. HTTP 429.
  kUnavailable,           // Overloaded, shutting down, not ready. HTTP 503.
  kInsufficientStorage,   // Disk full. HTTP 507.
  kDeadlineExceeded,      // HTTP 504.
  kCorruption,            // Stored data failed verification. HTTP 500.
  kIoError,               // HTTP 500.
  kInternal,              // Bug. HTTP 500.
};

// Stable snake_case name of a code, used as the default problem `code`.
std::string_view StatusCodeName(StatusCode code);

// One item of a problem's `errors` array: where (a JSON pointer into the request body, a
// query parameter or a header) and what.
struct ErrorDetail {
  enum class Location { kPointer, kParameter, kHeader };
  Location location = Location::kPointer;
  std::string where;   // "/fields/2/type", "limit", "If-Match".
  std::string detail;  // Actionable, no internals.

  static ErrorDetail Pointer(std::string where, std::string detail) {
    return {Location::kPointer, std::move(where), std::move(detail)};
  }
  static ErrorDetail Parameter(std::string where, std::string detail) {
    return {Location::kParameter, std::move(where), std::move(detail)};
  }
  static ErrorDetail Header(std::string where, std::string detail) {
    return {Location::kHeader, std::move(where), std::move(detail)};
  }
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK.

  static Status InvalidArgument(std::string_view msg) {
    return {StatusCode::kInvalidArgument, msg};
  }
  static Status ValidationFailed(std::string_view msg) {
    return {StatusCode::kValidationFailed, msg};
  }
  static Status Unauthenticated(std::string_view msg) {
    return {StatusCode::kUnauthenticated, msg};
  }
  static Status PermissionDenied(std::string_view msg) {
    return {StatusCode::kPermissionDenied, msg};
  }
  static Status NotFound(std::string_view msg) { return {StatusCode::kNotFound, msg}; }
  static Status AlreadyExists(std::string_view msg) { return {StatusCode::kAlreadyExists, msg}; }
  static Status Conflict(std::string_view msg) { return {StatusCode::kConflict, msg}; }
  static Status PreconditionFailed(std::string_view msg) {
    return {StatusCode::kPreconditionFailed, msg};
  }
  static Status PayloadTooLarge(std::string_view msg) {
    return {StatusCode::kPayloadTooLarge, msg};
  }
  static Status UnsupportedMediaType(std::string_view msg) {
    return {StatusCode::kUnsupportedMediaType, msg};
  }
  static Status ResourceExhausted(std::string_view msg) {
    return {StatusCode::kResourceExhausted, msg};
  }
  static Status Unavailable(std::string_view msg) { return {StatusCode::kUnavailable, msg}; }
  static Status InsufficientStorage(std::string_view msg) {
    return {StatusCode::kInsufficientStorage, msg};
  }
  static Status DeadlineExceeded(std::string_view msg) {
    return {StatusCode::kDeadlineExceeded, msg};
  }
  static Status Corruption(std::string_view msg) { return {StatusCode::kCorruption, msg}; }
  static Status IoError(std::string_view msg) { return {StatusCode::kIoError, msg}; }
  static Status Internal(std::string_view msg) { return {StatusCode::kInternal, msg}; }
  // A status of any code, e.g. one read back from storage. REQUIRES: code != kOk.
  static Status FromCode(StatusCode code, std::string_view msg) { return {code, msg}; }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return ok() ? StatusCode::kOk : rep_->code; }
  std::string_view message() const { return ok() ? std::string_view() : rep_->message; }

  // The stable problem `code`: set by WithProblemCode, else StatusCodeName(code()).
  std::string_view problem_code() const;
  const std::vector<ErrorDetail>& errors() const;

  // Returns a copy with a more specific problem code, e.g. "malformed_json".
  // REQUIRES: !ok(); `problem_code` is snake_case.
  Status WithProblemCode(std::string_view problem_code) const;
  // Returns a copy carrying per-item details. REQUIRES: !ok().
  Status WithErrors(std::vector<ErrorDetail> errors) const;
  // Returns a copy whose message is "<prefix>: <message>". REQUIRES: !ok().
  Status Annotate(std::string_view prefix) const;

  // "NotFound: dataset 'x' does not exist", or "OK". For logs and tests.
  std::string ToString() const;

  void IgnoreError() const {}  // Greppable marker for a deliberately dropped error.

 private:
  struct Rep {
    StatusCode code;
    std::string message;
    std::string problem_code;  // Empty: StatusCodeName(code).
    std::vector<ErrorDetail> errors;
  };
  Status(StatusCode code, std::string_view msg);
  explicit Status(std::shared_ptr<const Rep> rep) : rep_(std::move(rep)) {}

  std::shared_ptr<const Rep> rep_;  // Null iff OK. Immutable, so copies share it.
};

}  // namespace strata

#define STRATA_CONCAT_INNER(a, b) a##b
#define STRATA_CONCAT(a, b) STRATA_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function when it is not OK.
#define STRATA_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::strata::Status strata_status_ = (expr);        \
    if (!strata_status_.ok()) return strata_status_; \
  } while (0)
