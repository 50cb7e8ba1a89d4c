// BearerTokenChain: several BearerTokenVerifiers behind the Authenticator's one slot, e.g.
// this server's own access tokens (access_token_verifier.h) and external OIDC issuers.
//
// Protocol: a verifier that sees a token of another issuer (its "iss" is not one it
// serves) answers NotMyToken() without checking anything else; the chain then asks the next
// verifier. The first answer that is not NotMyToken() — a principal or a refusal — is final.
// When every verifier declined, the answer is invalid_token "the token's issuer is not
// trusted". NotMyToken() is itself an invalid_token refusal, so a verifier installed without
// a chain still answers correctly.
// Thread safety: Add() before requests arrive; Verify() from any thread.
#pragma once

#include <string_view>
#include <vector>

#include "common/result.h"
#include "security/authenticator.h"
#include "security/principal.h"

namespace strata::security {

// The refusal of a token that belongs to another issuer.
Status NotMyToken();
// True iff `status` is NotMyToken().
bool IsNotMyToken(const Status& status);

class BearerTokenChain final : public BearerTokenVerifier {
 public:
  // REQUIRES: `verifier` outlives the chain.
  void Add(BearerTokenVerifier* verifier) { verifiers_.push_back(verifier); }

  Result<Principal> Verify(std::string_view token) override;

 private:
  std::vector<BearerTokenVerifier*> verifiers_;
};

}  // namespace strata::security
