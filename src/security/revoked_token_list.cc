#include "security/revoked_token_list.h"

#include <algorithm>
#include <climits>

#include "common/logging.h"

namespace strata::security {

Status RevokedTokenList::Revoke(std::string_view jti, int64_t expires_at_micros,
                                int64_t now_micros) {
  STRATA_RETURN_IF_ERROR(store_.identity().RevokeAccessToken(jti, expires_at_micros));
  std::lock_guard lock(mu_);
  int64_t& expiry = revoked_[std::string(jti)];
  expiry = std::max(expiry, expires_at_micros);
  // Housekeeping: the store forgets revocations of expired tokens.
  store_.identity()
      .DeleteExpiredAccessTokenRevocations(now_micros - kLeewayMicros)
      .status()
      .IgnoreError();
  return Status();
}

bool RevokedTokenList::IsRevoked(std::string_view jti, int64_t now_micros) {
  std::lock_guard lock(mu_);
  RefreshIfStale(now_micros);
  auto it = revoked_.find(std::string(jti));
  return it != revoked_.end() && it->second >= now_micros - kLeewayMicros;
}

void RevokedTokenList::RefreshIfStale(int64_t now_micros) {
  if (loaded_at_ != INT64_MIN && now_micros - loaded_at_ < kRefreshMicros) return;
  Result<std::vector<std::pair<std::string, int64_t>>> stored =
      store_.identity().ListRevokedAccessTokens(now_micros - kLeewayMicros);
  if (!stored.ok()) {
    STRATA_LOG(kWarn, "cannot re-read revoked access tokens; using the previous list")
        .Str("error", stored.status().ToString());
    return;  // loaded_at_ unchanged: the next lookup tries again.
  }
  std::unordered_map<std::string, int64_t> fresh;
  for (auto& [jti, expires_at] : *stored) fresh.emplace(std::move(jti), expires_at);
  // Keep this node's revocations even if a concurrent store write is not visible yet.
  for (const auto& [jti, expires_at] : revoked_) {
    if (expires_at >= now_micros - kLeewayMicros) fresh.emplace(jti, expires_at);
  }
  revoked_ = std::move(fresh);
  loaded_at_ = now_micros;
}

}  // namespace strata::security
