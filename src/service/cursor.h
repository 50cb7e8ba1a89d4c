// Opaque, tamper-proof pagination cursors (CONVENTIONS.md §10).
//
//   cursor = base64url(payload) "." base64url(HMAC-SHA256(secret, kind|filter|payload)[:16])
//
// The MAC binds the cursor to its listing kind and to a fingerprint of the request's filter,
// so a cursor cannot be forged, edited, or replayed against a different listing.
// Thread safety: immutable after construction; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace strata::service {

class CursorCodec {
 public:
  // REQUIRES: secret.size() >= 32.
  explicit CursorCodec(std::string secret) : secret_(std::move(secret)) {}

  std::string Encode(std::string_view kind, std::string_view filter,
                     std::string_view payload) const;

  // The payload of a cursor made by Encode with the same kind and filter; otherwise
  // InvalidArgument with problem code "invalid_cursor" and an error on parameter "cursor".
  Result<std::string> Decode(std::string_view kind, std::string_view filter,
                             std::string_view cursor) const;

 private:
  std::string Mac(std::string_view kind, std::string_view filter, std::string_view payload) const;
  std::string secret_;
};

}  // namespace strata::service
