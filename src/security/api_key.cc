#include "security/api_key.h"

#include <cstdint>

#include "common/strings.h"
#include "security/crypto.h"

namespace strata::security {
namespace {

constexpr size_t kRandomChars = 40;
constexpr size_t kChecksumChars = 6;
constexpr char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

uint32_t Crc32(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (char c : data) {
    crc ^= static_cast<uint8_t>(c);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string ChecksumChars(std::string_view body) {
  uint32_t crc = Crc32(body);
  std::string out(kChecksumChars, '0');
  for (size_t i = kChecksumChars; i-- > 0;) {
    out[i] = kBase62[crc % 62];
    crc /= 62;
  }
  return out;
}

}  // namespace

GeneratedKey GenerateApiKey() {
  std::string body = std::string(kApiKeyPrefix) + RandomBase62(kRandomChars);
  GeneratedKey out;
  out.key = body + ChecksumChars(body);
  out.prefix = out.key.substr(0, 12);
  return out;
}

bool ApiKeyChecksumOk(std::string_view key) {
  if (key.empty()) return false;
  if (!StartsWith(key, kApiKeyPrefix)) return true;
  if (key.size() != kApiKeyPrefix.size() + kRandomChars + kChecksumChars) return false;
  const std::string_view body = key.substr(0, key.size() - kChecksumChars);
  return ChecksumChars(body) == key.substr(body.size());
}

}  // namespace strata::security
