// Principal: the authenticated caller that every service call takes.
// Thread safety: plain value.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace strata::security {

struct Principal {
  // Reference used in owners, grants, policies, logs and audit: "user:<name>",
  // "service:<name>", "key:<id>" (a key acting on its own), "oidc:<issuer>:<sub>".
  std::string ref;
  // Roles held on every dataset ("admin", "reader", ...): grants on "*" and, for keys, the
  // roles stored with the key.
  std::vector<std::string> roles;
  // Groups the principal belongs to (grants and policies may name them as "group:<name>").
  std::vector<std::string> groups;
  // Attributes that row policies read as $user.<key> (e.g. region → "eu").
  std::map<std::string, std::string> attributes;
};

}  // namespace strata::security
