#include "service/api_key_service.h"

#include <algorithm>

#include "common/ids.h"
#include "common/time_util.h"
#include "security/api_key.h"
#include "security/crypto.h"
#include "service/body_reader.h"
#include "service/dataset_codec.h"

namespace strata::service {
namespace {

using security::Permission;

bool Contains(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

Result<CreatedApiKey> ApiKeyService::Create(const security::Principal& caller,
                                            const json::Value& body) {
  BodyReader reader(body, {"name", "owner", "scopes", "datasets", "expires_in_seconds"});
  std::optional<std::string> owner = reader.String("owner", false);
  std::optional<std::string> name = reader.String("name", true, [](const std::string& value) {
    return !value.empty() && value.size() <= 128 ? "" : "names are 1 to 128 bytes";
  });
  std::optional<std::vector<std::string>> scopes =
      reader.Strings("scopes", 32, [](const std::string& value) {
        return security::ParsePermission(value) ? std::string()
                                                : "unknown permission '" + value + "'";
      });
  std::optional<std::vector<std::string>> datasets = reader.Strings(
      "datasets", 100,
      [](const std::string& value) { return IsValidDatasetId(value) ? "" : "not a dataset id"; });
  std::optional<int64_t> ttl = reader.Int("expires_in_seconds", 60, kMaxTtlSeconds);
  STRATA_RETURN_IF_ERROR(reader.Finish());
  if (owner && *owner != caller.ref) return CreateFor(caller, *owner, *name, scopes, datasets, ttl);

  // A scoped credential cannot mint a broader key: the new scope and datasets must lie
  // within the caller's.
  if (caller.scopes) {
    if (!scopes || scopes->empty()) {
      return Status::PermissionDenied(
          "a scoped credential can only create keys with a scope within its own");
    }
    for (const std::string& scope : *scopes) {
      if (!Contains(*caller.scopes, scope) && !Contains(*caller.scopes, "admin")) {
        return Status::PermissionDenied("scope " + scope + " is outside your credential's scope");
      }
    }
  }
  if (!caller.scope_datasets.empty()) {
    if (!datasets || datasets->empty()) {
      return Status::PermissionDenied(
          "a credential limited to datasets can only create keys limited to them");
    }
    for (const std::string& dataset : *datasets) {
      if (!Contains(caller.scope_datasets, dataset)) {
        return Status::PermissionDenied("dataset '" + dataset +
                                        "' is outside your credential's datasets");
      }
    }
  }
  for (const std::string& dataset : datasets.value_or(std::vector<std::string>())) {
    if (!authorizer_.CanSee(caller, dataset)) {
      return Status::NotFound("dataset '" + dataset + "' does not exist");
    }
  }

  // Keys of keys made before users existed act with their creator's roles.
  const std::vector<std::string> roles =
      caller.ref.rfind("key:", 0) == 0 ? caller.roles : std::vector<std::string>();
  return Store(caller.ref, roles, *name, scopes, datasets, ttl);
}

Result<CreatedApiKey> ApiKeyService::CreateFor(
    const security::Principal& caller, const std::string& owner, const std::string& name,
    const std::optional<std::vector<std::string>>& scopes,
    const std::optional<std::vector<std::string>>& datasets, std::optional<int64_t> ttl) {
  // Acting as another principal is the admin's alone: users:manage could otherwise mint a
  // key of an admin and hold more than it was given.
  STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kAdmin));
  const size_t colon = owner.find(':');
  const std::string kind = owner.substr(0, colon);
  Result<meta::UserRecord> account = colon == std::string::npos
                                         ? Result<meta::UserRecord>(Status::NotFound(""))
                                         : store_.identity().GetUser(owner.substr(colon + 1));
  if (!account.ok() || account->kind != kind) {
    return Status::ValidationFailed("owner '" + owner +
                                    "' is not an existing user:<name> or service:<name>")
        .WithErrors({ErrorDetail::Pointer("/owner", "no such account")});
  }
  return Store(owner, {}, name, scopes, datasets, ttl);
}

Result<CreatedApiKey> ApiKeyService::Store(const std::string& owner,
                                           const std::vector<std::string>& roles,
                                           const std::string& name,
                                           const std::optional<std::vector<std::string>>& scopes,
                                           const std::optional<std::vector<std::string>>& datasets,
                                           std::optional<int64_t> ttl) {
  security::GeneratedKey generated = security::GenerateApiKey();
  CreatedApiKey created;
  meta::ApiKeyRecord& record = created.record;
  record.id = NewUlid();
  record.name = name;
  record.hash = security::Sha256(generated.key);
  record.prefix = generated.prefix;
  record.principal = owner;
  record.roles = roles;
  record.scopes = scopes.value_or(std::vector<std::string>());
  record.datasets = datasets.value_or(std::vector<std::string>());
  record.created_at = NowMicros();
  if (ttl) record.expires_at = record.created_at + *ttl * 1'000'000;
  STRATA_RETURN_IF_ERROR(store_.CreateApiKey(record));
  created.key = std::move(generated.key);
  return created;
}

Result<std::vector<meta::ApiKeyRecord>> ApiKeyService::List(const security::Principal& caller,
                                                            std::string_view owner) {
  if (owner.empty() || owner == caller.ref) return store_.ListApiKeys(caller.ref);
  STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kUsersManage));
  return store_.ListApiKeys(owner == "*" ? "" : owner);
}

Result<meta::ApiKeyRecord> ApiKeyService::Get(const security::Principal& caller,
                                              std::string_view id) {
  Result<meta::ApiKeyRecord> key = store_.GetApiKey(id);
  if (key.ok() && key->principal == caller.ref) return key;
  // Another principal's key (or none): only managers learn whether it exists.
  STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kUsersManage));
  return key;
}

Status ApiKeyService::Revoke(const security::Principal& caller, std::string_view id) {
  STRATA_ASSIGN_OR_RETURN(meta::ApiKeyRecord key, Get(caller, id));
  STRATA_RETURN_IF_ERROR(store_.RevokeApiKey(key.id, NowMicros()));
  authorizer_.NoteIdentityChanged();
  return Status();
}

void WriteApiKeyJson(JsonWriter& writer, const meta::ApiKeyRecord& key, std::string_view secret) {
  writer.BeginObject();
  writer.Member("id", key.id);
  writer.Member("name", key.name);
  if (!secret.empty()) writer.Member("key", secret);
  writer.Member("prefix", key.prefix);
  writer.Member("owner", key.principal);
  writer.Key("scopes");
  writer.BeginArray();
  for (const std::string& scope : key.scopes) writer.String(scope);
  writer.EndArray();
  writer.Key("datasets");
  writer.BeginArray();
  for (const std::string& dataset : key.datasets) writer.String(dataset);
  writer.EndArray();
  writer.Member("created_at", FormatRfc3339(key.created_at));
  writer.Key("expires_at");
  key.expires_at == 0 ? writer.Null() : writer.String(FormatRfc3339(key.expires_at));
  writer.Key("revoked_at");
  key.revoked_at == 0 ? writer.Null() : writer.String(FormatRfc3339(key.revoked_at));
  writer.Key("last_used_at");
  key.last_used_at == 0 ? writer.Null() : writer.String(FormatRfc3339(key.last_used_at));
  writer.EndObject();
}

}  // namespace strata::service
