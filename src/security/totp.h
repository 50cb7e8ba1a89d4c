// Time-based one-time passwords (TOTP, RFC 6238) as authenticator apps implement them:
// HMAC-SHA1, 30-second steps counted from the Unix epoch, 6 digits.
//
// Secrets are raw bytes here; Base32 (encoding.h) is only for showing them to the user
// (OtpauthUri). Storing the secret (encrypted) and the last accepted step is the caller's job.
// Replay: VerifyTotp accepts a step only if it is later than the last accepted one, so a
// code is never accepted twice once the caller persists the returned step.
// Brute force: a 6-digit code has 10^6 values and three are valid at any time; the caller
// must rate-limit attempts per account.
// Thread safety: all functions are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strata::security {

inline constexpr int64_t kTotpPeriodSeconds = 30;
inline constexpr int kTotpDigits = 6;
inline constexpr size_t kTotpSecretBytes = 20;  // 160 bits, as RFC 4226 §4 recommends.
// last_accepted_step for an account that has never used a code.
inline constexpr int64_t kNoTotpStepAccepted = -1;

// kTotpSecretBytes random bytes.
std::string GenerateTotpSecret();

// The step containing `unix_seconds`: floor(unix_seconds / 30).
int64_t TotpStep(int64_t unix_seconds);

// The code for `step`, zero-padded to `digits` decimal digits (RFC 4226 §5.3 truncation).
// REQUIRES: 6 <= digits <= 8; step >= 0.
std::string TotpCode(std::string_view secret, int64_t step, int digits = kTotpDigits);

// The step whose code equals `code`, among TotpStep(now) - 1 .. TotpStep(now) + 1 (one step
// of clock drift either way) and only steps greater than `last_accepted_step`; the earliest
// such step if several match. nullopt otherwise, and for a code that is not exactly
// kTotpDigits ASCII digits. Codes are compared in constant time.
std::optional<int64_t> VerifyTotp(std::string_view secret, std::string_view code,
                                  int64_t now_unix_seconds, int64_t last_accepted_step);

// The Key URI authenticator apps scan as a QR code (Google Authenticator "Key Uri Format"):
//   otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=<issuer>&algorithm=SHA1
//     &digits=6&period=30
// with issuer and account percent-encoded (everything but RFC 3986 unreserved characters,
// so a ':' in either cannot split the label).
// The URI contains the secret: show it once, never log it.
std::string OtpauthUri(std::string_view issuer, std::string_view account, std::string_view secret);

}  // namespace strata::security
