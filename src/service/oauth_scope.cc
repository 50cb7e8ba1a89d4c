#include "service/oauth_scope.h"

#include <algorithm>
#include <set>

namespace strata::service {
namespace {

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

Status InvalidScope(std::string_view detail) {
  return Status::InvalidArgument(detail).WithProblemCode("invalid_scope");
}

}  // namespace

Result<std::vector<std::string>> ParseScope(std::string_view text) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start < text.size()) {
    size_t space = text.find(' ', start);
    if (space == std::string_view::npos) space = text.size();
    const std::string_view name = text.substr(start, space - start);
    start = space + 1;
    if (name.empty()) continue;
    if (!security::ParsePermission(name)) {
      std::string shown(name.substr(0, 64));
      for (char& c : shown) {
        if (c < 0x21 || c > 0x7e) c = '?';
      }
      return InvalidScope("unknown scope '" + shown +
                          "': scopes are permission names such as datasets:read");
    }
    if (!Contains(names, name)) names.emplace_back(name);
  }
  return names;
}

std::string JoinScope(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ' ';
    out += name;
  }
  return out;
}

std::vector<std::string> HeldPermissions(const security::Principal& principal,
                                         const security::Authorizer& authorizer) {
  std::set<security::Permission> held;
  auto add_role = [&](const std::string& role) {
    std::optional<std::vector<security::Permission>> permissions = authorizer.PermissionsOf(role);
    if (permissions) held.insert(permissions->begin(), permissions->end());
  };
  for (const std::string& role : principal.roles) add_role(role);
  for (const auto& [dataset, roles] : principal.dataset_roles) {
    for (const std::string& role : roles) add_role(role);
  }
  std::vector<std::string> names;
  const bool admin = held.count(security::Permission::kAdmin) > 0;
  for (security::Permission permission : security::AllPermissions()) {
    if (admin || held.count(permission) > 0) {
      names.emplace_back(security::PermissionName(permission));
    }
  }
  return names;
}

Result<std::optional<std::vector<std::string>>> GrantScope(
    const std::optional<std::vector<std::string>>& requested,
    const std::optional<std::vector<std::string>>& ceiling, const std::vector<std::string>& held) {
  if (!requested) return ceiling;
  for (const std::string& name : *requested) {
    if (ceiling && !Contains(*ceiling, name) && !Contains(*ceiling, "admin")) {
      return InvalidScope("scope '" + name + "' exceeds the scope originally granted");
    }
    if (!Contains(held, name)) {
      return InvalidScope("scope '" + name + "' is not a permission the account holds");
    }
  }
  return requested;
}

}  // namespace strata::service
