// Authorizer: decides whether a principal holds a permission, default deny.
// Today permissions come from the principal's global roles; grants per dataset, groups and
// row/field policies extend this same check (DESIGN.md "Security model").
// Thread safety: immutable after construction; thread-safe.
#pragma once

#include <string_view>

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
  kAdmin,
};

// "datasets:create", ...
std::string_view PermissionName(Permission permission);

// True for the built-in role names: admin, owner, editor, writer, reader, auditor.
bool IsBuiltInRole(std::string_view role);

class Authorizer {
 public:
  bool Has(const Principal& principal, Permission permission) const;
  // PermissionDenied naming the missing permission, or OK.
  Status Require(const Principal& principal, Permission permission) const;
};

}  // namespace strata::security
