#include "security/pii_transforms.h"

#include <array>
#include <vector>

#include "common/check.h"
#include "common/strings.h"
#include "security/crypto.h"
#include "security/pii_crypto.h"

namespace strata::security {
namespace {

constexpr std::string_view kKeySalt = "strata pii keys v1";
constexpr char kTokenFormat = '\x01';  // First plaintext byte: the token format version.
constexpr size_t kMaskKeptCodePoints = 4;
constexpr size_t kHashBytes = 16;

bool IsContinuationByte(char c) { return (static_cast<uint8_t>(c) & 0xc0) == 0x80; }

std::string Info(std::string_view purpose, std::string_view dataset_id, int64_t created_at) {
  std::string info(purpose);
  info += '\0';
  info += dataset_id;
  info += '\0';
  info += std::to_string(created_at);
  return info;
}

std::string FieldAd(uint32_t field_id) { return std::to_string(field_id); }

}  // namespace

PiiKeyring::PiiKeyring(std::string installation_secret) : secret_(std::move(installation_secret)) {
  STRATA_CHECK(secret_.size() >= kPiiSecretBytes);
}

FieldTransformKeys PiiKeyring::KeysFor(std::string_view dataset_id, int64_t created_at) const {
  FieldTransformKeys keys;
  keys.dataset_id = std::string(dataset_id);
  keys.hash_key = HkdfSha256(secret_, kKeySalt, Info("hash", dataset_id, created_at), 32);
  keys.token_key =
      HkdfSha256(secret_, kKeySalt, Info("tokenize", dataset_id, created_at), kSivKeyBytes);
  keys.key_id = HexEncode(HmacSha256(keys.hash_key, "key id").substr(0, 8));
  return keys;
}

void AppendMasked(std::string_view text, std::string& out) {
  size_t code_points = 0;
  for (char c : text) code_points += !IsContinuationByte(c);
  if (code_points <= kMaskKeptCodePoints) {
    out.append(code_points, '*');
    return;
  }
  // Star every code point before the last four, then copy those four as they are.
  size_t starred = 0;
  size_t pos = 0;
  const size_t to_star = code_points - kMaskKeptCodePoints;
  while (pos < text.size()) {
    if (!IsContinuationByte(text[pos])) {
      if (starred == to_star) break;
      ++starred;
      out += '*';
    }
    ++pos;
  }
  out.append(text.substr(pos));
}

void AppendHashed(const FieldTransformKeys& keys, std::string_view text, std::string& out) {
  out += HexEncode(HmacSha256(keys.hash_key, text).substr(0, kHashBytes));
}

void AppendToken(const FieldTransformKeys& keys, uint32_t field_id, std::string_view text,
                 std::string& out) {
  const std::string field = FieldAd(field_id);
  const std::array<std::string_view, 2> associated = {keys.dataset_id, field};
  std::string plaintext;
  plaintext.reserve(text.size() + 1);
  plaintext += kTokenFormat;
  plaintext += text;
  out += kTokenPrefix;
  out += Base64UrlEncode(SivSeal(keys.token_key, associated, plaintext));
}

std::optional<std::string> Detokenize(const FieldTransformKeys& keys, uint32_t field_id,
                                      std::string_view token) {
  if (!token.starts_with(kTokenPrefix)) return std::nullopt;
  std::optional<std::string> sealed = Base64UrlDecode(token.substr(kTokenPrefix.size()));
  if (!sealed) return std::nullopt;
  const std::string field = FieldAd(field_id);
  const std::array<std::string_view, 2> associated = {keys.dataset_id, field};
  std::optional<std::string> plaintext = SivOpen(keys.token_key, associated, *sealed);
  if (!plaintext || plaintext->empty() || (*plaintext)[0] != kTokenFormat) return std::nullopt;
  return plaintext->substr(1);
}

}  // namespace strata::security
