// OidcIssuerSet: the BearerTokenVerifier for JWTs of external OpenID Connect issuers
// (docs/security.md "External identity providers (OIDC)").
//
// Verify(token): picks the issuer whose configured `issuer` equals the token's unverified
// "iss" (UnverifiedIssuer), runs that issuer's full verification (signature with its keys,
// exact iss, aud, exp/nbf/iat with its leeway, typ, algorithm allow-list), maps the claims
// (oidc_claims.h) and resolves the grants of "oidc:<name>:<sub>" and of its groups.
// A token of no configured issuer fails with "token issuer is not trusted".
//
// Chaining with other verifiers (our own access tokens): route by UnverifiedIssuer(token);
// Trusts(iss) says whether this set owns an issuer.
//
// Keys: loaded at Create (a jwks_file that cannot be loaded fails Create; a jwks_url that
// cannot be fetched is logged and retried), refreshed by the background thread of
// StartRefresher() every jwks_refresh_seconds, and refetched on an unknown kid (oidc_issuer.h).
//
// Thread safety: Verify() and Trusts() are thread-safe. StartRefresher/StopRefresher are
// called by the owner only; the destructor stops the refresher.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/config.h"
#include "common/result.h"
#include "security/authenticator.h"
#include "security/oidc_issuer.h"
#include "security/principal.h"
#include "security/principal_resolver.h"

namespace strata::security {

struct OidcIssuerSetOptions {
  // Fetches jwks_url documents. REQUIRED when an issuer has a jwks_url (the server passes an
  // HTTP GET with a 5 s timeout and a 1 MiB cap; tests pass a fake).
  JwksFetcher fetch_url;
  // Unix seconds now. Default (empty): the wall clock.
  std::function<int64_t()> now_seconds;
  // Least time between two unknown-kid refetches of one issuer. Default: 30.
  int64_t min_refetch_interval_seconds = 30;
  // After a failed periodic fetch, the next one comes this much later. Default: 30.
  int64_t failed_fetch_retry_seconds = 30;
};

class OidcIssuerSet final : public BearerTokenVerifier {
 public:
  // InvalidArgument for an invalid issuer (see ValidateOidcIssuer), two issuers with the same
  // name or iss, or a jwks_file that cannot be loaded into at least one usable key. The error
  // names the issuer and the option. `resolver` must outlive the set.
  static Result<std::unique_ptr<OidcIssuerSet>> Create(std::vector<OidcIssuerConfig> issuers,
                                                       PrincipalResolver& resolver,
                                                       OidcIssuerSetOptions options);
  ~OidcIssuerSet() override;

  Result<Principal> Verify(std::string_view token) override;

  // True iff one of the issuers has exactly this "iss".
  bool Trusts(std::string_view iss) const;

  // Starts the thread that refreshes jwks_url issuers when due (none when there is no
  // jwks_url issuer). REQUIRES: not running.
  void StartRefresher();
  // Stops it; a fetch in flight finishes first (bounded by the fetcher's timeout).
  void StopRefresher();
  // Refreshes every jwks_url issuer whose next_refresh_at() has come; what the refresher
  // thread runs. Failures are logged and keep the previous keys.
  void RefreshDue();

  // The issuer with this name, or null (tests, diagnostics).
  OidcIssuer* FindForTest(std::string_view name);

 private:
  OidcIssuerSet(PrincipalResolver& resolver, OidcIssuerSetOptions options);
  int64_t Now() const;
  OidcIssuer* ForIssuer(std::string_view iss) const;
  void RefresherLoop();

  PrincipalResolver& resolver_;
  const OidcIssuerSetOptions options_;
  std::vector<std::unique_ptr<OidcIssuer>> issuers_;  // Immutable after Create.

  std::mutex refresher_mu_;
  std::condition_variable refresher_cv_;
  bool stopping_ = false;  // Guarded by refresher_mu_.
  std::thread refresher_;
};

}  // namespace strata::security
