// MfaService: self-service TOTP enrolment of users (docs/security.md "MFA").
//
//   BeginTotp    stores a fresh secret, not yet enabled (a pending enrolment replaces an
//                earlier pending one); Conflict while TOTP is enabled.
//   ConfirmTotp  a current code of the pending secret enables TOTP and returns
//                kRecoveryCodeCount recovery codes, shown once and stored as hashes.
//   DisableTotp  a current code or a recovery code turns TOTP off and forgets the secret
//                and the recovery codes.
// Callers: principals of kind user ("user:<name>"), however authenticated (an API key of a
// user acts as that user); anyone else gets PermissionDenied. Wrong codes count as failed
// sign-in attempts of the user and the address (LoginThrottle), and a blocked caller gets
// Throttled("too_many_attempts").
// Codes are single use: a TOTP step once accepted (at confirmation or anywhere else) is
// never accepted again.
// Thread safety: thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "meta/meta_store.h"
#include "security/principal.h"
#include "service/login_throttle.h"

namespace strata::service {

struct MfaOptions {
  // The issuer label authenticator apps show. Default: "Strata".
  std::string totp_issuer = "Strata";
  // Microseconds since the epoch; null = NowMicros. Test hook.
  std::function<int64_t()> clock;
};

struct TotpEnrolment {
  std::string secret;       // Base32, as apps accept it typed in.
  std::string otpauth_uri;  // For a QR code. Contains the secret.
};

class MfaService {
 public:
  // `store` and `throttle` must outlive the service.
  MfaService(meta::MetaStore& store, LoginThrottle& throttle, MfaOptions options)
      : store_(store), throttle_(throttle), options_(std::move(options)) {}

  Result<TotpEnrolment> BeginTotp(const security::Principal& caller);
  // The recovery codes. ValidationFailed "invalid_mfa_code" for a wrong code; Conflict
  // "mfa_not_pending" without a pending enrolment.
  Result<std::vector<std::string>> ConfirmTotp(const security::Principal& caller,
                                               std::string_view code, std::string_view address);
  // ValidationFailed "invalid_mfa_code" for a wrong code; Conflict "mfa_not_enabled" when
  // TOTP is off.
  Status DisableTotp(const security::Principal& caller, std::string_view code,
                     std::string_view address);

 private:
  int64_t Now() const;
  // The user's name; PermissionDenied for other principals.
  Result<std::string> UserOf(const security::Principal& caller) const;
  // Stores `user` (as read) as its next revision; Conflict when it changed since it was read.
  Status StoreNextRevision(meta::UserRecord& user, int64_t now);
  Status CheckThrottle(std::string_view name, std::string_view address, int64_t now);
  Status WrongCode(std::string_view name, std::string_view address, int64_t now);

  meta::MetaStore& store_;
  LoginThrottle& throttle_;
  const MfaOptions options_;
};

}  // namespace strata::service
