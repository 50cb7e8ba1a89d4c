#include "service/second_factor.h"

#include <optional>

#include "security/crypto.h"
#include "security/recovery_codes.h"
#include "security/totp.h"

namespace strata::service {
namespace {

constexpr int kMaxAttempts = 5;  // Conflicts retried; each one means another write won.

}  // namespace

Result<SecondFactor> UseSecondFactor(meta::IdentityStore& identity, std::string_view name,
                                     std::string_view totp_code, std::string_view recovery_code,
                                     int64_t now_micros) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    STRATA_ASSIGN_OR_RETURN(meta::UserRecord user, identity.GetUser(name));
    if (!user.totp_enabled || user.totp_secret.empty()) return SecondFactor::kRejected;
    const uint64_t read_revision = user.revision;
    if (!totp_code.empty()) {
      std::optional<int64_t> step = security::VerifyTotp(
          user.totp_secret, totp_code, now_micros / 1'000'000, user.totp_last_step);
      if (!step) return SecondFactor::kRejected;
      user.totp_last_step = *step;
    } else {
      if (recovery_code.empty()) return SecondFactor::kRejected;
      const std::string hash = security::HashRecoveryCode(recovery_code);
      auto match = user.recovery_code_hashes.end();
      for (auto it = user.recovery_code_hashes.begin(); it != user.recovery_code_hashes.end();
           ++it) {
        // Every stored hash is compared, in constant time, whether or not one matched.
        if (security::ConstantTimeEquals(*it, hash)) match = it;
      }
      if (match == user.recovery_code_hashes.end()) return SecondFactor::kRejected;
      user.recovery_code_hashes.erase(match);
    }
    user.revision = read_revision + 1;
    user.updated_at = now_micros;
    Status updated = identity.UpdateUser(user, read_revision);
    if (updated.ok()) return SecondFactor::kAccepted;
    if (updated.code() != StatusCode::kConflict) return updated;
  }
  return Status::Conflict("the account is being changed concurrently; retry");
}

}  // namespace strata::service
