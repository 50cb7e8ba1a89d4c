// Principal: the authenticated caller that every service call takes.
// Thread safety: plain value.
#pragma once

#include <string>
#include <vector>

namespace strata::security {

struct Principal {
  // Reference used in owners, grants, logs and audit: "key:<id>", later "user:<name>".
  std::string ref;
  // Built-in or custom role names held on every dataset ("admin", "reader", ...).
  std::vector<std::string> roles;
};

}  // namespace strata::security
