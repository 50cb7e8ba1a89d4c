// OAuth scopes of Strata's tokens (RFC 6749 §3.3): space-separated permission names
// ("datasets:read data:read"). A token's scope narrows its subject to those permissions
// (Principal::scopes); "admin" in a scope admits everything the subject holds.
// Thread safety: stateless functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "security/authorizer.h"
#include "security/principal.h"

namespace strata::service {

// The names of a scope parameter, without duplicates, in the order given; "" gives none.
// InvalidArgument with problem code "invalid_scope" for a name that is not a permission.
Result<std::vector<std::string>> ParseScope(std::string_view text);

// Names joined by single spaces.
std::string JoinScope(const std::vector<std::string>& names);

// Every permission name `principal` holds on every dataset or on some dataset (all of them
// when it holds admin), ignoring any credential scope it carries.
std::vector<std::string> HeldPermissions(const security::Principal& principal,
                                         const security::Authorizer& authorizer);

// The scope a token gets: nullopt (no scope claim: everything the subject holds) when
// `requested` is nullopt and there is no `ceiling`; `ceiling` when only `requested` is
// missing; else `requested`, which must be a subset of `ceiling` (when set) and of `held`.
// InvalidArgument with problem code "invalid_scope" naming the first name not allowed.
Result<std::optional<std::vector<std::string>>> GrantScope(
    const std::optional<std::vector<std::string>>& requested,
    const std::optional<std::vector<std::string>>& ceiling, const std::vector<std::string>& held);

}  // namespace strata::service
