#include "security/oidc_claims.h"

#include <algorithm>
#include <charconv>

namespace strata::security {
namespace {

Status Invalid(std::string_view reason) {
  return Status::Unauthenticated(reason).WithProblemCode("invalid_token");
}

bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7f;
  });
}

// A JSON pointer reference token with ~1 and ~0 undone.
std::string UnescapePointerToken(std::string_view token) {
  std::string out;
  for (size_t char_idx = 0; char_idx < token.size(); ++char_idx) {
    if (token[char_idx] == '~' && char_idx + 1 < token.size() &&
        (token[char_idx + 1] == '0' || token[char_idx + 1] == '1')) {
      out.push_back(token[char_idx + 1] == '0' ? '~' : '/');
      ++char_idx;
    } else {
      out.push_back(token[char_idx]);
    }
  }
  return out;
}

std::optional<std::string> ScalarText(const json::Value& value) {
  if (value.is_string()) return value.string_value();
  if (value.is_bool()) return std::string(value.bool_value() ? "true" : "false");
  if (value.type() == json::Type::kUint64) return std::to_string(value.uint64_value());
  if (value.is_int64()) return std::to_string(value.int64_value());
  if (value.is_number()) {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value.double_value());
    if (ec != std::errc()) return std::nullopt;
    return std::string(buffer, end);
  }
  return std::nullopt;
}

// Space-separated scope tokens.
void SplitScope(std::string_view text, std::vector<std::string>& out) {
  while (!text.empty()) {
    const size_t space = text.find(' ');
    const std::string_view token = text.substr(0, space);
    if (!token.empty()) out.emplace_back(token);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
  }
}

Result<std::vector<std::string>> ScopesOf(const json::Value& claims) {
  std::vector<std::string> scopes;
  if (const json::Value* scope = claims.Find("scope"); scope != nullptr) {
    if (!scope->is_string()) return Invalid("claim 'scope' must be a string");
    SplitScope(scope->string_value(), scopes);
    return scopes;
  }
  if (const json::Value* scp = claims.Find("scp"); scp != nullptr) {
    if (scp->is_string()) {
      SplitScope(scp->string_value(), scopes);
    } else if (scp->is_array()) {
      for (const json::Value& item : scp->items()) {
        if (!item.is_string()) return Invalid("claim 'scp' must be a string or strings");
        SplitScope(item.string_value(), scopes);
      }
    } else {
      return Invalid("claim 'scp' must be a string or strings");
    }
  }
  return scopes;
}

Result<std::vector<std::string>> GroupsOf(const OidcIssuerConfig& issuer,
                                          const json::Value& claims) {
  std::vector<std::string> names;
  const json::Value* claim = FindClaim(claims, issuer.groups_claim);
  const std::string malformed = "the groups claim must be a string or an array of strings";
  if (claim == nullptr || claim->is_null()) return names;
  if (claim->is_string()) {
    names.push_back(claim->string_value());
  } else if (claim->is_array()) {
    if (claim->items().size() > kMaxOidcGroups) return Invalid("the token names too many groups");
    for (const json::Value& item : claim->items()) {
      if (!item.is_string()) return Invalid(malformed);
      names.push_back(item.string_value());
    }
  } else {
    return Invalid(malformed);
  }
  const std::string prefix = EffectiveGroupPrefix(issuer);
  std::vector<std::string> groups;
  for (const std::string& name : names) {
    if (name.empty()) continue;
    if (name.size() > kMaxOidcGroupBytes || HasControlCharacter(name)) {
      return Invalid("a group in the token is too long or holds control characters");
    }
    std::string group = prefix + name;
    if (std::find(groups.begin(), groups.end(), group) == groups.end()) {
      groups.push_back(std::move(group));
    }
  }
  return groups;
}

}  // namespace

const json::Value* FindClaim(const json::Value& claims, std::string_view name) {
  if (name.empty() || name.front() != '/') return claims.Find(name);
  const json::Value* node = &claims;
  std::string_view rest = name.substr(1);
  while (node != nullptr) {
    const size_t slash = rest.find('/');
    const std::string token = UnescapePointerToken(rest.substr(0, slash));
    if (node->is_object()) {
      node = node->Find(token);
    } else if (node->is_array()) {
      size_t index = 0;
      auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
      const bool ok = ec == std::errc() && ptr == token.data() + token.size() && !token.empty() &&
                      (token == "0" || token.front() != '0') && index < node->items().size();
      node = ok ? &node->items()[index] : nullptr;
    } else {
      node = nullptr;
    }
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return node;
}

Result<OidcIdentity> MapOidcClaims(const OidcIssuerConfig& issuer, const json::Value& claims) {
  OidcIdentity identity;
  const json::Value* subject = FindClaim(claims, issuer.subject_claim);
  if (subject == nullptr || !subject->is_string() || subject->string_value().empty()) {
    return Invalid("the token's subject claim is missing or not a string");
  }
  const std::string& sub = subject->string_value();
  if (sub.size() > kMaxOidcSubjectBytes || HasControlCharacter(sub)) {
    return Invalid("the token's subject is too long or holds control characters");
  }
  identity.ref = "oidc:" + issuer.name + ":" + sub;
  STRATA_ASSIGN_OR_RETURN(identity.groups, GroupsOf(issuer, claims));
  for (const auto& [attribute, claim_name] : issuer.attribute_claims) {
    const json::Value* claim = FindClaim(claims, claim_name);
    if (claim == nullptr) continue;
    if (std::optional<std::string> text = ScalarText(*claim); text.has_value()) {
      identity.attributes[attribute] = std::move(*text);
    }
  }
  const json::Value* jti = claims.Find("jti");
  const bool has_jti = jti != nullptr && jti->is_string() && !jti->string_value().empty() &&
                       jti->string_value().size() <= kMaxOidcSubjectBytes &&
                       !HasControlCharacter(jti->string_value());
  identity.credential = "oidc:" + issuer.name + ":" + (has_jti ? jti->string_value() : sub);
  if (issuer.map_scope) {
    STRATA_ASSIGN_OR_RETURN(identity.scopes, ScopesOf(claims));
  }
  return identity;
}

}  // namespace strata::security
