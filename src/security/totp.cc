#include "security/totp.h"

#include "common/check.h"
#include "security/crypto.h"
#include "security/encoding.h"

namespace strata::security {
namespace {

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsUnreserved(c)) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<uint8_t>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

}  // namespace

std::string GenerateTotpSecret() { return RandomBytes(kTotpSecretBytes); }

int64_t TotpStep(int64_t unix_seconds) {
  // Floor division, so times before the epoch do not share step 0.
  int64_t step = unix_seconds / kTotpPeriodSeconds;
  if (unix_seconds % kTotpPeriodSeconds < 0) --step;
  return step;
}

std::string TotpCode(std::string_view secret, int64_t step, int digits) {
  STRATA_DCHECK(digits >= 6 && digits <= 8);
  STRATA_DCHECK(step >= 0);
  char counter[8];
  auto value = static_cast<uint64_t>(step);
  for (int byte_idx = 7; byte_idx >= 0; --byte_idx) {
    counter[byte_idx] = static_cast<char>(value & 0xFF);
    value >>= 8;
  }
  const std::string mac = HmacSha1(secret, std::string_view(counter, sizeof(counter)));
  const size_t offset = static_cast<uint8_t>(mac[19]) & 0x0F;
  const uint32_t binary = ((static_cast<uint8_t>(mac[offset]) & 0x7Fu) << 24) |
                          (static_cast<uint8_t>(mac[offset + 1]) << 16) |
                          (static_cast<uint8_t>(mac[offset + 2]) << 8) |
                          static_cast<uint8_t>(mac[offset + 3]);
  uint32_t modulus = 1;
  for (int digit_idx = 0; digit_idx < digits; ++digit_idx) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  code.insert(0, static_cast<size_t>(digits) - code.size(), '0');
  return code;
}

std::optional<int64_t> VerifyTotp(std::string_view secret, std::string_view code,
                                  int64_t now_unix_seconds, int64_t last_accepted_step) {
  if (code.size() != static_cast<size_t>(kTotpDigits)) return std::nullopt;
  for (char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const int64_t now_step = TotpStep(now_unix_seconds);
  std::optional<int64_t> accepted;
  // Every candidate is computed and compared, so timing does not reveal which one matched.
  for (int64_t step = now_step - 1; step <= now_step + 1; ++step) {
    if (step < 0 || step <= last_accepted_step) continue;
    const bool match = ConstantTimeEquals(TotpCode(secret, step), code);
    if (match && !accepted.has_value()) accepted = step;
  }
  return accepted;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account, std::string_view secret) {
  const std::string encoded_issuer = PercentEncode(issuer);
  return "otpauth://totp/" + encoded_issuer + ":" + PercentEncode(account) +
         "?secret=" + Base32Encode(secret) + "&issuer=" + encoded_issuer +
         "&algorithm=SHA1&digits=" + std::to_string(kTotpDigits) +
         "&period=" + std::to_string(kTotpPeriodSeconds);
}

}  // namespace strata::security
