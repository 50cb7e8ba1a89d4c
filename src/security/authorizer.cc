#include "security/authorizer.h"

#include <algorithm>

namespace strata::security {
namespace {

using P = Permission;

struct PermissionInfo {
  Permission permission;
  std::string_view name;
  bool dataset_level;
};

constexpr PermissionInfo kPermissions[] = {
    {P::kDatasetsCreate, "datasets:create", false},
    {P::kDatasetsRead, "datasets:read", true},
    {P::kDatasetsUpdate, "datasets:update", true},
    {P::kDatasetsDelete, "datasets:delete", true},
    {P::kDataWrite, "data:write", true},
    {P::kDataRead, "data:read", true},
    {P::kDataDelete, "data:delete", true},
    {P::kAccessRead, "access:read", true},
    {P::kAccessManage, "access:manage", true},
    {P::kAuditRead, "audit:read", false},
    {P::kUsersManage, "users:manage", false},
    {P::kWebhooksManage, "webhooks:manage", false},
    {P::kPiiRead, "pii:read", true},
    {P::kPiiDetokenize, "pii:detokenize", true},
    {P::kAdmin, "admin", false},
};

const PermissionInfo& InfoOf(Permission permission) {
  for (const PermissionInfo& info : kPermissions) {
    if (info.permission == permission) return info;
  }
  return kPermissions[std::size(kPermissions) - 1];
}

bool Contains(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

const std::vector<Permission>& AllPermissions() {
  static const std::vector<Permission> all = [] {
    std::vector<Permission> out;
    for (const PermissionInfo& info : kPermissions) out.push_back(info.permission);
    return out;
  }();
  return all;
}

std::string_view PermissionName(Permission permission) { return InfoOf(permission).name; }

std::optional<Permission> ParsePermission(std::string_view name) {
  for (const PermissionInfo& info : kPermissions) {
    if (info.name == name) return info.permission;
  }
  return std::nullopt;
}

bool IsDatasetPermission(Permission permission) { return InfoOf(permission).dataset_level; }

// Built-in roles (DESIGN.md "Security model"). admin holds every permission.
const std::map<std::string, std::vector<Permission>, std::less<>>& BuiltInRoles() {
  static const std::map<std::string, std::vector<Permission>, std::less<>> roles = {
      {"admin", AllPermissions()},
      {"owner",
       {P::kDatasetsRead, P::kDatasetsUpdate, P::kDatasetsDelete, P::kDataWrite, P::kDataRead,
        P::kDataDelete, P::kAccessRead, P::kAccessManage, P::kPiiRead, P::kPiiDetokenize}},
      {"editor",
       {P::kDatasetsRead, P::kDatasetsUpdate, P::kDataWrite, P::kDataRead, P::kDataDelete}},
      {"writer", {P::kDatasetsRead, P::kDataWrite}},
      {"reader", {P::kDatasetsRead, P::kDataRead}},
      {"auditor", {P::kDatasetsRead, P::kAuditRead}},
  };
  return roles;
}

bool IsBuiltInRole(std::string_view role) { return BuiltInRoles().count(role) != 0; }

void Authorizer::SetCustomRoles(RoleMap roles) {
  for (auto it = roles.begin(); it != roles.end();) {
    it = IsBuiltInRole(it->first) ? roles.erase(it) : std::next(it);
  }
  auto next = std::make_shared<const RoleMap>(std::move(roles));
  std::lock_guard lock(mu_);
  custom_ = std::move(next);
}

std::optional<std::vector<Permission>> Authorizer::PermissionsOf(std::string_view role) const {
  auto built_in = BuiltInRoles().find(role);
  if (built_in != BuiltInRoles().end()) return built_in->second;
  std::shared_ptr<const RoleMap> custom;
  {
    std::lock_guard lock(mu_);
    custom = custom_;
  }
  auto it = custom->find(role);
  if (it == custom->end()) return std::nullopt;
  return it->second;
}

bool Authorizer::RoleGrants(std::string_view role, Permission permission) const {
  auto holds = [permission](const std::vector<Permission>& permissions) {
    return std::find(permissions.begin(), permissions.end(), permission) != permissions.end();
  };
  auto built_in = BuiltInRoles().find(role);
  if (built_in != BuiltInRoles().end()) return holds(built_in->second);
  std::shared_ptr<const RoleMap> custom;
  {
    std::lock_guard lock(mu_);
    custom = custom_;
  }
  auto it = custom->find(role);
  return it != custom->end() && holds(it->second);
}

bool Authorizer::RolesGrant(const Principal& principal, Permission permission,
                            std::string_view dataset) const {
  for (const std::string& role : principal.roles) {
    if (RoleGrants(role, permission)) return true;
  }
  if (dataset.empty()) return false;
  auto it = principal.dataset_roles.find(dataset);
  if (it == principal.dataset_roles.end()) return false;
  for (const std::string& role : it->second) {
    if (RoleGrants(role, permission)) return true;
  }
  return false;
}

bool Authorizer::ScopeAllows(const Principal& principal, Permission permission,
                             std::string_view dataset) const {
  if (principal.scopes && !Contains(*principal.scopes, PermissionName(permission)) &&
      !Contains(*principal.scopes, "admin")) {
    return false;
  }
  if (principal.scope_datasets.empty()) return true;
  // A credential limited to datasets holds no global permission, and only its datasets.
  return !dataset.empty() && Contains(principal.scope_datasets, dataset);
}

Decision Authorizer::Explain(const Principal& principal, Permission permission,
                             std::string_view dataset) const {
  Decision decision;
  for (const std::string& role : principal.roles) {
    if (RoleGrants(role, permission)) decision.granted_by.emplace_back(role, "*");
  }
  if (!dataset.empty()) {
    auto it = principal.dataset_roles.find(dataset);
    if (it != principal.dataset_roles.end()) {
      for (const std::string& role : it->second) {
        if (RoleGrants(role, permission)) decision.granted_by.emplace_back(role, dataset);
      }
    }
  }
  if (decision.granted_by.empty()) {
    decision.denied_because = "no role held " +
                              std::string(dataset.empty() ? "on *" : "on " + std::string(dataset)) +
                              " grants " + std::string(PermissionName(permission));
    return decision;
  }
  if (!ScopeAllows(principal, permission, dataset)) {
    decision.denied_because = "the credential's scope does not include " +
                              std::string(PermissionName(permission)) +
                              (dataset.empty() ? "" : " on " + std::string(dataset));
    return decision;
  }
  decision.allowed = true;
  return decision;
}

bool Authorizer::CoversRoleEverywhere(const Principal& principal, std::string_view role) const {
  std::optional<std::vector<Permission>> needed = PermissionsOf(role);
  if (!needed) return false;
  for (Permission permission : *needed) {
    bool covered = false;
    for (const std::string& held : principal.roles)
      covered = covered || RoleGrants(held, permission);
    if (!covered) return false;
  }
  return true;
}

bool Authorizer::Has(const Principal& principal, Permission permission) const {
  return RolesGrant(principal, permission, "") && ScopeAllows(principal, permission, "");
}

bool Authorizer::HasOn(const Principal& principal, Permission permission,
                       std::string_view dataset) const {
  return RolesGrant(principal, permission, dataset) && ScopeAllows(principal, permission, dataset);
}

bool Authorizer::CanSee(const Principal& principal, std::string_view dataset) const {
  for (const PermissionInfo& info : kPermissions) {
    if (info.dataset_level && HasOn(principal, info.permission, dataset)) return true;
  }
  return false;
}

Status Authorizer::Require(const Principal& principal, Permission permission) const {
  if (Has(principal, permission)) return Status();
  return Status::PermissionDenied("missing permission " + std::string(PermissionName(permission)));
}

Status Authorizer::RequireOn(const Principal& principal, Permission permission,
                             std::string_view dataset) const {
  if (HasOn(principal, permission, dataset)) return Status();
  if (!CanSee(principal, dataset)) {
    return Status::NotFound("dataset '" + std::string(dataset) + "' does not exist");
  }
  return Status::PermissionDenied("missing permission " + std::string(PermissionName(permission)) +
                                  " on dataset '" + std::string(dataset) + "'");
}

}  // namespace strata::security
