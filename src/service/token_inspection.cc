// TokenService::Revoke (RFC 7009) and TokenService::Introspect (RFC 7662).
#include "common/strings.h"
#include "security/authenticator.h"
#include "security/crypto.h"
#include "service/token_service.h"

namespace strata::service {
namespace {

std::string UsernameOf(std::string_view subject) {
  return StartsWith(subject, "user:") ? std::string(subject.substr(5)) : std::string();
}

}  // namespace

bool TokenService::MayInspect(const security::Principal& caller, std::string_view subject) const {
  return caller.ref == subject || authorizer_.Has(caller, security::Permission::kAdmin);
}

Status TokenService::Revoke(const security::Principal& caller, std::string_view token) {
  const int64_t now = Now();
  if (StartsWith(token, kRefreshTokenPrefix)) {
    const std::string hash = security::Sha256(token);
    STRATA_ASSIGN_OR_RETURN(std::optional<meta::RefreshTokenRecord> record,
                            store_.identity().FindRefreshToken(hash));
    if (record && security::ConstantTimeEquals(record->hash, hash) &&
        MayInspect(caller, record->subject)) {
      STRATA_RETURN_IF_ERROR(store_.identity().RevokeTokenFamily(record->family, now).status());
    }
    return Status();
  }
  if (!security::LooksLikeJwt(token) || !verifier_.ClaimsOurIssuer(token)) return Status();
  Result<security::VerifiedJwt> jwt = verifier_.VerifyToken(token, /*check_revoked=*/false);
  if (!jwt.ok()) {
    // Invalid or expired: nothing to revoke. Other failures are the server's.
    return jwt.status().code() == StatusCode::kUnauthenticated ? Status() : jwt.status();
  }
  if (!MayInspect(caller, jwt->sub)) return Status();
  return verifier_.Revoke(*jwt);
}

Result<TokenIntrospection> TokenService::Introspect(const security::Principal& caller,
                                                    std::string_view token) {
  const int64_t now = Now();
  TokenIntrospection inactive;
  if (StartsWith(token, kRefreshTokenPrefix)) {
    const std::string hash = security::Sha256(token);
    STRATA_ASSIGN_OR_RETURN(std::optional<meta::RefreshTokenRecord> record,
                            store_.identity().FindRefreshToken(hash));
    if (!record || !security::ConstantTimeEquals(record->hash, hash) || record->revoked_at != 0 ||
        record->used_at != 0 || record->expires_at <= now || !MayInspect(caller, record->subject)) {
      return inactive;
    }
    if (!resolver_.Resolve(record->subject).ok()) return inactive;
    TokenIntrospection out;
    out.active = true;
    out.token_type = "refresh_token";
    out.scope = record->scope;
    out.client_id = record->client_id;
    out.username = UsernameOf(record->subject);
    out.sub = record->subject;
    out.iss = issuer();
    out.exp = record->expires_at / 1'000'000;
    out.iat = record->created_at / 1'000'000;
    return out;
  }
  if (!security::LooksLikeJwt(token) || !verifier_.ClaimsOurIssuer(token)) return inactive;
  Result<security::VerifiedJwt> jwt = verifier_.VerifyToken(token);
  if (!jwt.ok()) {
    return jwt.status().code() == StatusCode::kUnauthenticated
               ? Result<TokenIntrospection>(inactive)
               : jwt.status();
  }
  if (!MayInspect(caller, jwt->sub) || !resolver_.Resolve(jwt->sub).ok()) return inactive;
  TokenIntrospection out;
  out.active = true;
  out.token_type = "Bearer";
  out.scope = jwt->scope;
  if (const json::Value* client_id = jwt->claims.Find("client_id");
      client_id != nullptr && client_id->is_string()) {
    out.client_id = client_id->string_value();
  }
  out.username = UsernameOf(jwt->sub);
  out.sub = jwt->sub;
  out.aud = jwt->aud.empty() ? std::string() : jwt->aud.front();
  out.iss = jwt->iss;
  out.jti = jwt->jti;
  out.exp = jwt->exp;
  out.iat = jwt->iat.value_or(0);
  out.nbf = jwt->nbf.value_or(0);
  return out;
}

}  // namespace strata::service
