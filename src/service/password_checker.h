// PasswordChecker: argon2id verification of sign-in secrets (passwords, client secrets)
// with a bound on how many run at once, and a decoy for accounts that have no usable hash.
//
// Memory bound: each verification holds its hash's memory (19 MiB with the default
// parameters) for tens of milliseconds. At most `max_concurrent` run at once; a caller
// waits up to `max_wait` for a slot and is then refused with Unavailable (problem code
// "temporarily_unavailable"), so a flood of sign-ins cannot exhaust memory or starve the
// worker pool.
// Timing: Verify() of "" (an unknown account, or one without a password) verifies against a
// decoy hash made with `params`, so it costs what a real verification costs and the answer
// time does not tell whether the account exists.
// Thread safety: thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <semaphore>
#include <string>
#include <string_view>

#include "common/result.h"
#include "security/password_hash.h"

namespace strata::service {

class PasswordChecker {
 public:
  static constexpr std::ptrdiff_t kMaxConcurrent = 1024;

  // REQUIRES: 1 <= max_concurrent <= kMaxConcurrent. Internal when the decoy cannot be
  // hashed (libargon2 could not allocate its memory).
  static Result<std::unique_ptr<PasswordChecker>> Create(
      security::PasswordParams params, size_t max_concurrent,
      std::chrono::milliseconds max_wait = std::chrono::seconds(10));

  // True iff `password` matches `phc`; false for a wrong password and for phc "" (after
  // the decoy verification). Unavailable when no slot freed within max_wait.
  Result<bool> Verify(std::string_view password, std::string_view phc);

  // A fresh hash with params() (for rehash on sign-in), under the same bound.
  Result<std::string> Hash(std::string_view password);

  // True when `phc` should be replaced by Hash(password) after a successful sign-in.
  bool NeedsRehash(std::string_view phc) const { return security::NeedsRehash(phc, params_); }

  const security::PasswordParams& params() const { return params_; }

 private:
  PasswordChecker(security::PasswordParams params, size_t max_concurrent,
                  std::chrono::milliseconds max_wait, std::string decoy)
      : params_(params),
        slots_(static_cast<std::ptrdiff_t>(max_concurrent)),
        max_wait_(max_wait),
        decoy_(std::move(decoy)) {}

  Status Acquire();

  const security::PasswordParams params_;
  std::counting_semaphore<kMaxConcurrent> slots_;
  const std::chrono::milliseconds max_wait_;
  const std::string decoy_;  // PHC of a random password nobody knows.
};

}  // namespace strata::service
