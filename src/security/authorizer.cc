#include "security/authorizer.h"

#include <initializer_list>
#include <string>

namespace strata::security {
namespace {

using P = Permission;

struct RoleDefinition {
  std::string_view name;
  std::initializer_list<Permission> permissions;
};

// Built-in roles (DESIGN.md "Security model"). admin holds every permission.
const RoleDefinition kRoles[] = {
    {"owner",
     {P::kDatasetsRead, P::kDatasetsUpdate, P::kDatasetsDelete, P::kDataWrite, P::kDataRead,
      P::kDataDelete, P::kAccessRead, P::kAccessManage, P::kPiiRead}},
    {"editor", {P::kDatasetsRead, P::kDatasetsUpdate, P::kDataWrite, P::kDataRead, P::kDataDelete}},
    {"writer", {P::kDatasetsRead, P::kDataWrite}},
    {"reader", {P::kDatasetsRead, P::kDataRead}},
    {"auditor", {P::kDatasetsRead, P::kAuditRead}},
};

}  // namespace

std::string_view PermissionName(Permission permission) {
  switch (permission) {
    case P::kDatasetsCreate: return "datasets:create";
    case P::kDatasetsRead: return "datasets:read";
    case P::kDatasetsUpdate: return "datasets:update";
    case P::kDatasetsDelete: return "datasets:delete";
    case P::kDataWrite: return "data:write";
    case P::kDataRead: return "data:read";
    case P::kDataDelete: return "data:delete";
    case P::kAccessRead: return "access:read";
    case P::kAccessManage: return "access:manage";
    case P::kAuditRead: return "audit:read";
    case P::kUsersManage: return "users:manage";
    case P::kWebhooksManage: return "webhooks:manage";
    case P::kPiiRead: return "pii:read";
    case P::kAdmin: return "admin";
  }
  return "admin";
}

bool IsBuiltInRole(std::string_view role) {
  if (role == "admin") return true;
  for (const RoleDefinition& definition : kRoles) {
    if (definition.name == role) return true;
  }
  return false;
}

bool Authorizer::Has(const Principal& principal, Permission permission) const {
  for (const std::string& role : principal.roles) {
    if (role == "admin") return true;
    for (const RoleDefinition& definition : kRoles) {
      if (definition.name != role) continue;
      for (Permission held : definition.permissions) {
        if (held == permission) return true;
      }
    }
  }
  return false;
}

Status Authorizer::Require(const Principal& principal, Permission permission) const {
  if (Has(principal, permission)) return Status();
  return Status::PermissionDenied("missing permission " + std::string(PermissionName(permission)));
}

}  // namespace strata::security
