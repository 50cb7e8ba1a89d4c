#include "service/mfa_service.h"

#include <algorithm>
#include <optional>

#include "common/strings.h"
#include "common/time_util.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "security/recovery_codes.h"
#include "security/totp.h"

namespace strata::service {
namespace {

Status Concurrent() { return Status::Conflict("the account was changed concurrently; retry"); }

bool IsTotpCode(std::string_view code) {
  return code.size() == static_cast<size_t>(security::kTotpDigits) &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

int64_t MfaService::Now() const { return options_.clock ? options_.clock() : NowMicros(); }

Result<std::string> MfaService::UserOf(const security::Principal& caller) const {
  if (!StartsWith(caller.ref, "user:")) {
    return Status::PermissionDenied(
               "multi-factor authentication is for users; this credential acts as '" + caller.ref +
               "'")
        .WithProblemCode("mfa_users_only");
  }
  return caller.ref.substr(5);
}

Status MfaService::StoreNextRevision(meta::UserRecord& user, int64_t now) {
  const uint64_t read_revision = user.revision;
  user.revision = read_revision + 1;
  user.updated_at = now;
  Status updated = store_.identity().UpdateUser(user, read_revision);
  if (updated.code() == StatusCode::kConflict) return Concurrent();
  return updated;
}

Status MfaService::CheckThrottle(std::string_view name, std::string_view address, int64_t now) {
  const int64_t wait = throttle_.RetryAfterSeconds("user:" + std::string(name), address, now);
  return wait > 0 ? Throttled("too_many_attempts", wait) : Status();
}

Status MfaService::WrongCode(std::string_view name, std::string_view address, int64_t now) {
  throttle_.RecordFailure("user:" + std::string(name), address, now);
  return Status::ValidationFailed("the code is wrong, expired or used already")
      .WithProblemCode("invalid_mfa_code")
      .WithErrors(
          {ErrorDetail::Pointer("/code", "not a current TOTP code or an unused recovery code")});
}

Result<TotpEnrolment> MfaService::BeginTotp(const security::Principal& caller) {
  STRATA_ASSIGN_OR_RETURN(std::string name, UserOf(caller));
  STRATA_ASSIGN_OR_RETURN(meta::UserRecord user, store_.identity().GetUser(name));
  if (user.totp_enabled) {
    return Status::Conflict("TOTP is enabled already; disable it first to enrol again")
        .WithProblemCode("mfa_already_enabled");
  }
  const std::string secret = security::GenerateTotpSecret();
  user.totp_secret = secret;
  user.recovery_code_hashes.clear();
  STRATA_RETURN_IF_ERROR(StoreNextRevision(user, Now()));
  return TotpEnrolment{security::Base32Encode(secret),
                       security::OtpauthUri(options_.totp_issuer, name, secret)};
}

Result<std::vector<std::string>> MfaService::ConfirmTotp(const security::Principal& caller,
                                                         std::string_view code,
                                                         std::string_view address) {
  STRATA_ASSIGN_OR_RETURN(std::string name, UserOf(caller));
  const int64_t now = Now();
  STRATA_RETURN_IF_ERROR(CheckThrottle(name, address, now));
  STRATA_ASSIGN_OR_RETURN(meta::UserRecord user, store_.identity().GetUser(name));
  if (user.totp_enabled) {
    return Status::Conflict("TOTP is enabled already").WithProblemCode("mfa_already_enabled");
  }
  if (user.totp_secret.empty()) {
    return Status::Conflict("no TOTP enrolment is pending; start one with POST /v1/auth/mfa/totp")
        .WithProblemCode("mfa_not_pending");
  }
  std::optional<int64_t> step =
      security::VerifyTotp(user.totp_secret, code, now / 1'000'000, user.totp_last_step);
  if (!step) return WrongCode(name, address, now);
  std::vector<std::string> codes = security::GenerateRecoveryCodes();
  user.totp_enabled = true;
  user.totp_last_step = *step;
  user.recovery_code_hashes.clear();
  for (const std::string& recovery : codes) {
    user.recovery_code_hashes.push_back(security::HashRecoveryCode(recovery));
  }
  STRATA_RETURN_IF_ERROR(StoreNextRevision(user, now));
  throttle_.RecordSuccess("user:" + name);
  return codes;
}

Status MfaService::DisableTotp(const security::Principal& caller, std::string_view code,
                               std::string_view address) {
  STRATA_ASSIGN_OR_RETURN(std::string name, UserOf(caller));
  const int64_t now = Now();
  STRATA_RETURN_IF_ERROR(CheckThrottle(name, address, now));
  STRATA_ASSIGN_OR_RETURN(meta::UserRecord user, store_.identity().GetUser(name));
  if (!user.totp_enabled) {
    return Status::Conflict("TOTP is not enabled").WithProblemCode("mfa_not_enabled");
  }
  bool accepted = false;
  if (IsTotpCode(code)) {
    accepted = security::VerifyTotp(user.totp_secret, code, now / 1'000'000, user.totp_last_step)
                   .has_value();
  } else {
    const std::string hash = security::HashRecoveryCode(code);
    for (const std::string& stored : user.recovery_code_hashes) {
      accepted |= security::ConstantTimeEquals(stored, hash);
    }
  }
  if (!accepted) return WrongCode(name, address, now);
  user.totp_enabled = false;
  user.totp_secret.clear();
  user.recovery_code_hashes.clear();
  STRATA_RETURN_IF_ERROR(StoreNextRevision(user, now));
  throttle_.RecordSuccess("user:" + name);
  return Status();
}

}  // namespace strata::service
