// The value transforms of field policies (docs/security.md "Row and field policies"), and
// their keys:
//   mask      strings keep their last 4 characters (UTF-8 code points); every other
//             character becomes '*'; 4 characters or fewer become all '*'.
//   hash      the first 16 bytes of HMAC-SHA256(hash key, text) as 32 lowercase hex digits.
//   tokenize  "tok_" + base64url(AES-256-SIV(token key, AD = [dataset id, field id],
//             0x01 || text)): deterministic, so grouping works, and reversible by
//             Detokenize with the same keys, so no token vault is needed.
// `text` is a value's canonical text (what CAST(x AS string) gives).
//
// Keys: one installation secret (kept by the metastore as "pii_key") → per dataset
// generation (id and creation time) a hash key and a token key, by HKDF-SHA256. A dataset
// deleted and created again under the same id gets new keys, so old tokens do not open.
// Thread safety: immutable; all functions are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strata::security {

inline constexpr size_t kPiiSecretBytes = 32;
inline constexpr std::string_view kTokenPrefix = "tok_";

struct FieldTransformKeys {
  std::string dataset_id;
  std::string hash_key;   // 32 bytes; a secret.
  std::string token_key;  // 64 bytes (AES-256-SIV); a secret.
  // 16 hex digits that identify the key set without revealing it (for cache fingerprints).
  std::string key_id;
};

class PiiKeyring {
 public:
  // REQUIRES: installation_secret.size() >= kPiiSecretBytes.
  explicit PiiKeyring(std::string installation_secret);

  // The keys of dataset `dataset_id` created at `created_at` (µs; its generation).
  FieldTransformKeys KeysFor(std::string_view dataset_id, int64_t created_at) const;

 private:
  std::string secret_;
};

void AppendMasked(std::string_view text, std::string& out);
void AppendHashed(const FieldTransformKeys& keys, std::string_view text, std::string& out);
void AppendToken(const FieldTransformKeys& keys, uint32_t field_id, std::string_view text,
                 std::string& out);
// The text a token of field `field_id` was made from, or nullopt when `token` is not one
// (malformed, tampered, another dataset, field or key).
std::optional<std::string> Detokenize(const FieldTransformKeys& keys, uint32_t field_id,
                                      std::string_view token);

}  // namespace strata::security
