// Mapping the claims of a verified external OIDC token onto a Strata identity
// (docs/security.md "External identity providers (OIDC)"):
//   ref        "oidc:<issuer name>:<subject claim>"
//   groups     the groups claim (a string or an array of strings), each with the issuer's
//              group prefix
//   attributes configured attribute name -> claim; strings as they are, numbers and booleans
//              as text, other types and absent claims left out
//   credential "oidc:<issuer name>:<jti, else subject>" (a jti that could not be a subject is
//              not used)
//   scopes     with map_scope: the "scope" (space-separated) or "scp" (string or array)
//              permissions, empty when the token has neither; otherwise nullopt
// A claim name starting with "/" is a JSON pointer (RFC 6901) into the claims, so nested
// claims such as Keycloak's "/realm_access/roles" can be used.
// Thread safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/json.h"
#include "common/result.h"

namespace strata::security {

inline constexpr size_t kMaxOidcSubjectBytes = 255;
inline constexpr size_t kMaxOidcGroups = 256;
inline constexpr size_t kMaxOidcGroupBytes = 255;

struct OidcIdentity {
  std::string ref;
  std::vector<std::string> groups;
  std::map<std::string, std::string> attributes;
  std::string credential;
  std::optional<std::vector<std::string>> scopes;
};

// The claim `name` names (a member, or a JSON pointer when it starts with "/"); null when
// absent.
const json::Value* FindClaim(const json::Value& claims, std::string_view name);

// REQUIRES: `claims` is the payload object of a token that `issuer`'s verifier accepted.
// Unauthenticated ("invalid_token") when the subject claim is absent, not a non-empty string
// of at most kMaxOidcSubjectBytes without control characters; or the groups claim is neither
// a string nor an array of strings, has more than kMaxOidcGroups items, or an item longer than
// kMaxOidcGroupBytes. (A malformed groups claim is refused rather than ignored: groups can
// also be what row policies restrict.)
Result<OidcIdentity> MapOidcClaims(const OidcIssuerConfig& issuer, const json::Value& claims);

}  // namespace strata::security
