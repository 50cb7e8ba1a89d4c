#include "security/access_token_verifier.h"

#include <climits>

#include "common/json.h"
#include "common/time_util.h"
#include "security/bearer_token_chain.h"
#include "security/encoding.h"
#include "security/jwt.h"

namespace strata::security {
namespace {

Status Invalid(std::string_view why) {
  return Status::Unauthenticated(why).WithProblemCode("invalid_token");
}

std::vector<std::string> SplitScope(std::string_view scope) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < scope.size()) {
    size_t space = scope.find(' ', start);
    if (space == std::string_view::npos) space = scope.size();
    if (space > start) out.emplace_back(scope.substr(start, space - start));
    start = space + 1;
  }
  return out;
}

}  // namespace

AccessTokenVerifier::AccessTokenVerifier(KeyRingStore& keys, RevokedTokenList& revoked,
                                         meta::MetaStore& store, const Authorizer& authorizer,
                                         AccessTokenOptions options)
    : keys_(keys),
      revoked_(revoked),
      resolver_(store),
      authorizer_(authorizer),
      options_(std::move(options)) {}

int64_t AccessTokenVerifier::Now() const { return options_.clock ? options_.clock() : NowMicros(); }

bool AccessTokenVerifier::ClaimsOurIssuer(std::string_view token) const {
  if (token.size() > kMaxJwtBytes) return true;
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return true;
  std::optional<std::string> payload =
      Base64UrlDecodeStrict(token.substr(first + 1, second - first - 1));
  if (!payload) return true;
  Result<json::Value> claims = json::Parse(*payload);
  if (!claims.ok() || !claims->is_object()) return true;
  const json::Value* iss = claims->Find("iss");
  if (iss == nullptr || !iss->is_string()) return true;
  return iss->string_value() == options_.issuer;
}

Result<std::shared_ptr<const JwtVerifier>> AccessTokenVerifier::VerifierForKeys() {
  std::shared_ptr<const KeyRingStore::Snapshot> ring = keys_.Current();
  std::lock_guard lock(mu_);
  if (verifier_ && verifier_generation_ == ring->generation) return verifier_;
  JwtVerifierOptions jwt_options;
  jwt_options.keys = ring->ring.VerificationKeys();
  jwt_options.issuer = options_.issuer;
  jwt_options.audiences = {options_.audience};
  jwt_options.types = {std::string(kAccessTokenType)};
  jwt_options.leeway_seconds = options_.leeway_seconds;
  jwt_options.required_claims = {"sub", "client_id", "iat", "jti"};
  STRATA_ASSIGN_OR_RETURN(JwtVerifier verifier, JwtVerifier::Create(std::move(jwt_options)));
  verifier_ = std::make_shared<const JwtVerifier>(std::move(verifier));
  verifier_generation_ = ring->generation;
  return verifier_;
}

Result<VerifiedJwt> AccessTokenVerifier::VerifyToken(std::string_view token, bool check_revoked) {
  const int64_t now = Now();
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const JwtVerifier> verifier, VerifierForKeys());
  Result<VerifiedJwt> verified = verifier->Verify(token, now / 1'000'000);
  if (!verified.ok() && IsUnknownJwtKey(verified.status())) {
    bool reload = false;
    {
      std::lock_guard lock(mu_);
      if (last_key_reload_ == INT64_MIN || now - last_key_reload_ >= kKeyReloadIntervalMicros) {
        last_key_reload_ = now;
        reload = true;
      }
    }
    if (reload && keys_.Reload().ok()) {
      STRATA_ASSIGN_OR_RETURN(verifier, VerifierForKeys());
      verified = verifier->Verify(token, now / 1'000'000);
    }
  }
  if (!verified.ok()) return verified.status();
  if (verified->jti.empty()) return Invalid("token has an empty jti");
  if (check_revoked && revoked_.IsRevoked(verified->jti, now)) {
    return Invalid("token has been revoked");
  }
  return verified;
}

Status AccessTokenVerifier::Revoke(const VerifiedJwt& jwt) {
  const int64_t now = Now();
  STRATA_RETURN_IF_ERROR(revoked_.Revoke(jwt.jti, jwt.exp * 1'000'000, now));
  std::lock_guard lock(mu_);
  cache_.erase(jwt.jti);
  return Status();
}

Result<Principal> AccessTokenVerifier::Verify(std::string_view token) {
  if (!ClaimsOurIssuer(token)) return NotMyToken();
  STRATA_ASSIGN_OR_RETURN(VerifiedJwt jwt, VerifyToken(token));
  const int64_t now = Now();
  const uint64_t generation = authorizer_.identity_generation();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(jwt.jti);
    if (it != cache_.end() && it->second.cached_until > now &&
        it->second.generation == generation) {
      return it->second.principal;
    }
  }
  Result<Principal> resolved = resolver_.Resolve(jwt.sub);
  if (!resolved.ok()) {
    if (resolved.status().code() == StatusCode::kNotFound ||
        resolved.status().code() == StatusCode::kPermissionDenied) {
      return Invalid("the token's account is disabled or no longer exists");
    }
    return resolved.status();
  }
  Principal principal = std::move(resolved).value();
  if (jwt.claims.Find("scope") != nullptr) principal.scopes = SplitScope(jwt.scope);
  principal.credential = "token:" + jwt.jti;
  std::lock_guard lock(mu_);
  if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  cache_[jwt.jti] = CacheEntry{principal, now + kCacheTtlMicros, generation};
  return principal;
}

}  // namespace strata::security
