// IdentityService: management of users, service accounts, custom roles and grants
// (DESIGN.md "Security model"). Every method checks the caller's permissions first:
//   users and service accounts: users:manage (a user may read itself and change its own
//     display name and password, given the current one);
//   roles: any authenticated caller reads them; creating and deleting needs users:manage;
//   grants: on "*" need users:manage, on a dataset access:manage there (access:read to
//     list). Nobody grants what it does not hold: the caller must hold every permission of
//     the role on the resource, so users:manage alone cannot mint an admin.
// Changes call Authorizer::NoteIdentityChanged so cached principals are resolved again.
// Thread safety: thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/json_writer.h"
#include "common/result.h"
#include "meta/meta_store.h"
#include "security/authorizer.h"
#include "security/password_hash.h"
#include "security/policy.h"
#include "security/principal.h"
#include "security/principal_resolver.h"
#include "service/cursor.h"
#include "service/dataset_service.h"

namespace strata::service {

// What a request sets on a user or service account; absent members stay as they are.
struct AccountSpec {
  std::optional<std::string> name;
  std::optional<std::string> display_name;
  std::optional<std::string> password;          // Users only.
  std::optional<std::string> current_password;  // Required when users change their own.
  std::optional<std::vector<std::string>> groups;
  std::optional<std::map<std::string, std::string>> attributes;
  std::optional<bool> disabled;
};

// Decodes a create (name required) or update (name refused) body.
Result<AccountSpec> DecodeAccountSpec(const json::Value& body, bool create, bool service);

struct CreatedServiceAccount {
  meta::UserRecord account;
  std::string client_secret;  // Shown once.
};

struct RoleView {
  std::string name;
  std::string description;
  std::vector<std::string> permissions;
  bool built_in = false;
};

// The row and field policies of a dataset that apply to one principal (service/
// access_service.h fills it in), as the dataset's current schema names their fields.
struct AppliedPolicies {
  std::vector<security::RowPolicy> row;
  std::vector<security::FieldPolicy> field;
  std::vector<std::string> pii_masked;  // Fields tagged pii, masked for lack of pii:read.
};

struct AuthzExplanation {
  security::Principal principal;
  std::string action;
  std::string resource;
  bool visible = true;  // For a dataset: whether the principal sees it at all.
  security::Decision decision;
  // For a data:* action on a dataset the principal sees: the policies that apply there.
  std::optional<AppliedPolicies> policies;
};

class IdentityService {
 public:
  // The arguments must outlive the service.
  IdentityService(meta::MetaStore& store, security::Authorizer& authorizer,
                  security::PrincipalResolver& resolver, CursorCodec cursors,
                  security::PasswordParams password_params);

  // Loads the custom roles into the Authorizer (at start).
  Status LoadRoles();

  Result<meta::UserRecord> CreateUser(const security::Principal& caller, AccountSpec spec);
  Result<Page<meta::UserRecord>> ListAccounts(const security::Principal& caller,
                                              std::string_view kind, const PageRequest& page);
  Result<meta::UserRecord> GetAccount(const security::Principal& caller, std::string_view kind,
                                      std::string_view name);
  Result<meta::UserRecord> UpdateAccount(const security::Principal& caller, std::string_view kind,
                                         std::string_view name, AccountSpec spec);
  // Deletes the account, its grants, and revokes its API keys and refresh tokens.
  Status DeleteAccount(const security::Principal& caller, std::string_view kind,
                       std::string_view name);
  Result<CreatedServiceAccount> CreateServiceAccount(const security::Principal& caller,
                                                     AccountSpec spec);
  // A new client secret replaces the old one at once.
  Result<CreatedServiceAccount> RotateClientSecret(const security::Principal& caller,
                                                   std::string_view name);

  Result<std::vector<RoleView>> ListRoles(const security::Principal& caller);
  Result<RoleView> CreateRole(const security::Principal& caller, const json::Value& body);
  Status DeleteRole(const security::Principal& caller, std::string_view name);

  // `resource`: "" lists every grant (users:manage), else the grants on it.
  Result<std::vector<meta::GrantRecord>> ListGrants(const security::Principal& caller,
                                                    std::string_view subject,
                                                    std::string_view resource);
  // Body {subject, role, resource}; `dataset` (dataset-scoped route) fixes the resource.
  Result<meta::GrantRecord> CreateGrant(const security::Principal& caller, const json::Value& body,
                                        std::optional<std::string> dataset);
  // `dataset`: when set, the grant must be on it (dataset-scoped route).
  Status DeleteGrant(const security::Principal& caller, std::string_view id,
                     std::optional<std::string> dataset);

  // POST /v1/authz/explain, body {principal?, action, resource?}: the decision for
  // `principal` (default: the caller; another principal needs users:manage) doing `action`
  // (a permission name) on `resource` ("*" or a dataset id; default "*"). The policies are
  // AccessService::Explain's.
  Result<AuthzExplanation> Explain(const security::Principal& caller, const json::Value& body);

  // The no-escalation rule of every grant change: users:manage (resource "*") or
  // access:manage on the dataset, and every permission of `role` held on `resource`.
  // ValidationFailed for an unknown role; PermissionDenied naming what is missing.
  Status RequireGrantAuthority(const security::Principal& caller, std::string_view role,
                               std::string_view resource) const;
  // ValidationFailed unless `subject` names an existing account, a group or an OIDC identity.
  Status CheckSubjectExists(std::string_view subject);

 private:
  meta::MetaStore& store_;
  security::Authorizer& authorizer_;
  security::PrincipalResolver& resolver_;
  CursorCodec cursors_;
  security::PasswordParams password_params_;
};

void WriteAccountJson(JsonWriter& writer, const meta::UserRecord& account);
void WriteRoleJson(JsonWriter& writer, const RoleView& role);
void WriteGrantJson(JsonWriter& writer, const meta::GrantRecord& grant);
void WriteExplanationJson(JsonWriter& writer, const AuthzExplanation& explanation);

}  // namespace strata::service
