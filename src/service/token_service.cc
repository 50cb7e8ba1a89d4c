#include "service/token_service.h"

#include <algorithm>

#include "common/ids.h"
#include "common/json_writer.h"
#include "common/logging.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "security/crypto.h"
#include "security/jwt.h"
#include "service/oauth_scope.h"
#include "service/second_factor.h"

namespace strata::service {
namespace {

constexpr int64_t kMaintenanceIntervalMicros = 60'000'000;
constexpr size_t kRefreshTokenRandomBytes = 32;

Status OAuthError(std::string_view error, std::string_view description) {
  return Status::InvalidArgument(description).WithProblemCode(error);
}

Status InvalidClient() {
  return Status::Unauthenticated("client authentication failed").WithProblemCode("invalid_client");
}

Status BadCredentials() { return OAuthError("invalid_grant", "invalid username or password"); }

Status BadRefreshToken() {
  return OAuthError("invalid_grant", "the refresh token is invalid, expired or revoked");
}

bool HoldsRoleOf(const security::Principal& principal, const std::vector<std::string>& roles) {
  auto listed = [&](const std::string& role) {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
  };
  if (std::any_of(principal.roles.begin(), principal.roles.end(), listed)) return true;
  for (const auto& [dataset, held] : principal.dataset_roles) {
    if (std::any_of(held.begin(), held.end(), listed)) return true;
  }
  return false;
}

// RFC 6749 Appendix A: client_id = *VSCHAR. Ours: 1 to 128 of them.
bool IsValidClientId(std::string_view client_id) {
  return !client_id.empty() && client_id.size() <= 128 &&
         std::all_of(client_id.begin(), client_id.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7e; });
}

Result<std::optional<std::vector<std::string>>> RequestedScope(const TokenRequest& request) {
  if (!request.scope || request.scope->empty()) return std::optional<std::vector<std::string>>();
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> names, ParseScope(*request.scope));
  return std::optional<std::vector<std::string>>(std::move(names));
}

}  // namespace

TokenService::TokenService(meta::MetaStore& store, const security::Authorizer& authorizer,
                           security::KeyRingStore& keys, security::AccessTokenVerifier& verifier,
                           LoginThrottle& throttle, PasswordChecker& passwords,
                           TokenServiceOptions options)
    : store_(store),
      authorizer_(authorizer),
      keys_(keys),
      verifier_(verifier),
      throttle_(throttle),
      passwords_(passwords),
      resolver_(store),
      options_(std::move(options)) {}

int64_t TokenService::Now() const { return options_.clock ? options_.clock() : NowMicros(); }

Result<IssuedTokens> TokenService::Token(const TokenRequest& request,
                                         const audit::RequestIds* ids) {
  const int64_t now = Now();
  MaybeMaintain(now);
  Result<IssuedTokens> result = RunGrant(request, now);
  if (audit_ != nullptr && ids != nullptr) {
    STRATA_RETURN_IF_ERROR(AuditToken(request, *ids, result));
  }
  return result;
}

Status TokenService::AuditToken(const TokenRequest& request, const audit::RequestIds& ids,
                                const Result<IssuedTokens>& result) {
  audit::AuditEvent event;
  event.action = "auth.token";
  event.resource = ids.resource;
  const std::string_view client_id =
      request.client_id.empty() ? std::string_view(options_.default_client_id) : request.client_id;
  event.details = json::Value::Object({
      {"grant_type", json::Value::String(request.grant_type.substr(0, 64))},
      {"client_id", json::Value::String(std::string(client_id.substr(0, 128)))},
  });
  if (result.ok()) {
    event.principal = result->subject;
    event.status = 200;
    if (!result->scope.empty()) event.details.Set("scope", json::Value::String(result->scope));
    event.details.Set("refresh_token", json::Value::Bool(!result->refresh_token.empty()));
  } else {
    // The account is the one named by the request, which may not exist; never the secret.
    event.principal = std::string(audit::kUnknownPrincipal);
    event.outcome = result.status().code() == StatusCode::kUnauthenticated ||
                            result.status().problem_code() == "invalid_grant"
                        ? audit::Outcome::kDenied
                        : audit::Outcome::kError;
    if (!request.username.empty()) {
      event.details.Set("username", json::Value::String(request.username.substr(0, 128)));
    }
    event.details.Set("error", json::Value::String(std::string(result.status().problem_code())));
  }
  return audit::AppendForRequest(*audit_, ids, std::move(event));
}

Result<IssuedTokens> TokenService::RunGrant(const TokenRequest& request, int64_t now) {
  if (request.grant_type.empty()) {
    return OAuthError("invalid_request", "grant_type is required");
  }
  if (!request.client_id.empty() && !IsValidClientId(request.client_id)) {
    return OAuthError("invalid_request", "client_id must be 1 to 128 printable ASCII characters");
  }
  if (request.grant_type == "password") return PasswordGrant(request, now);
  if (request.grant_type == "client_credentials") return ClientCredentialsGrant(request, now);
  if (request.grant_type == "refresh_token") return RefreshGrant(request, now);
  std::string shown = request.grant_type.substr(0, 64);
  for (char& c : shown) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return OAuthError("unsupported_grant_type",
                    "grant_type '" + shown +
                        "' is not supported; use password, client_credentials or refresh_token");
}

Result<IssuedTokens> TokenService::PasswordGrant(const TokenRequest& request, int64_t now) {
  if (!options_.password_grant) {
    return OAuthError("unsupported_grant_type",
                      "the password grant is disabled on this server (auth.password_grant)");
  }
  STRATA_RETURN_IF_ERROR(RefuseConfidentialClient(request, now));
  if (request.username.empty() || request.password.empty()) {
    return OAuthError("invalid_request", "the password grant needs username and password");
  }
  STRATA_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> requested,
                          RequestedScope(request));
  const std::string account = "user:" + request.username;
  if (int64_t wait = throttle_.RetryAfterSeconds(account, request.address, now); wait > 0) {
    return Throttled("slow_down", wait);
  }
  Result<meta::UserRecord> found = store_.identity().GetUser(request.username);
  if (!found.ok() && found.status().code() != StatusCode::kNotFound) return found.status();
  const bool is_user = found.ok() && found->kind == "user";
  STRATA_ASSIGN_OR_RETURN(bool matches,
                          passwords_.Verify(request.password, is_user ? found->password_hash : ""));
  if (!matches || !is_user || found->disabled) {
    throttle_.RecordFailure(account, request.address, now);
    STRATA_LOG(kInfo, "sign-in refused")
        .Str("account", account)
        .Str("address", request.address)
        .Str("reason", "credentials");
    return BadCredentials();
  }
  const meta::UserRecord& user = *found;
  Result<security::Principal> principal = resolver_.Resolve(account);
  if (!principal.ok()) {
    if (principal.status().code() == StatusCode::kNotFound ||
        principal.status().code() == StatusCode::kPermissionDenied) {
      return BadCredentials();  // Deleted or disabled since it was read.
    }
    return principal.status();
  }
  Grant grant;
  grant.amr = {"pwd"};
  if (user.totp_enabled) {
    if (request.totp.empty() && request.recovery_code.empty()) {
      return OAuthError("invalid_grant", "mfa_required");
    }
    STRATA_ASSIGN_OR_RETURN(
        SecondFactor factor,
        UseSecondFactor(store_.identity(), user.name, request.totp, request.recovery_code, now));
    if (factor != SecondFactor::kAccepted) {
      throttle_.RecordFailure(account, request.address, now);
      STRATA_LOG(kInfo, "sign-in refused")
          .Str("account", account)
          .Str("address", request.address)
          .Str("reason", "second_factor");
      return OAuthError("invalid_grant", "mfa_code_invalid");
    }
    grant.amr.push_back("otp");  // TOTP or a recovery code: both one-time codes.
  } else if (HoldsRoleOf(*principal, options_.mfa_required_roles)) {
    return OAuthError("invalid_grant", "mfa_enrolment_required");
  }
  throttle_.RecordSuccess(account);
  if (passwords_.NeedsRehash(user.password_hash)) {
    Rehash(user.name, user.password_hash, request.password, now);
  }
  STRATA_ASSIGN_OR_RETURN(
      grant.scope, GrantScope(requested, std::nullopt, HeldPermissions(*principal, authorizer_)));
  grant.principal = std::move(principal).value();
  grant.client_id = request.client_id.empty() ? options_.default_client_id : request.client_id;
  return Issue(grant, true, "", now);
}

Result<IssuedTokens> TokenService::ClientCredentialsGrant(const TokenRequest& request,
                                                          int64_t now) {
  STRATA_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> requested,
                          RequestedScope(request));
  STRATA_ASSIGN_OR_RETURN(security::Principal principal, AuthenticateClient(request, now));
  Grant grant;
  STRATA_ASSIGN_OR_RETURN(
      grant.scope, GrantScope(requested, std::nullopt, HeldPermissions(principal, authorizer_)));
  grant.client_id = request.client_id;
  grant.principal = std::move(principal);
  return Issue(grant, false, "", now);
}

Result<IssuedTokens> TokenService::RefreshGrant(const TokenRequest& request, int64_t now) {
  STRATA_RETURN_IF_ERROR(RefuseConfidentialClient(request, now));
  if (request.refresh_token.empty()) {
    return OAuthError("invalid_request", "the refresh_token grant needs refresh_token");
  }
  STRATA_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> requested,
                          RequestedScope(request));
  if (!StartsWith(request.refresh_token, kRefreshTokenPrefix)) return BadRefreshToken();
  const std::string hash = security::Sha256(request.refresh_token);
  STRATA_ASSIGN_OR_RETURN(std::optional<meta::RefreshTokenRecord> record,
                          store_.identity().FindRefreshToken(hash));
  if (!record || !security::ConstantTimeEquals(record->hash, hash)) return BadRefreshToken();
  if (record->revoked_at != 0) return BadRefreshToken();
  if (!request.client_id.empty() && request.client_id != record->client_id) {
    return OAuthError("invalid_grant", "the refresh token was issued to another client");
  }
  if (record->used_at != 0) return ReuseDetected(*record, now);
  if (record->expires_at <= now) return BadRefreshToken();
  Result<security::Principal> principal = resolver_.Resolve(record->subject);
  if (!principal.ok()) {
    if (principal.status().code() == StatusCode::kNotFound ||
        principal.status().code() == StatusCode::kPermissionDenied) {
      store_.identity().RevokeTokenFamily(record->family, now).status().IgnoreError();
      return BadRefreshToken();
    }
    return principal.status();
  }
  std::optional<std::vector<std::string>> original;
  if (!record->scope.empty()) {
    STRATA_ASSIGN_OR_RETURN(std::vector<std::string> names, ParseScope(record->scope));
    original = std::move(names);
  }
  Grant grant;
  STRATA_ASSIGN_OR_RETURN(
      grant.scope, GrantScope(requested, original, HeldPermissions(*principal, authorizer_)));
  // Checked before the token is consumed: a refused request leaves it usable.
  STRATA_ASSIGN_OR_RETURN(bool consumed, store_.identity().ConsumeRefreshToken(record->id, now));
  if (!consumed) return ReuseDetected(*record, now);  // Another request consumed it first.
  grant.principal = std::move(principal).value();
  grant.client_id = record->client_id;
  // The new refresh token keeps the family's scope (RFC 6749 §6); only the access token is
  // narrowed by this request.
  Grant family_grant = grant;
  family_grant.scope = original;
  STRATA_ASSIGN_OR_RETURN(IssuedTokens issued, Issue(grant, false, "", now));
  STRATA_ASSIGN_OR_RETURN(issued.refresh_token,
                          MintRefreshToken(family_grant, record->family, now));
  return issued;
}

Status TokenService::ReuseDetected(const meta::RefreshTokenRecord& record, int64_t now) {
  // Replayed: whoever holds the family's tokens is not the one client it was issued to.
  STRATA_ASSIGN_OR_RETURN(int64_t revoked, store_.identity().RevokeTokenFamily(record.family, now));
  STRATA_LOG(kWarn, "refresh token reused; its family is revoked")
      .Str("subject", record.subject)
      .Str("client_id", record.client_id)
      .Int("revoked", revoked);
  return OAuthError("invalid_grant",
                    "the refresh token was used already; every token of its sign-in is revoked");
}

Status TokenService::RefuseConfidentialClient(const TokenRequest& request, int64_t now) {
  if (request.client_auth == ClientAuthentication::kNone) return Status();
  STRATA_RETURN_IF_ERROR(AuthenticateClient(request, now).status());
  return OAuthError("unauthorized_client",
                    "service accounts use grant_type=client_credentials and get no refresh token");
}

Result<security::Principal> TokenService::AuthenticateClient(const TokenRequest& request,
                                                             int64_t now) {
  if (request.client_id.empty() || request.client_secret.empty()) return InvalidClient();
  const std::string account = "service:" + request.client_id;
  if (int64_t wait = throttle_.RetryAfterSeconds(account, request.address, now); wait > 0) {
    return Throttled("slow_down", wait);
  }
  Result<meta::UserRecord> found = store_.identity().GetUser(request.client_id);
  if (!found.ok() && found.status().code() != StatusCode::kNotFound) return found.status();
  const bool is_service = found.ok() && found->kind == "service";
  STRATA_ASSIGN_OR_RETURN(bool matches, passwords_.Verify(request.client_secret,
                                                          is_service ? found->password_hash : ""));
  Result<security::Principal> principal = Status::NotFound("");
  if (matches && is_service && !found->disabled) principal = resolver_.Resolve(account);
  if (!principal.ok()) {
    if (principal.status().code() != StatusCode::kNotFound &&
        principal.status().code() != StatusCode::kPermissionDenied) {
      return principal.status();
    }
    throttle_.RecordFailure(account, request.address, now);
    STRATA_LOG(kInfo, "client authentication refused")
        .Str("account", account)
        .Str("address", request.address);
    return InvalidClient();
  }
  throttle_.RecordSuccess(account);
  if (passwords_.NeedsRehash(found->password_hash)) {
    Rehash(found->name, found->password_hash, request.client_secret, now);
  }
  return principal;
}

void TokenService::Rehash(const std::string& name, const std::string& old_hash,
                          std::string_view password, int64_t now) {
  Result<std::string> fresh = passwords_.Hash(password);
  Status updated = fresh.status();
  if (fresh.ok()) {
    Result<meta::UserRecord> user = store_.identity().GetUser(name);
    updated = user.status();
    // Only if the hash is still the one verified: a password changed meanwhile stays.
    if (user.ok() && user->password_hash == old_hash) {
      const uint64_t read_revision = user->revision;
      user->password_hash = std::move(fresh).value();
      user->revision = read_revision + 1;
      user->updated_at = now;
      updated = store_.identity().UpdateUser(*user, read_revision);
    }
  }
  if (!updated.ok()) {
    STRATA_LOG(kWarn, "password rehash skipped")
        .Str("account", name)
        .Str("error", updated.ToString());
  }
}

Result<std::string> TokenService::SignAccessToken(const Grant& grant, int64_t now) {
  const int64_t seconds = now / 1'000'000;
  JsonWriter claims;
  claims.BeginObject();
  claims.Member("iss", verifier_.options().issuer);
  claims.Member("sub", grant.principal.ref);
  claims.Member("aud", verifier_.options().audience);
  claims.Member("exp", seconds + options_.access_token_ttl_seconds);
  claims.Member("iat", seconds);
  claims.Member("nbf", seconds);
  claims.Member("jti", Base64UrlEncode(security::RandomBytes(16)));
  claims.Member("client_id", grant.client_id);
  if (grant.scope) claims.Member("scope", JoinScope(*grant.scope));
  if (!grant.amr.empty()) {
    claims.Key("amr");
    claims.BeginArray();
    for (const std::string& method : grant.amr) claims.String(method);
    claims.EndArray();
  }
  claims.EndObject();
  std::shared_ptr<const security::KeyRingStore::Snapshot> keys = keys_.Current();
  return security::SignJwt(keys->ring.current(), security::kAccessTokenType, claims.Take());
}

Result<std::string> TokenService::MintRefreshToken(const Grant& grant, std::string family,
                                                   int64_t now) {
  std::string token = std::string(kRefreshTokenPrefix) +
                      Base64UrlEncode(security::RandomBytes(kRefreshTokenRandomBytes));
  meta::RefreshTokenRecord record;
  record.id = NewUlid();
  record.family = family.empty() ? NewUlid() : std::move(family);
  record.hash = security::Sha256(token);
  record.subject = grant.principal.ref;
  record.client_id = grant.client_id;
  record.scope = grant.scope ? JoinScope(*grant.scope) : "";
  record.created_at = now;
  record.expires_at = now + options_.refresh_token_ttl_seconds * 1'000'000;
  STRATA_RETURN_IF_ERROR(store_.identity().CreateRefreshToken(record));
  return token;
}

Result<IssuedTokens> TokenService::Issue(const Grant& grant, bool with_refresh_token,
                                         std::string family, int64_t now) {
  IssuedTokens issued;
  issued.subject = grant.principal.ref;
  STRATA_ASSIGN_OR_RETURN(issued.access_token, SignAccessToken(grant, now));
  issued.expires_in = options_.access_token_ttl_seconds;
  if (grant.scope) issued.scope = JoinScope(*grant.scope);
  if (with_refresh_token) {
    STRATA_ASSIGN_OR_RETURN(issued.refresh_token, MintRefreshToken(grant, std::move(family), now));
  }
  return issued;
}

void TokenService::MaybeMaintain(int64_t now) {
  int64_t last = last_maintenance_.load(std::memory_order_relaxed);
  if (now - last < kMaintenanceIntervalMicros) return;
  if (!last_maintenance_.compare_exchange_strong(last, now)) return;  // Another thread does it.
  if (Status maintained = keys_.Maintain(now / 1'000'000); !maintained.ok()) {
    STRATA_LOG(kError, "signing key maintenance failed").Str("error", maintained.ToString());
  }
  Result<int64_t> deleted = store_.identity().DeleteExpiredRefreshTokens(now);
  if (!deleted.ok()) {
    STRATA_LOG(kWarn, "cannot delete expired refresh tokens")
        .Str("error", deleted.status().ToString());
  }
}

}  // namespace strata::service
