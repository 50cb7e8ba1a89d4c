// Identifiers: request ids (ULID text) and their validation.
// Thread safety: all functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace strata {

// A new ULID: 26 Crockford base32 characters, 48-bit millisecond time then 80 random bits,
// so ids sort by creation time. Not a secret: the randomness is not cryptographic.
std::string NewUlid();

// A client-supplied X-Request-Id is accepted when it is 1-128 characters of [A-Za-z0-9._-].
bool IsValidRequestId(std::string_view id);

}  // namespace strata
