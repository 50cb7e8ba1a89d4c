// Binary-to-text codecs that credentials need, with strict decoders: every text has exactly
// one accepted spelling (apart from documented case-insensitivity), so a credential cannot be
// altered into a different string that still decodes to the same bytes.
// Thread safety: all functions are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace strata::security {

// Base32 (RFC 4648 §6, alphabet A-Z2-7), upper-case, without '=' padding. Used for TOTP
// secrets, which authenticator apps expect in this form.
std::string Base32Encode(std::string_view bytes);
// Accepts upper- or lower-case letters, with or without the padding RFC 4648 prescribes.
// nullopt for any other character, a length no encoding produces, wrong padding, or unused
// trailing bits that are not zero.
std::optional<std::string> Base32Decode(std::string_view text);

// Base64url (RFC 4648 §5) as JOSE uses it (RFC 7515 §2): no padding, no other characters,
// unused trailing bits zero. nullopt otherwise.
std::optional<std::string> Base64UrlDecodeStrict(std::string_view text);

// Standard base64 (RFC 4648 §4) without padding, as PHC strings use it.
std::string Base64EncodeUnpadded(std::string_view bytes);
// Inverse of Base64EncodeUnpadded; the same strictness as Base64UrlDecodeStrict.
std::optional<std::string> Base64DecodeUnpaddedStrict(std::string_view text);

}  // namespace strata::security
