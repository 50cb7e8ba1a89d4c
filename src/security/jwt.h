// Signing JWTs (RFC 7519) in JWS compact serialization (RFC 7515 §7.1) with our own keys:
//
//   base64url(header) "." base64url(claims) "." base64url(signature)
//   header = {"alg":"ES256"|"EdDSA","typ":<typ>,"kid":<key's kid>}
//
// Verification is in jwt_verifier.h. Per RFC 8725 §3.11 every kind of token gets its own
// `typ` (e.g. "at+jwt" for access tokens, RFC 9068) and verifiers accept only theirs.
// Thread safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/json.h"
#include "security/signing_key.h"

namespace strata::security {

// Verifiers refuse longer tokens (before decoding anything). Keep claims well below it.
inline constexpr size_t kMaxJwtBytes = 16 * 1024;

// The signed token. REQUIRES: `claims_json` is one JSON object (e.g. JsonWriter output)
// that carries at least "exp"; `typ` is not empty.
std::string SignJwt(const SigningKey& key, std::string_view typ, std::string_view claims_json);
// REQUIRES: claims.is_object().
std::string SignJwt(const SigningKey& key, std::string_view typ, const json::Value& claims);

}  // namespace strata::security
