// LoginThrottle: exponential backoff of failed sign-in attempts (passwords, TOTP and
// recovery codes, client secrets), per account and per client address
// (docs/security.md "Login backoff").
//
// Rule, for each key (the account as sent, and the address): failures count while each
// follows the previous one within `window_seconds`; a longer pause starts the count again.
// From the max_failures-th failure on, the key is blocked for 2^(failures - max_failures)
// seconds after its last failure, at most `max_delay_seconds`. An attempt is refused while
// its account or its address is blocked — before any password is hashed, so a blocked
// attacker costs the server almost nothing.
// Accounts are keyed by the name as sent whether or not it exists, so blocking reveals
// nothing about which accounts exist. A success clears the account's count, not the
// address's (one valid account must not reset an address that guesses others).
// Memory: at most `max_entries` keys; beyond that, expired keys are swept, then unblocked
// ones; while every key is blocked, new keys are not tracked (the address key still is).
// Scope: in memory, per node; a restart forgets every count.
// Thread safety: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace strata::service {

struct LoginThrottleOptions {
  // Failures of one account before backoff starts. Default: 5.
  int64_t max_failures = 5;
  // Failures from one address (any accounts) before backoff starts. Default: 20.
  int64_t max_failures_per_address = 20;
  // A pause longer than this between failures starts the count again. Default: 15 min.
  int64_t window_seconds = 900;
  // Longest block. Default: 15 min.
  int64_t max_delay_seconds = 900;
  // Keys tracked at most. Default: 100000.
  size_t max_entries = 100'000;
};

class LoginThrottle {
 public:
  explicit LoginThrottle(LoginThrottleOptions options) : options_(options) {}

  // Seconds until an attempt for `account` from `address` may run (rounded up); 0 = now.
  // `address` "" is not throttled (e.g. a request not from the network).
  int64_t RetryAfterSeconds(std::string_view account, std::string_view address, int64_t now_micros);
  void RecordFailure(std::string_view account, std::string_view address, int64_t now_micros);
  void RecordSuccess(std::string_view account);

  const LoginThrottleOptions& options() const { return options_; }

 private:
  struct Entry {
    int64_t failures = 0;
    int64_t last_failure = 0;   // Micros.
    int64_t blocked_until = 0;  // Micros; 0 = not blocked.
  };

  // REQUIRES: mu_ held.
  void Fail(const std::string& key, int64_t threshold, int64_t now_micros);
  int64_t BlockedUntil(const std::string& key) const;
  // Makes room for one more key; false when there is none. REQUIRES: mu_ held.
  bool MakeRoom(int64_t now_micros);

  const LoginThrottleOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // "account:<name>" | "address:<ip>".
};

// The refusal of a throttled attempt: ResourceExhausted, problem code `problem_code`, and
// the seconds to wait (read back with ThrottledRetryAfter).
Status Throttled(std::string_view problem_code, int64_t retry_after_seconds);
// The seconds of a Throttled() status; nullopt for any other.
std::optional<int64_t> ThrottledRetryAfter(const Status& status);

// The IP address of an ApiRequest peer ("1.2.3.4:5678", "::1:5678"): everything before the
// last ':'; the whole text when there is none.
std::string_view AddressOfPeer(std::string_view peer);

}  // namespace strata::service
