// Principal: the authenticated caller that every service call takes.
// Thread safety: plain value.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::security {

struct Principal {
  // Reference used in owners, grants, policies, logs and audit: "user:<name>",
  // "service:<name>", "key:<id>" (a key made before users existed, acting on its own),
  // "oidc:<issuer name>:<sub>" (an external OIDC identity, security/oidc_claims.h).
  std::string ref;
  // Roles held on every dataset ("admin", "reader", ...): grants on "*" to the principal or
  // its groups, and for "key:<id>" principals the roles stored with the key.
  std::vector<std::string> roles;
  // Groups the principal belongs to (grants and policies may name them as "group:<name>").
  std::vector<std::string> groups = {};
  // Attributes that row policies read as $user.<key> (e.g. region → "eu").
  std::map<std::string, std::string> attributes = {};
  // Roles granted on single datasets, by dataset id.
  std::map<std::string, std::vector<std::string>, std::less<>> dataset_roles = {};
  // What the credential narrows the principal to: permission names (API key scopes, token
  // `scope`); nullopt = everything the principal holds.
  std::optional<std::vector<std::string>> scopes = std::nullopt;
  // Datasets the credential is limited to; empty = no limit.
  std::vector<std::string> scope_datasets = {};
  // The credential used, for the audit log: "key:<id>", "token:<jti>", "" for none.
  std::string credential = {};
};

// The roles `principal` holds on `dataset`: those on every dataset, then those granted on it.
std::vector<std::string> RolesOn(const Principal& principal, std::string_view dataset);

// A principal that holds `roles` on `dataset` only: how work started by `ref` (async jobs,
// uploads) acts later with the access its creator had on that dataset.
Principal ActingOn(std::string ref, std::string_view dataset, std::vector<std::string> roles);

}  // namespace strata::security
