// The permission table: for every route, what a caller must hold (docs/security.md
// "Permission table"). The services enforce it; this table states it in one place, so that
// a test can prove every route is listed and the role × route e2e matrix can check that
// each route answers as the table says.
// Thread safety: immutable data.
#pragma once

#include <string_view>
#include <vector>

#include "server/api/api_types.h"

namespace strata::server {

enum class AccessScope {
  kPublic,         // No credentials.
  kAuthenticated,  // Any caller; what it sees is filtered to itself (its keys, its MFA, ...).
  kGlobal,         // `permission` on "*".
  kDataset,        // `permission` on the dataset of the path ({id}); 404 if it is invisible.
  kSelfOr,         // The caller itself (e.g. /v1/users/{name} naming the caller), or
                   // `permission` on "*".
};

struct RoutePermission {
  Method method;
  std::string_view pattern;
  AccessScope scope;
  std::string_view permission;  // A permission name; "" for kPublic and kAuthenticated.
};

const std::vector<RoutePermission>& RoutePermissions();

std::string_view AccessScopeName(AccessScope scope);

}  // namespace strata::server
