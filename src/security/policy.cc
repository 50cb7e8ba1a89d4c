#include "security/policy.h"

#include <algorithm>

namespace strata::security {
namespace {

constexpr std::string_view kPatternKinds[] = {"user", "group", "role", "key", "service", "oidc"};

int Rank(FieldPolicyAction action) { return static_cast<int>(action); }

bool Contains(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

std::string_view FieldPolicyActionName(FieldPolicyAction action) {
  switch (action) {
    case FieldPolicyAction::kTokenize: return "tokenize";
    case FieldPolicyAction::kHash: return "hash";
    case FieldPolicyAction::kMask: return "mask";
    case FieldPolicyAction::kNull: return "null";
    case FieldPolicyAction::kDeny: return "deny";
  }
  return "deny";
}

const std::vector<std::string_view>& FieldPolicyActionNames() {
  static const std::vector<std::string_view> names = {"deny", "mask", "hash", "tokenize", "null"};
  return names;
}

std::optional<FieldPolicyAction> ParseFieldPolicyAction(std::string_view name) {
  for (FieldPolicyAction action :
       {FieldPolicyAction::kTokenize, FieldPolicyAction::kHash, FieldPolicyAction::kMask,
        FieldPolicyAction::kNull, FieldPolicyAction::kDeny}) {
    if (FieldPolicyActionName(action) == name) return action;
  }
  return std::nullopt;
}

FieldPolicyAction Stricter(FieldPolicyAction a, FieldPolicyAction b) {
  return Rank(a) >= Rank(b) ? a : b;
}

bool PatternMatches(std::string_view pattern, const PolicySubject& subject) {
  if (pattern == "*") return true;
  if (pattern.starts_with("group:")) return Contains(subject.groups, pattern.substr(6));
  if (pattern.starts_with("role:")) return Contains(subject.roles, pattern.substr(5));
  return !subject.ref.empty() && pattern == subject.ref;
}

bool PolicyApplies(const std::vector<std::string>& applies_to,
                   const std::vector<std::string>& except, const PolicySubject& subject) {
  bool named = false;
  for (const std::string& pattern : applies_to) named = named || PatternMatches(pattern, subject);
  if (!named) return false;
  for (const std::string& pattern : except) {
    if (PatternMatches(pattern, subject)) return false;
  }
  return true;
}

bool IsValidPrincipalPattern(std::string_view pattern, bool allow_everyone, std::string& error) {
  if (pattern == "*") {
    if (allow_everyone) return true;
    error = "'*' cannot be an exception (it would exempt everyone)";
    return false;
  }
  if (pattern.size() > kMaxPrincipalPatternBytes) {
    error = "longer than " + std::to_string(kMaxPrincipalPatternBytes) + " bytes";
    return false;
  }
  const size_t colon = pattern.find(':');
  const std::string_view kind = colon == std::string_view::npos ? "" : pattern.substr(0, colon);
  const bool known_kind = std::find(std::begin(kPatternKinds), std::end(kPatternKinds), kind) !=
                          std::end(kPatternKinds);
  if (!known_kind || colon + 1 == pattern.size()) {
    error =
        "expected '*', 'user:<name>', 'group:<name>', 'role:<name>', 'key:<id>' or "
        "'service:<name>', got '" +
        std::string(pattern) + "'";
    return false;
  }
  for (char c : pattern) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      error = "must not contain spaces or control characters";
      return false;
    }
  }
  return true;
}

}  // namespace strata::security
