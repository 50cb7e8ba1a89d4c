// The second factor of a user with TOTP enabled: a current TOTP code (RFC 6238) or one of
// their recovery codes, each accepted once.
//
// Single use: an accepted TOTP step becomes the user's totp_last_step and an accepted
// recovery code's hash is removed, in one UpdateUser conditional on the revision that was
// read. A concurrent change (say, the same code presented twice at once) makes one of the
// updates fail with Conflict; that request reads the user again and checks once more, so
// the code is accepted exactly once.
// Thread safety: stateless functions over a thread-safe store.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"
#include "meta/identity_store.h"

namespace strata::service {

enum class SecondFactor {
  kAccepted,
  kRejected,  // Wrong, replayed, or used already; or TOTP is not enabled.
};

// Checks `totp_code` (when not empty) or else `recovery_code` for user `name` and records
// its use. NotFound when the user is gone.
Result<SecondFactor> UseSecondFactor(meta::IdentityStore& identity, std::string_view name,
                                     std::string_view totp_code, std::string_view recovery_code,
                                     int64_t now_micros);

}  // namespace strata::service
