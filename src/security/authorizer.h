// Authorizer: decides whether a principal holds a permission, default deny.
//
// A principal holds the permissions of the roles it holds on every dataset
// (Principal::roles: grants on "*") and, on one dataset, also those of the roles granted on
// that dataset (Principal::dataset_roles). A credential may narrow this further
// (Principal::scopes, Principal::scope_datasets): what an API key or token may do is the
// intersection of its scope and its owner's permissions.
//
// Object level: a dataset is *visible* to a principal when it holds at least one
// dataset-level permission on it. Services answer NotFound — the same answer as for a
// dataset that does not exist — for an invisible dataset on every path (RequireOn), and
// leave it out of every list.
//
// Thread safety: thread-safe; custom roles are replaced atomically.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "security/principal.h"

namespace strata::security {

enum class Permission {
  kDatasetsCreate,
  kDatasetsRead,
  kDatasetsUpdate,
  kDatasetsDelete,
  kDataWrite,
  kDataRead,
  kDataDelete,
  kAccessRead,
  kAccessManage,
  kAuditRead,
  kUsersManage,
  kWebhooksManage,
  kPiiRead,
  kPiiDetokenize,  // Reverse tokens of a tokenize field policy (POST .../detokenize).
  kAdmin,
};

// Every permission, in declaration order.
const std::vector<Permission>& AllPermissions();
// "datasets:create", ...
std::string_view PermissionName(Permission permission);
std::optional<Permission> ParsePermission(std::string_view name);
// True for permissions that can be held on one dataset (datasets:read|update|delete,
// data:*, access:*, pii:*); the others only mean something on "*".
bool IsDatasetPermission(Permission permission);

// True for the built-in role names: admin, owner, editor, writer, reader, auditor.
bool IsBuiltInRole(std::string_view role);
// The built-in roles and their permissions (admin: every permission).
const std::map<std::string, std::vector<Permission>, std::less<>>& BuiltInRoles();

// Why a principal holds a permission: the role and where that role is held ("*" or the
// dataset id), or the scope that withheld it.
struct Decision {
  bool allowed = false;
  std::vector<std::pair<std::string, std::string>> granted_by;  // (role, resource)
  std::string denied_because;                                   // "" when allowed.
};

class Authorizer {
 public:
  using RoleMap = std::map<std::string, std::vector<Permission>, std::less<>>;

  // Replaces the custom roles (built-in names cannot be redefined and are ignored).
  void SetCustomRoles(RoleMap roles);
  // The permissions of `role` (built-in or custom); nullopt for an unknown role.
  std::optional<std::vector<Permission>> PermissionsOf(std::string_view role) const;

  // Holds `permission` on every dataset (grants on "*"). For global permissions
  // (datasets:create, users:manage, audit:read, ...).
  bool Has(const Principal& principal, Permission permission) const;
  // Holds `permission` on `dataset`.
  bool HasOn(const Principal& principal, Permission permission, std::string_view dataset) const;
  bool CanSee(const Principal& principal, std::string_view dataset) const;

  // PermissionDenied naming the missing permission, or OK.
  Status Require(const Principal& principal, Permission permission) const;
  // NotFound ("dataset '<id>' does not exist") when `dataset` is invisible to the principal,
  // PermissionDenied naming the permission when it is visible but the permission is missing.
  Status RequireOn(const Principal& principal, Permission permission,
                   std::string_view dataset) const;

  // True when the roles the principal holds on every dataset grant every permission of
  // `role` (credential scopes aside).
  bool CoversRoleEverywhere(const Principal& principal, std::string_view role) const;

  // Principals embed their grants and roles (the Authenticator caches them). Whoever
  // changes users, groups, roles, grants or keys calls NoteIdentityChanged(); cached
  // principals older than the new generation are resolved again.
  void NoteIdentityChanged() const { generation_.fetch_add(1, std::memory_order_acq_rel); }
  uint64_t identity_generation() const { return generation_.load(std::memory_order_acquire); }

  // The decision of HasOn (dataset "" = Has) with the grants that produced it.
  Decision Explain(const Principal& principal, Permission permission,
                   std::string_view dataset) const;

 private:
  bool RoleGrants(std::string_view role, Permission permission) const;
  // Some role held on every dataset, or on `dataset` (when not empty), grants `permission`.
  // Has and HasOn use it on every request: it allocates nothing.
  bool RolesGrant(const Principal& principal, Permission permission,
                  std::string_view dataset) const;
  bool ScopeAllows(const Principal& principal, Permission permission,
                   std::string_view dataset) const;

  mutable std::atomic<uint64_t> generation_{0};
  mutable std::mutex mu_;  // Guards custom_.
  std::shared_ptr<const RoleMap> custom_ = std::make_shared<RoleMap>();
};

}  // namespace strata::security
