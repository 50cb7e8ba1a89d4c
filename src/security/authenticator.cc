#include "security/authenticator.h"

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

Result<Principal> Authenticator::Authenticate(std::string_view authorization) {
  if (Trim(authorization).empty()) {
    return Status::Unauthenticated("missing credentials: send 'Authorization: Bearer <API key>'")
        .WithProblemCode("missing_credentials");
  }
  const std::optional<std::string_view> credential = CredentialOf(authorization);
  if (!credential) {
    return Invalid(
        "unsupported authorization scheme: use 'Bearer <API key>' (or 'Token <API key>')");
  }
  const std::string_view key = *credential;
  if (!ApiKeyChecksumOk(key)) return Invalid("malformed API key");
  const std::string hash = Sha256(key);
  const int64_t now = NowMicros();
  {
    std::shared_lock lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && it->second.cached_until > now) {
      if (it->second.expires_at != 0 && it->second.expires_at <= now) {
        return Invalid("API key expired");
      }
      return it->second.principal;
    }
  }
  STRATA_ASSIGN_OR_RETURN(std::optional<meta::ApiKeyRecord> record, store_.FindApiKeyByHash(hash));
  // The store looked the key up by its hash; compare again in constant time so no code path
  // ever compares secret material with an early exit.
  if (!record || !ConstantTimeEquals(record->hash, hash)) return Invalid("unknown API key");
  if (record->revoked_at != 0) return Invalid("API key revoked");
  if (record->expires_at != 0 && record->expires_at <= now) return Invalid("API key expired");
  Principal principal;
  principal.ref = record->principal;
  principal.roles = record->roles;
  std::unique_lock lock(mu_);
  if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  cache_[hash] = CacheEntry{principal, record->expires_at, now + kCacheTtlMicros};
  return principal;
}

Result<std::optional<std::string>> Authenticator::EnsureBootstrapAdmin(
    std::string_view operator_key) {
  const int64_t now = NowMicros();
  STRATA_ASSIGN_OR_RETURN(int64_t admins, store_.CountAdminKeys(now));
  if (admins > 0) return std::optional<std::string>();
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
  meta::ApiKeyRecord record;
  record.id = NewUlid();
  record.name = "bootstrap admin";
  record.hash = Sha256(key);
  record.prefix = prefix;
  record.principal = "key:" + record.id;
  record.roles = {"admin"};
  record.created_at = now;
  STRATA_RETURN_IF_ERROR(store_.CreateApiKey(record));
  return std::optional<std::string>(std::move(key));
}

void Authenticator::ClearCache() {
  std::unique_lock lock(mu_);
  cache_.clear();
}

}  // namespace strata::security
