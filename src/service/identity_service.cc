#include "service/identity_service.h"

#include "common/ids.h"
#include "common/time_util.h"
#include "security/crypto.h"
#include "service/body_reader.h"

namespace strata::service {
namespace {

using security::Permission;

constexpr size_t kMinPasswordChars = 12;
constexpr size_t kMaxGroups = 64;
constexpr size_t kMaxAttributes = 64;
constexpr std::string_view kClientSecretPrefix = "strata_cs_";

std::string CheckPassword(const std::string& password) {
  if (password.size() < kMinPasswordChars) {
    return "passwords have at least " + std::to_string(kMinPasswordChars) + " characters";
  }
  if (password.size() > security::kMaxPasswordBytes) return "longer than 1024 bytes";
  return "";
}

std::string CheckDisplayName(const std::string& value) {
  return value.size() <= 256 ? "" : "longer than 256 bytes";
}

std::string RefOf(const meta::UserRecord& account) { return account.kind + ":" + account.name; }

bool IsSelf(const security::Principal& caller, std::string_view kind, std::string_view name) {
  return caller.ref == std::string(kind) + ":" + std::string(name);
}

Status NoSuchAccount(std::string_view kind, std::string_view name) {
  return Status::NotFound((kind == "service" ? "service account '" : "user '") + std::string(name) +
                          "' does not exist");
}

}  // namespace

Result<AccountSpec> DecodeAccountSpec(const json::Value& body, bool create, bool service) {
  BodyReader reader(
      body, service ? std::initializer_list<std::string_view>{"name", "display_name", "groups",
                                                              "attributes", "disabled"}
                    : std::initializer_list<std::string_view>{"name", "display_name", "password",
                                                              "current_password", "groups",
                                                              "attributes", "disabled"});
  AccountSpec spec;
  if (create) {
    spec.name = reader.String("name", /*required=*/true, CheckName);
  } else if (reader.Has("name")) {
    reader.Fail("/name", "names cannot change; create a new account");
  }
  spec.display_name = reader.String("display_name", false, CheckDisplayName);
  if (!service) {
    spec.password = reader.String("password", false, CheckPassword);
    spec.current_password = reader.String("current_password", false);
  }
  spec.groups = reader.Strings("groups", kMaxGroups, CheckName);
  spec.attributes = reader.StringMap("attributes", kMaxAttributes);
  spec.disabled = reader.Bool("disabled");
  STRATA_RETURN_IF_ERROR(reader.Finish());
  return spec;
}

IdentityService::IdentityService(meta::MetaStore& store, security::Authorizer& authorizer,
                                 security::PrincipalResolver& resolver, CursorCodec cursors,
                                 security::PasswordParams password_params)
    : store_(store),
      authorizer_(authorizer),
      resolver_(resolver),
      cursors_(std::move(cursors)),
      password_params_(password_params) {}

Status IdentityService::LoadRoles() {
  STRATA_ASSIGN_OR_RETURN(std::vector<meta::RoleRecord> roles, store_.identity().ListRoles());
  security::Authorizer::RoleMap map;
  for (const meta::RoleRecord& role : roles) {
    std::vector<Permission>& permissions = map[role.name];
    for (const std::string& name : role.permissions) {
      if (std::optional<Permission> permission = security::ParsePermission(name)) {
        permissions.push_back(*permission);
      }
    }
  }
  authorizer_.SetCustomRoles(std::move(map));
  authorizer_.NoteIdentityChanged();
  return Status();
}

Result<meta::UserRecord> IdentityService::CreateUser(const security::Principal& caller,
                                                     AccountSpec spec) {
  STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kUsersManage));
  meta::UserRecord user;
  user.name = spec.name.value_or("");
  user.kind = "user";
  user.display_name = spec.display_name.value_or("");
  user.groups = spec.groups.value_or(std::vector<std::string>());
  user.attributes = spec.attributes.value_or(std::map<std::string, std::string>());
  user.disabled = spec.disabled.value_or(false);
  if (spec.password) {
    STRATA_ASSIGN_OR_RETURN(user.password_hash,
                            security::HashPassword(*spec.password, password_params_));
  }
  user.created_at = user.updated_at = NowMicros();
  STRATA_RETURN_IF_ERROR(store_.identity().CreateUser(user));
  return user;
}

Result<CreatedServiceAccount> IdentityService::CreateServiceAccount(
    const security::Principal& caller, AccountSpec spec) {
  STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kUsersManage));
  CreatedServiceAccount created;
  meta::UserRecord& account = created.account;
  account.name = spec.name.value_or("");
  account.kind = "service";
  account.display_name = spec.display_name.value_or("");
  account.groups = spec.groups.value_or(std::vector<std::string>());
  account.attributes = spec.attributes.value_or(std::map<std::string, std::string>());
  account.disabled = spec.disabled.value_or(false);
  created.client_secret = std::string(kClientSecretPrefix) + security::RandomBase62(43);
  STRATA_ASSIGN_OR_RETURN(account.password_hash,
                          security::HashPassword(created.client_secret, password_params_));
  account.created_at = account.updated_at = NowMicros();
  STRATA_RETURN_IF_ERROR(store_.identity().CreateUser(account));
  return created;
}

Result<CreatedServiceAccount> IdentityService::RotateClientSecret(const security::Principal& caller,
                                                                  std::string_view name) {
  STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kUsersManage));
  CreatedServiceAccount rotated;
  STRATA_ASSIGN_OR_RETURN(rotated.account, GetAccount(caller, "service", name));
  rotated.client_secret = std::string(kClientSecretPrefix) + security::RandomBase62(43);
  STRATA_ASSIGN_OR_RETURN(rotated.account.password_hash,
                          security::HashPassword(rotated.client_secret, password_params_));
  const uint64_t expected = rotated.account.revision;
  rotated.account.revision = expected + 1;
  rotated.account.updated_at = NowMicros();
  STRATA_RETURN_IF_ERROR(store_.identity().UpdateUser(rotated.account, expected));
  return rotated;
}

Result<Page<meta::UserRecord>> IdentityService::ListAccounts(const security::Principal& caller,
                                                             std::string_view kind,
                                                             const PageRequest& request) {
  STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kUsersManage));
  std::string after;
  if (!request.cursor.empty()) {
    STRATA_ASSIGN_OR_RETURN(after, cursors_.Decode("accounts", kind, request.cursor));
  }
  STRATA_ASSIGN_OR_RETURN(std::vector<meta::UserRecord> items,
                          store_.identity().ListUsers(kind, after, request.limit + 1));
  Page<meta::UserRecord> page;
  if (items.size() > request.limit) {
    items.resize(request.limit);
    page.next_cursor = cursors_.Encode("accounts", kind, items.back().name);
  }
  page.items = std::move(items);
  return page;
}

Result<meta::UserRecord> IdentityService::GetAccount(const security::Principal& caller,
                                                     std::string_view kind, std::string_view name) {
  if (!IsSelf(caller, kind, name)) {
    STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kUsersManage));
  }
  Result<meta::UserRecord> account = store_.identity().GetUser(name);
  if (!account.ok() || account->kind != kind) {
    if (!account.ok() && account.status().code() != StatusCode::kNotFound) return account.status();
    return NoSuchAccount(kind, name);
  }
  return account;
}

Result<meta::UserRecord> IdentityService::UpdateAccount(const security::Principal& caller,
                                                        std::string_view kind,
                                                        std::string_view name, AccountSpec spec) {
  const bool manager = authorizer_.Has(caller, Permission::kUsersManage);
  if (!manager) {
    // Users may change their own display name and password, nothing that grants access.
    if (!IsSelf(caller, kind, name)) {
      return Status::PermissionDenied("missing permission users:manage");
    }
    if (spec.groups || spec.attributes || spec.disabled) {
      return Status::PermissionDenied(
          "changing groups, attributes or disabled needs permission users:manage");
    }
  }
  for (int attempt = 0;; ++attempt) {
    STRATA_ASSIGN_OR_RETURN(meta::UserRecord account, GetAccount(caller, kind, name));
    if (spec.password) {
      if (!manager || IsSelf(caller, kind, name)) {
        if (!spec.current_password ||
            !security::VerifyPassword(*spec.current_password, account.password_hash)) {
          return Status::PermissionDenied(
                     "changing your own password needs current_password, and it did not match")
              .WithProblemCode("current_password_mismatch");
        }
      }
      STRATA_ASSIGN_OR_RETURN(account.password_hash,
                              security::HashPassword(*spec.password, password_params_));
    }
    if (spec.display_name) account.display_name = *spec.display_name;
    if (spec.groups) account.groups = *spec.groups;
    if (spec.attributes) account.attributes = *spec.attributes;
    if (spec.disabled) account.disabled = *spec.disabled;
    const uint64_t expected = account.revision;
    account.revision = expected + 1;
    account.updated_at = NowMicros();
    Status updated = store_.identity().UpdateUser(account, expected);
    if (updated.code() == StatusCode::kConflict && attempt < 3) continue;
    STRATA_RETURN_IF_ERROR(updated);
    if (spec.password || (spec.disabled && *spec.disabled)) {
      // A new password or a disabled account ends every session of it.
      STRATA_RETURN_IF_ERROR(store_.identity().RevokeTokensOf(RefOf(account), NowMicros()));
    }
    authorizer_.NoteIdentityChanged();
    return account;
  }
}

Status IdentityService::DeleteAccount(const security::Principal& caller, std::string_view kind,
                                      std::string_view name) {
  STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kUsersManage));
  STRATA_ASSIGN_OR_RETURN(meta::UserRecord account, GetAccount(caller, kind, name));
  if (IsSelf(caller, kind, name)) {
    return Status::Conflict("you cannot delete the account you are signed in with");
  }
  const int64_t now = NowMicros();
  STRATA_ASSIGN_OR_RETURN(std::vector<meta::ApiKeyRecord> keys, store_.ListApiKeys(RefOf(account)));
  for (const meta::ApiKeyRecord& key : keys) {
    STRATA_RETURN_IF_ERROR(store_.RevokeApiKey(key.id, now));
  }
  STRATA_RETURN_IF_ERROR(store_.identity().RevokeTokensOf(RefOf(account), now));
  STRATA_RETURN_IF_ERROR(store_.identity().DeleteUser(name));
  authorizer_.NoteIdentityChanged();
  return Status();
}

Result<std::vector<RoleView>> IdentityService::ListRoles(const security::Principal& caller) {
  (void)caller;  // Role definitions are not secret: any authenticated caller reads them.
  std::vector<RoleView> roles;
  for (const auto& [name, permissions] : security::BuiltInRoles()) {
    RoleView view{name, "built-in", {}, true};
    for (Permission permission : permissions) {
      view.permissions.emplace_back(security::PermissionName(permission));
    }
    roles.push_back(std::move(view));
  }
  STRATA_ASSIGN_OR_RETURN(std::vector<meta::RoleRecord> custom, store_.identity().ListRoles());
  for (meta::RoleRecord& role : custom) {
    roles.push_back(RoleView{role.name, role.description, role.permissions, false});
  }
  return roles;
}

Result<RoleView> IdentityService::CreateRole(const security::Principal& caller,
                                             const json::Value& body) {
  STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kUsersManage));
  BodyReader reader(body, {"name", "description", "permissions"});
  std::optional<std::string> name = reader.String("name", true, [](const std::string& value) {
    if (security::IsBuiltInRole(value)) return std::string("a built-in role has this name");
    return CheckName(value);
  });
  std::optional<std::string> description = reader.String("description", false, CheckDisplayName);
  std::optional<std::vector<std::string>> permissions =
      reader.Strings("permissions", 32, [](const std::string& value) {
        return security::ParsePermission(value) ? std::string()
                                                : "unknown permission '" + value + "'";
      });
  if (!reader.Has("permissions")) reader.Fail("/permissions", "required");
  STRATA_RETURN_IF_ERROR(reader.Finish());
  // A role may hold only permissions its creator holds everywhere (no escalation).
  for (const std::string& permission : *permissions) {
    if (!authorizer_.Has(caller, *security::ParsePermission(permission))) {
      return Status::PermissionDenied("you cannot create a role with " + permission +
                                      ", which you do not hold");
    }
  }
  meta::RoleRecord role{*name, description.value_or(""), *permissions, NowMicros()};
  STRATA_RETURN_IF_ERROR(store_.identity().CreateRole(role));
  STRATA_RETURN_IF_ERROR(LoadRoles());
  return RoleView{role.name, role.description, role.permissions, false};
}

Status IdentityService::DeleteRole(const security::Principal& caller, std::string_view name) {
  STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kUsersManage));
  if (security::IsBuiltInRole(name)) {
    return Status::Conflict("built-in role '" + std::string(name) + "' cannot be deleted");
  }
  STRATA_RETURN_IF_ERROR(store_.identity().DeleteRole(name));
  return LoadRoles();
}

Status IdentityService::RequireGrantAuthority(const security::Principal& caller,
                                              std::string_view role,
                                              std::string_view resource) const {
  if (resource == "*") {
    STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kUsersManage));
  } else {
    STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, Permission::kAccessManage, resource));
  }
  std::optional<std::vector<Permission>> permissions = authorizer_.PermissionsOf(role);
  if (!permissions) return Status::ValidationFailed("unknown role '" + std::string(role) + "'");
  for (Permission permission : *permissions) {
    const bool held = resource == "*" ? authorizer_.Has(caller, permission)
                                      : authorizer_.HasOn(caller, permission, resource);
    if (!held) {
      return Status::PermissionDenied("you cannot grant role '" + std::string(role) +
                                      "': it includes " +
                                      std::string(security::PermissionName(permission)) +
                                      ", which you do not hold on " + std::string(resource));
    }
  }
  return Status();
}

Status IdentityService::CheckSubjectExists(std::string_view subject) {
  const size_t colon = subject.find(':');
  const std::string_view kind = subject.substr(0, colon);
  const std::string_view name = colon == std::string_view::npos ? "" : subject.substr(colon + 1);
  if (kind == "group" || kind == "oidc") return Status();  // Exist by being referred to.
  if (kind == "user" || kind == "service") {
    Result<meta::UserRecord> account = store_.identity().GetUser(name);
    if (account.ok() && account->kind == kind) return Status();
    return Status::ValidationFailed("subject '" + std::string(subject) + "' does not exist");
  }
  return Status::ValidationFailed("subject '" + std::string(subject) +
                                  "': expected user:<name>, service:<name>, group:<name> or "
                                  "oidc:<issuer>:<subject>");
}

Result<std::vector<meta::GrantRecord>> IdentityService::ListGrants(
    const security::Principal& caller, std::string_view subject, std::string_view resource) {
  if (resource.empty() || resource == "*") {
    STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kUsersManage));
  } else {
    STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, Permission::kAccessRead, resource));
  }
  meta::GrantFilter filter;
  if (!subject.empty()) filter.subjects.emplace_back(subject);
  filter.resource = std::string(resource);
  return store_.identity().ListGrants(filter);
}

Result<meta::GrantRecord> IdentityService::CreateGrant(const security::Principal& caller,
                                                       const json::Value& body,
                                                       std::optional<std::string> dataset) {
  BodyReader reader(
      body, dataset ? std::initializer_list<std::string_view>{"subject", "role"}
                    : std::initializer_list<std::string_view>{"subject", "role", "resource"});
  std::optional<std::string> subject = reader.String("subject", true);
  std::optional<std::string> role = reader.String("role", true);
  std::optional<std::string> resource =
      dataset ? dataset : reader.String("resource", true, [](const std::string& value) {
        return value == "*" || IsValidDatasetId(value) ? "" : "expected \"*\" or a dataset id";
      });
  STRATA_RETURN_IF_ERROR(reader.Finish());
  STRATA_RETURN_IF_ERROR(RequireGrantAuthority(caller, *role, *resource));
  if (*resource != "*") STRATA_RETURN_IF_ERROR(store_.GetDataset(*resource).status());
  STRATA_RETURN_IF_ERROR(CheckSubjectExists(*subject));
  meta::GrantRecord grant{NewUlid(), *subject, *role, *resource, caller.ref, NowMicros()};
  STRATA_RETURN_IF_ERROR(store_.identity().CreateGrant(grant));
  authorizer_.NoteIdentityChanged();
  return grant;
}

Status IdentityService::DeleteGrant(const security::Principal& caller, std::string_view id,
                                    std::optional<std::string> dataset) {
  STRATA_ASSIGN_OR_RETURN(std::optional<meta::GrantRecord> grant, store_.identity().FindGrant(id));
  // On a dataset-scoped route, a grant on another resource does not exist; nor, anywhere, does
  // a grant on a dataset the caller cannot see (its answer must not reveal the dataset).
  if (grant && dataset && grant->resource != *dataset) grant.reset();
  if (grant && grant->resource != "*" && !authorizer_.CanSee(caller, grant->resource)) {
    grant.reset();
  }
  if (dataset) {
    STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, Permission::kAccessManage, *dataset));
  } else if (!grant || grant->resource == "*") {
    STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kUsersManage));
  } else {
    STRATA_RETURN_IF_ERROR(
        authorizer_.RequireOn(caller, Permission::kAccessManage, grant->resource));
  }
  if (!grant) return Status::NotFound("grant '" + std::string(id) + "' does not exist");
  STRATA_RETURN_IF_ERROR(RequireGrantAuthority(caller, grant->role, grant->resource));
  STRATA_RETURN_IF_ERROR(store_.identity().DeleteGrant(id).status());
  authorizer_.NoteIdentityChanged();
  return Status();
}

Result<AuthzExplanation> IdentityService::Explain(const security::Principal& caller,
                                                  const json::Value& body) {
  BodyReader reader(body, {"principal", "action", "resource"});
  std::optional<std::string> subject = reader.String("principal", false);
  std::optional<std::string> action = reader.String("action", true, [](const std::string& value) {
    return security::ParsePermission(value) ? std::string() : "unknown permission '" + value + "'";
  });
  std::optional<std::string> resource = reader.String("resource", false, [](const std::string& v) {
    return v == "*" || IsValidDatasetId(v) ? "" : "expected \"*\" or a dataset id";
  });
  STRATA_RETURN_IF_ERROR(reader.Finish());
  AuthzExplanation explanation;
  if (!subject || *subject == caller.ref) {
    explanation.principal = caller;
  } else {
    STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kUsersManage));
    Result<security::Principal> resolved = resolver_.Resolve(*subject);
    if (!resolved.ok() && resolved.status().code() == StatusCode::kNotFound) {
      return Status::ValidationFailed("principal '" + *subject + "' does not exist");
    }
    STRATA_ASSIGN_OR_RETURN(explanation.principal, std::move(resolved));
  }
  explanation.action = *action;
  explanation.resource = resource.value_or("*");
  const Permission permission = *security::ParsePermission(*action);
  const std::string_view dataset =
      explanation.resource == "*" ? std::string_view() : std::string_view(explanation.resource);
  if (!dataset.empty()) {
    // The caller learns about a dataset only if it could see it itself.
    if (!authorizer_.CanSee(caller, dataset)) {
      return Status::NotFound("dataset '" + std::string(dataset) + "' does not exist");
    }
    explanation.visible = authorizer_.CanSee(explanation.principal, dataset);
  }
  explanation.decision = authorizer_.Explain(explanation.principal, permission, dataset);
  return explanation;
}

void WriteExplanationJson(JsonWriter& writer, const AuthzExplanation& explanation) {
  const security::Principal& principal = explanation.principal;
  writer.BeginObject();
  writer.Member("principal", principal.ref);
  writer.Member("action", explanation.action);
  writer.Member("resource", explanation.resource);
  writer.Member("allowed", explanation.decision.allowed);
  if (explanation.resource != "*") writer.Member("dataset_visible", explanation.visible);
  writer.Key("granted_by");
  writer.BeginArray();
  for (const auto& [role, resource] : explanation.decision.granted_by) {
    writer.BeginObject();
    writer.Member("role", role);
    writer.Member("resource", resource);
    writer.EndObject();
  }
  writer.EndArray();
  writer.Key("denied_because");
  explanation.decision.denied_because.empty() ? writer.Null()
                                              : writer.String(explanation.decision.denied_because);
  if (explanation.policies) {
    const AppliedPolicies& policies = *explanation.policies;
    writer.Key("row_policies");
    writer.BeginArray();
    for (const security::RowPolicy& policy : policies.row) {
      writer.BeginObject();
      writer.Member("name", policy.name);
      writer.Member("filter", policy.filter);
      writer.EndObject();
    }
    writer.EndArray();
    writer.Key("field_policies");
    writer.BeginArray();
    for (const security::FieldPolicy& policy : policies.field) {
      writer.BeginObject();
      writer.Member("name", policy.name);
      writer.Member("field", policy.field);
      writer.Member("action", security::FieldPolicyActionName(policy.action));
      writer.EndObject();
    }
    writer.EndArray();
    writer.Key("pii_masked");
    writer.BeginArray();
    for (const std::string& field : policies.pii_masked) writer.String(field);
    writer.EndArray();
  }
  writer.Key("groups");
  writer.BeginArray();
  for (const std::string& group : principal.groups) writer.String(group);
  writer.EndArray();
  writer.Key("credential_scope");
  if (principal.scopes) {
    writer.BeginArray();
    for (const std::string& scope : *principal.scopes) writer.String(scope);
    writer.EndArray();
  } else {
    writer.Null();
  }
  writer.EndObject();
}

void WriteAccountJson(JsonWriter& writer, const meta::UserRecord& account) {
  writer.BeginObject();
  writer.Member("name", account.name);
  writer.Member("kind", account.kind);
  writer.Member("display_name", account.display_name);
  writer.Key("groups");
  writer.BeginArray();
  for (const std::string& group : account.groups) writer.String(group);
  writer.EndArray();
  writer.Key("attributes");
  writer.BeginObject();
  for (const auto& [key, value] : account.attributes) writer.Member(key, value);
  writer.EndObject();
  writer.Member("disabled", account.disabled);
  if (account.kind == "user") {
    writer.Member("has_password", !account.password_hash.empty());
    writer.Member("mfa_enabled", account.totp_enabled);
  }
  writer.Member("created_at", FormatRfc3339(account.created_at));
  writer.Member("updated_at", FormatRfc3339(account.updated_at));
  writer.EndObject();
}

void WriteRoleJson(JsonWriter& writer, const RoleView& role) {
  writer.BeginObject();
  writer.Member("name", role.name);
  writer.Member("description", role.description);
  writer.Member("built_in", role.built_in);
  writer.Key("permissions");
  writer.BeginArray();
  for (const std::string& permission : role.permissions) writer.String(permission);
  writer.EndArray();
  writer.EndObject();
}

void WriteGrantJson(JsonWriter& writer, const meta::GrantRecord& grant) {
  writer.BeginObject();
  writer.Member("id", grant.id);
  writer.Member("subject", grant.subject);
  writer.Member("role", grant.role);
  writer.Member("resource", grant.resource);
  writer.Member("created_by", grant.created_by);
  writer.Member("created_at", FormatRfc3339(grant.created_at));
  writer.EndObject();
}

}  // namespace strata::service
