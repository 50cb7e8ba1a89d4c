#include "security/bearer_token_chain.h"

namespace strata::security {
namespace {

constexpr std::string_view kNotMyTokenMessage = "the token's issuer is not trusted";

}  // namespace

Status NotMyToken() {
  return Status::Unauthenticated(kNotMyTokenMessage).WithProblemCode("invalid_token");
}

bool IsNotMyToken(const Status& status) {
  return status.code() == StatusCode::kUnauthenticated && status.message() == kNotMyTokenMessage;
}

Result<Principal> BearerTokenChain::Verify(std::string_view token) {
  for (BearerTokenVerifier* verifier : verifiers_) {
    Result<Principal> result = verifier->Verify(token);
    if (result.ok() || !IsNotMyToken(result.status())) return result;
  }
  return NotMyToken();
}

}  // namespace strata::security
