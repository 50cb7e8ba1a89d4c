#include "security/authenticator.h"

#include <algorithm>
#include <mutex>
#include <optional>

#include "common/ids.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "security/api_key.h"
#include "security/crypto.h"

namespace strata::security {
namespace {

Status Invalid(std::string_view why) {
  return Status::Unauthenticated(why).WithProblemCode("invalid_token");
}

// The one answer for keys that are unknown, expired, revoked or whose owner is disabled,
// so a caller cannot tell which.
Status InvalidKey() { return Invalid("invalid API key"); }

// The credential after a "Bearer " or "Token " scheme (case-insensitive; InfluxDB clients
// send Token), or nullopt for another scheme or no credential.
std::optional<std::string_view> CredentialOf(std::string_view authorization) {
  for (std::string_view scheme : {std::string_view("bearer "), std::string_view("token ")}) {
    if (authorization.size() > scheme.size() &&
        ToLower(authorization.substr(0, scheme.size())) == scheme) {
      return Trim(authorization.substr(scheme.size()));
    }
  }
  return std::nullopt;
}

}  // namespace

bool LooksLikeJwt(std::string_view credential) {
  return credential.substr(0, 3) == "eyJ" &&
         std::count(credential.begin(), credential.end(), '.') == 2;
}

Result<Principal> Authenticator::Authenticate(std::string_view authorization) {
  if (Trim(authorization).empty()) {
    return Status::Unauthenticated(
               "missing credentials: send 'Authorization: Bearer <API key or access token>'")
        .WithProblemCode("missing_credentials");
  }
  const std::optional<std::string_view> credential = CredentialOf(authorization);
  if (!credential) {
    return Invalid(
        "unsupported authorization scheme: use 'Bearer <API key or access token>' (or 'Token "
        "<API key>')");
  }
  if (LooksLikeJwt(*credential)) {
    if (token_verifier_ == nullptr) return Invalid("access tokens are not accepted here");
    return token_verifier_->Verify(*credential);
  }
  return AuthenticateKey(*credential);
}

Result<Principal> Authenticator::AuthenticateKey(std::string_view key) {
  if (!ApiKeyChecksumOk(key)) return Invalid("malformed API key");
  const std::string hash = Sha256(key);
  const int64_t now = NowMicros();
  const uint64_t generation = authorizer_.identity_generation();
  {
    std::shared_lock lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && it->second.cached_until > now &&
        it->second.generation == generation) {
      if (it->second.expires_at != 0 && it->second.expires_at <= now) return InvalidKey();
      return it->second.principal;
    }
  }
  STRATA_ASSIGN_OR_RETURN(std::optional<meta::ApiKeyRecord> record, store_.FindApiKeyByHash(hash));
  // The store looked the key up by its hash; compare again in constant time so no code path
  // ever compares secret material with an early exit.
  if (!record || !ConstantTimeEquals(record->hash, hash)) return InvalidKey();
  if (record->revoked_at != 0) return InvalidKey();
  if (record->expires_at != 0 && record->expires_at <= now) return InvalidKey();
  Result<Principal> principal = PrincipalOfKey(*record);
  if (!principal.ok()) {
    if (principal.status().code() == StatusCode::kNotFound ||
        principal.status().code() == StatusCode::kPermissionDenied) {
      return InvalidKey();  // The owner is gone or disabled.
    }
    return principal.status();
  }
  if (record->last_used_at + kTouchIntervalMicros <= now) {
    store_.TouchApiKey(record->id, now).IgnoreError();  // Bookkeeping only.
  }
  std::unique_lock lock(mu_);
  if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  cache_[hash] = CacheEntry{*principal, record->expires_at, now + kCacheTtlMicros, generation};
  return principal;
}

Result<Principal> Authenticator::PrincipalOfKey(const meta::ApiKeyRecord& record) {
  Principal principal;
  if (record.principal.rfind("key:", 0) == 0) {
    STRATA_ASSIGN_OR_RETURN(principal, resolver_.ResolveLegacyKey(record));
  } else {
    STRATA_ASSIGN_OR_RETURN(principal, resolver_.Resolve(record.principal));
  }
  if (!record.scopes.empty()) principal.scopes = record.scopes;
  principal.scope_datasets = record.datasets;
  principal.credential = "key:" + record.id;
  return principal;
}

Result<std::optional<std::string>> Authenticator::EnsureBootstrapAdmin(
    std::string_view operator_key) {
  const int64_t now = NowMicros();
  STRATA_ASSIGN_OR_RETURN(int64_t legacy_admin_keys, store_.CountAdminKeys(now));
  if (legacy_admin_keys > 0) return std::optional<std::string>();
  meta::GrantFilter admins;
  admins.role = "admin";
  admins.resource = "*";
  STRATA_ASSIGN_OR_RETURN(std::vector<meta::GrantRecord> admin_grants,
                          store_.identity().ListGrants(admins));
  if (!admin_grants.empty()) return std::optional<std::string>();

  std::string key;
  std::string prefix;
  if (!operator_key.empty()) {
    if (operator_key.size() < kMinOperatorKeyLength) {
      return Status::InvalidArgument("STRATA_BOOTSTRAP_KEY must be at least 32 characters");
    }
    if (!ApiKeyChecksumOk(operator_key)) {
      return Status::InvalidArgument(
          "STRATA_BOOTSTRAP_KEY starts with 'strata_' but is not a valid key");
    }
    key = std::string(operator_key);
    prefix = key.substr(0, 4) + "...";
  } else {
    GeneratedKey generated = GenerateApiKey();
    key = std::move(generated.key);
    prefix = std::move(generated.prefix);
  }
  meta::UserRecord admin;
  admin.name = "admin";
  admin.display_name = "Administrator";
  admin.created_at = admin.updated_at = now;
  Status created = store_.identity().CreateUser(admin);
  if (!created.ok() && created.code() != StatusCode::kAlreadyExists) return created;
  STRATA_RETURN_IF_ERROR(
      store_.identity().CreateGrant({NewUlid(), "user:admin", "admin", "*", "bootstrap", now}));
  meta::ApiKeyRecord record;
  record.id = NewUlid();
  record.name = "bootstrap admin";
  record.hash = Sha256(key);
  record.prefix = prefix;
  record.principal = "user:admin";
  record.created_at = now;
  STRATA_RETURN_IF_ERROR(store_.CreateApiKey(record));
  authorizer_.NoteIdentityChanged();
  return std::optional<std::string>(std::move(key));
}

void Authenticator::ClearCache() {
  std::unique_lock lock(mu_);
  cache_.clear();
}

}  // namespace strata::security
