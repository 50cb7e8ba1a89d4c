#include "service/password_checker.h"

#include "common/strings.h"
#include "security/crypto.h"

namespace strata::service {

Result<std::unique_ptr<PasswordChecker>> PasswordChecker::Create(
    security::PasswordParams params, size_t max_concurrent, std::chrono::milliseconds max_wait) {
  if (max_concurrent < 1 || max_concurrent > static_cast<size_t>(kMaxConcurrent)) {
    return Status::InvalidArgument("concurrent password hashes must be 1.." +
                                   std::to_string(kMaxConcurrent));
  }
  STRATA_ASSIGN_OR_RETURN(
      std::string decoy,
      security::HashPassword(Base64UrlEncode(security::RandomBytes(24)), params));
  return std::unique_ptr<PasswordChecker>(
      new PasswordChecker(params, max_concurrent, max_wait, std::move(decoy)));
}

Status PasswordChecker::Acquire() {
  if (slots_.try_acquire_for(max_wait_)) return Status();
  return Status::Unavailable("too many sign-ins at once; retry shortly")
      .WithProblemCode("temporarily_unavailable");
}

Result<bool> PasswordChecker::Verify(std::string_view password, std::string_view phc) {
  STRATA_RETURN_IF_ERROR(Acquire());
  bool matches = false;
  if (phc.empty()) {
    security::VerifyPassword(password, decoy_);
  } else {
    matches = security::VerifyPassword(password, phc);
  }
  slots_.release();
  return matches;
}

Result<std::string> PasswordChecker::Hash(std::string_view password) {
  STRATA_RETURN_IF_ERROR(Acquire());
  Result<std::string> hashed = security::HashPassword(password, params_);
  slots_.release();
  return hashed;
}

}  // namespace strata::service
