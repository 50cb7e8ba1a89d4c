#include "common/status.h"

#include "common/check.h"

namespace strata {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kValidationFailed: return "validation_failed";
    case StatusCode::kUnauthenticated: return "unauthenticated";
    case StatusCode::kPermissionDenied: return "permission_denied";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kAlreadyExists: return "already_exists";
    case StatusCode::kConflict: return "conflict";
    case StatusCode::kPreconditionFailed: return "precondition_failed";
    case StatusCode::kPayloadTooLarge: return "payload_too_large";
    case StatusCode::kUnsupportedMediaType: return "unsupported_media_type";
    case StatusCode::kResourceExhausted: return "resource_exhausted";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kInsufficientStorage: return "insufficient_storage";
    case StatusCode::kDeadlineExceeded: return "deadline_exceeded";
    case StatusCode::kCorruption: return "corruption";
    case StatusCode::kIoError: return "io_error";
    case StatusCode::kInternal: return "internal";
  }
  return "internal";
}

Status::Status(StatusCode code, std::string_view msg)
    : rep_(std::make_shared<const Rep>(Rep{code, std::string(msg), {}, {}})) {
  STRATA_DCHECK(code != StatusCode::kOk);
}

std::string_view Status::problem_code() const {
  if (ok() || rep_->problem_code.empty()) return StatusCodeName(code());
  return rep_->problem_code;
}

const std::vector<ErrorDetail>& Status::errors() const {
  static const std::vector<ErrorDetail> kNone;
  return ok() ? kNone : rep_->errors;
}

Status Status::WithProblemCode(std::string_view problem_code) const {
  STRATA_DCHECK(!ok());
  Rep rep = *rep_;
  rep.problem_code = std::string(problem_code);
  return Status(std::make_shared<const Rep>(std::move(rep)));
}

Status Status::WithErrors(std::vector<ErrorDetail> errors) const {
  STRATA_DCHECK(!ok());
  Rep rep = *rep_;
  rep.errors = std::move(errors);
  return Status(std::make_shared<const Rep>(std::move(rep)));
}

Status Status::Annotate(std::string_view prefix) const {
  STRATA_DCHECK(!ok());
  Rep rep = *rep_;
  rep.message = std::string(prefix) + ": " + rep.message;
  return Status(std::make_shared<const Rep>(std::move(rep)));
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(problem_code());
  out += ": ";
  out += rep_->message;
  return out;
}

}  // namespace strata
