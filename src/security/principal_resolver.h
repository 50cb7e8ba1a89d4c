// PrincipalResolver: builds the Principal of an account from the identity store — its
// groups and attributes, and the roles its grants (and its groups' grants) give it on every
// dataset and on single datasets. Authentication decides *who*; this decides *what they hold*.
// Thread safety: thread-safe (stateless over a thread-safe store).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "meta/meta_store.h"
#include "security/principal.h"

namespace strata::security {

class PrincipalResolver {
 public:
  // `store` must outlive the resolver.
  explicit PrincipalResolver(meta::MetaStore& store) : store_(store) {}

  // "user:<name>" or "service:<name>". NotFound when there is no such account (or the
  // reference names another kind), PermissionDenied when it is disabled.
  Result<Principal> Resolve(std::string_view ref);
  // A key made before users existed ("key:<id>"): the roles stored with it, plus grants
  // naming the key.
  Result<Principal> ResolveLegacyKey(const meta::ApiKeyRecord& key);
  // An identity vouched for by an external issuer: grants naming `ref` or one of `groups`.
  Result<Principal> ResolveExternal(std::string ref, std::vector<std::string> groups,
                                    std::map<std::string, std::string> attributes);

 private:
  Status AddGrants(Principal& principal);

  meta::MetaStore& store_;
};

}  // namespace strata::security
