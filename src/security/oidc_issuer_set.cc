#include "security/oidc_issuer_set.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "common/logging.h"
#include "common/time_util.h"
#include "security/bearer_token_chain.h"
#include "security/oidc_claims.h"

namespace strata::security {
namespace {

Status Invalid(std::string_view reason) {
  return Status::Unauthenticated(reason).WithProblemCode("invalid_token");
}

}  // namespace

Result<std::unique_ptr<OidcIssuerSet>> OidcIssuerSet::Create(std::vector<OidcIssuerConfig> issuers,
                                                             PrincipalResolver& resolver,
                                                             OidcIssuerSetOptions options) {
  std::unique_ptr<OidcIssuerSet> set(new OidcIssuerSet(resolver, std::move(options)));
  for (OidcIssuerConfig& config : issuers) {
    for (const std::unique_ptr<OidcIssuer>& other : set->issuers_) {
      if (other->config().name == config.name || other->config().issuer == config.issuer) {
        return Status::InvalidArgument("auth.oidc.issuers '" + config.name + "': option " +
                                       (other->config().name == config.name ? "name" : "issuer") +
                                       ": also used by '" + other->config().name + "'");
      }
    }
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<OidcIssuer> issuer,
                            OidcIssuer::Create(std::move(config), set->options_.fetch_url,
                                               set->options_.min_refetch_interval_seconds,
                                               set->options_.failed_fetch_retry_seconds));
    Status loaded = issuer->Refresh(set->Now());
    // A file is ours to get right; an unreachable URL may recover, so it only logs (Refresh
    // did) and the refresher and unknown-kid refetches try again.
    if (!loaded.ok() && issuer->config().jwks_url.empty()) return loaded;
    set->issuers_.push_back(std::move(issuer));
  }
  return set;
}

OidcIssuerSet::OidcIssuerSet(PrincipalResolver& resolver, OidcIssuerSetOptions options)
    : resolver_(resolver), options_(std::move(options)) {}

OidcIssuerSet::~OidcIssuerSet() { StopRefresher(); }

int64_t OidcIssuerSet::Now() const {
  return options_.now_seconds ? options_.now_seconds() : NowMicros() / 1'000'000;
}

OidcIssuer* OidcIssuerSet::ForIssuer(std::string_view iss) const {
  for (const std::unique_ptr<OidcIssuer>& issuer : issuers_) {
    if (issuer->config().issuer == iss) return issuer.get();
  }
  return nullptr;
}

bool OidcIssuerSet::Trusts(std::string_view iss) const { return ForIssuer(iss) != nullptr; }

OidcIssuer* OidcIssuerSet::FindForTest(std::string_view name) {
  for (const std::unique_ptr<OidcIssuer>& issuer : issuers_) {
    if (issuer->config().name == name) return issuer.get();
  }
  return nullptr;
}

Result<Principal> OidcIssuerSet::Verify(std::string_view token) {
  const std::optional<std::string> iss = UnverifiedIssuer(token);
  if (!iss.has_value()) return Invalid("token has no issuer (iss)");
  OidcIssuer* issuer = ForIssuer(*iss);
  if (issuer == nullptr)
    return NotMyToken();  // Perhaps the next verifier's (bearer_token_chain.h).
  STRATA_ASSIGN_OR_RETURN(VerifiedJwt verified, issuer->Verify(token, Now()));
  STRATA_ASSIGN_OR_RETURN(OidcIdentity identity, MapOidcClaims(issuer->config(), verified.claims));
  STRATA_ASSIGN_OR_RETURN(
      Principal principal,
      resolver_.ResolveExternal(std::move(identity.ref), std::move(identity.groups),
                                std::move(identity.attributes)));
  principal.credential = std::move(identity.credential);
  principal.scopes = std::move(identity.scopes);
  return principal;
}

void OidcIssuerSet::RefreshDue() {
  for (const std::unique_ptr<OidcIssuer>& issuer : issuers_) {
    if (issuer->config().jwks_url.empty()) continue;
    const int64_t now = Now();
    if (issuer->next_refresh_at() <= now) issuer->Refresh(now).IgnoreError();  // Logged.
  }
}

void OidcIssuerSet::StartRefresher() {
  const bool any_url = std::any_of(issuers_.begin(), issuers_.end(), [](const auto& issuer) {
    return !issuer->config().jwks_url.empty();
  });
  if (!any_url) return;
  {
    std::lock_guard lock(refresher_mu_);
    stopping_ = false;
  }
  refresher_ = std::thread([this] { RefresherLoop(); });
}

void OidcIssuerSet::StopRefresher() {
  {
    std::lock_guard lock(refresher_mu_);
    stopping_ = true;
  }
  refresher_cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

void OidcIssuerSet::RefresherLoop() {
  std::unique_lock lock(refresher_mu_);
  while (!stopping_) {
    int64_t next = std::numeric_limits<int64_t>::max();
    for (const std::unique_ptr<OidcIssuer>& issuer : issuers_) {
      if (!issuer->config().jwks_url.empty()) next = std::min(next, issuer->next_refresh_at());
    }
    const int64_t wait_seconds = std::clamp<int64_t>(next - Now(), 0, 3600);
    if (wait_seconds > 0) {
      refresher_cv_.wait_for(lock, std::chrono::seconds(wait_seconds),
                             [this] { return stopping_; });
      continue;  // Re-read the clock: the wait may end early or late.
    }
    lock.unlock();
    RefreshDue();
    lock.lock();
  }
}

}  // namespace strata::security
