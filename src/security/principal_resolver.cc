#include "security/principal_resolver.h"

#include <algorithm>

namespace strata::security {
namespace {

void AddUnique(std::vector<std::string>& values, const std::string& value) {
  if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
}

}  // namespace

std::vector<std::string> RolesOn(const Principal& principal, std::string_view dataset) {
  std::vector<std::string> roles = principal.roles;
  auto it = principal.dataset_roles.find(dataset);
  if (it != principal.dataset_roles.end()) {
    for (const std::string& role : it->second) AddUnique(roles, role);
  }
  return roles;
}

Principal ActingOn(std::string ref, std::string_view dataset, std::vector<std::string> roles) {
  Principal principal;
  principal.ref = std::move(ref);
  principal.dataset_roles[std::string(dataset)] = std::move(roles);
  return principal;
}

Result<Principal> PrincipalResolver::Resolve(std::string_view ref) {
  const size_t colon = ref.find(':');
  const std::string_view kind = ref.substr(0, colon);
  if (colon == std::string_view::npos || (kind != "user" && kind != "service")) {
    return Status::NotFound("no account '" + std::string(ref) + "'");
  }
  STRATA_ASSIGN_OR_RETURN(meta::UserRecord user, store_.identity().GetUser(ref.substr(colon + 1)));
  if (user.kind != kind) return Status::NotFound("no account '" + std::string(ref) + "'");
  if (user.disabled)
    return Status::PermissionDenied("account '" + std::string(ref) + "' is disabled");
  Principal principal;
  principal.ref = std::string(ref);
  principal.groups = std::move(user.groups);
  principal.attributes = std::move(user.attributes);
  STRATA_RETURN_IF_ERROR(AddGrants(principal));
  return principal;
}

Result<Principal> PrincipalResolver::ResolveLegacyKey(const meta::ApiKeyRecord& key) {
  Principal principal;
  principal.ref = key.principal;
  principal.roles = key.roles;
  STRATA_RETURN_IF_ERROR(AddGrants(principal));
  return principal;
}

Result<Principal> PrincipalResolver::ResolveExternal(
    std::string ref, std::vector<std::string> groups,
    std::map<std::string, std::string> attributes) {
  Principal principal;
  principal.ref = std::move(ref);
  principal.groups = std::move(groups);
  principal.attributes = std::move(attributes);
  STRATA_RETURN_IF_ERROR(AddGrants(principal));
  return principal;
}

Status PrincipalResolver::AddGrants(Principal& principal) {
  meta::GrantFilter filter;
  filter.subjects.push_back(principal.ref);
  for (const std::string& group : principal.groups) filter.subjects.push_back("group:" + group);
  STRATA_ASSIGN_OR_RETURN(std::vector<meta::GrantRecord> grants,
                          store_.identity().ListGrants(filter));
  for (const meta::GrantRecord& grant : grants) {
    if (grant.resource == "*") {
      AddUnique(principal.roles, grant.role);
    } else {
      AddUnique(principal.dataset_roles[grant.resource], grant.role);
    }
  }
  return Status();
}

}  // namespace strata::security
