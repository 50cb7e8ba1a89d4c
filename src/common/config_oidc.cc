// [[auth.oidc.issuers]]: reading one table into an OidcIssuerConfig, and its validation.
#include <algorithm>

#include "common/config.h"
#include "common/http_url.h"
#include "common/strings.h"

namespace strata {
namespace {

enum class Field { kString, kInt, kBool, kList };

struct FieldSpec {
  std::string_view name;
  Field kind;
};

constexpr FieldSpec kFields[] = {
    {"name", Field::kString},
    {"issuer", Field::kString},
    {"audiences", Field::kList},
    {"jwks_file", Field::kString},
    {"jwks_url", Field::kString},
    {"algorithms", Field::kList},
    {"types", Field::kList},
    {"leeway_seconds", Field::kInt},
    {"subject_claim", Field::kString},
    {"groups_claim", Field::kString},
    {"group_prefix", Field::kString},
    {"map_scope", Field::kBool},
    {"jwks_refresh_seconds", Field::kInt},
};
constexpr std::string_view kAttributePrefix = "attribute_claims.";

bool IsNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// [a-z0-9][a-z0-9_-]{0,31}
bool IsIssuerName(std::string_view name) {
  if (name.empty() || name.size() > 32 || !IsNameChar(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return IsNameChar(c) || c == '_' || c == '-'; });
}

// [A-Za-z_][A-Za-z0-9_]{0,63}: usable as $user.<name> in row policies.
bool IsAttributeName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!letter(name.front()) && name.front() != '_') return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return letter(c) || (c >= '0' && c <= '9') || c == '_'; });
}

std::string IssuerLabel(const OidcIssuerConfig& issuer) {
  return issuer.name.empty() ? std::string("auth.oidc.issuers (without name)")
                             : "auth.oidc.issuers '" + issuer.name + "'";
}

Status OptionError(const std::string& where, std::string_view option, std::string_view why) {
  return Status::InvalidArgument(where + ": option " + std::string(option) + ": " +
                                 std::string(why));
}

Status CheckAlgorithm(const std::string& where, std::string_view alg) {
  const std::string lower = ToLower(alg);
  if (lower == "none") {
    return OptionError(where, "algorithms",
                       "'none' is refused: unsigned tokens are never accepted");
  }
  if (StartsWith(lower, "hs")) {
    return OptionError(where, "algorithms",
                       "'" + std::string(alg) +
                           "' is refused: HMAC algorithms need a secret shared with the issuer "
                           "and would let a public key act as one (RFC 8725 §2.1); use RS256, "
                           "ES256 or EdDSA");
  }
  if (alg != "RS256" && alg != "ES256" && alg != "EdDSA") {
    return OptionError(where, "algorithms",
                       "'" + std::string(alg) + "' is not supported; use RS256, ES256 or EdDSA");
  }
  return Status();
}

}  // namespace

std::string EffectiveGroupPrefix(const OidcIssuerConfig& issuer) {
  return issuer.group_prefix.value_or(issuer.name + ":");
}

Status ApplyOidcIssuerTable(Config& config, const ConfigTable& table, const std::string& where) {
  OidcIssuerConfig issuer;
  std::string label = where;
  if (auto it = table.find("name"); it != table.end() && it->second.kind == OptionKind::kString) {
    label = "auth.oidc.issuers '" + it->second.text + "'";
  }
  std::vector<std::string_view> known;
  for (const FieldSpec& field : kFields) known.push_back(field.name);
  known.push_back("attribute_claims");
  for (const auto& [key, item] : table) {
    if (StartsWith(key, kAttributePrefix)) {
      if (item.kind != OptionKind::kString) {
        return OptionError(label, key, "expected a string (the claim name)");
      }
      issuer.attribute_claims[key.substr(kAttributePrefix.size())] = item.text;
      continue;
    }
    const FieldSpec* spec = nullptr;
    for (const FieldSpec& field : kFields) {
      if (field.name == key) spec = &field;
    }
    if (spec == nullptr) {
      return Status::InvalidArgument(label + ": unknown option '" + key + "'" +
                                     DidYouMean(key, known));
    }
    const bool type_ok = (spec->kind == Field::kString && item.kind == OptionKind::kString) ||
                         (spec->kind == Field::kInt && item.kind == OptionKind::kInt) ||
                         (spec->kind == Field::kBool && item.kind == OptionKind::kBool) ||
                         (spec->kind == Field::kList && item.kind == OptionKind::kStringList);
    if (!type_ok) {
      const char* expected = spec->kind == Field::kString ? "a string"
                             : spec->kind == Field::kInt  ? "an integer"
                             : spec->kind == Field::kBool ? "a boolean"
                                                          : "an array of strings";
      return OptionError(label, key, std::string("expected ") + expected);
    }
    if (key == "name") issuer.name = item.text;
    if (key == "issuer") issuer.issuer = item.text;
    if (key == "audiences") issuer.audiences = item.list;
    if (key == "jwks_file") issuer.jwks_file = item.text;
    if (key == "jwks_url") issuer.jwks_url = item.text;
    if (key == "algorithms") issuer.algorithms = item.list;
    if (key == "types") issuer.types = item.list;
    if (key == "leeway_seconds") issuer.leeway_seconds = item.int_value;
    if (key == "subject_claim") issuer.subject_claim = item.text;
    if (key == "groups_claim") issuer.groups_claim = item.text;
    if (key == "group_prefix") issuer.group_prefix = item.text;
    if (key == "map_scope") issuer.map_scope = item.bool_value;
    if (key == "jwks_refresh_seconds") issuer.jwks_refresh_seconds = item.int_value;
  }
  config.auth.oidc_issuers.push_back(std::move(issuer));
  return Status();
}

Status ValidateOidcIssuer(const OidcIssuerConfig& issuer) {
  const std::string where = IssuerLabel(issuer);
  if (!IsIssuerName(issuer.name)) {
    return OptionError(where, "name",
                       issuer.name.empty()
                           ? "required ([a-z0-9][a-z0-9_-]{0,31})"
                           : "expected [a-z0-9][a-z0-9_-]{0,31}, got '" + issuer.name + "'");
  }
  if (issuer.issuer.empty()) {
    return OptionError(where, "issuer", "required: the exact 'iss' of the issuer's tokens");
  }
  if (issuer.audiences.empty()) {
    return OptionError(where, "audiences", "required: at least one accepted 'aud'");
  }
  for (const std::string& audience : issuer.audiences) {
    if (audience.empty()) return OptionError(where, "audiences", "an audience is empty");
  }
  const bool has_file = !issuer.jwks_file.empty();
  const bool has_url = !issuer.jwks_url.empty();
  if (has_file == has_url) {
    return OptionError(
        where, has_file ? "jwks_file" : "jwks_url",
        has_file ? "set jwks_file or jwks_url, not both" : "required: set jwks_file or jwks_url");
  }
  if (has_url) {
    Result<HttpUrl> url = ParseFetchUrl(issuer.jwks_url);
    if (!url.ok()) return OptionError(where, "jwks_url", url.status().message());
  }
  if (issuer.jwks_refresh_seconds.has_value()) {
    if (!has_url) return OptionError(where, "jwks_refresh_seconds", "applies to jwks_url only");
    if (*issuer.jwks_refresh_seconds < 10 || *issuer.jwks_refresh_seconds > 604'800) {
      return OptionError(where, "jwks_refresh_seconds", "expected an integer in [10, 604800]");
    }
  }
  if (issuer.algorithms.empty()) {
    return OptionError(where, "algorithms", "list at least one of RS256, ES256, EdDSA");
  }
  for (const std::string& alg : issuer.algorithms) {
    STRATA_RETURN_IF_ERROR(CheckAlgorithm(where, alg));
  }
  if (issuer.types.empty()) {
    return OptionError(where, "types",
                       "list at least one accepted typ (\"\" admits tokens without typ)");
  }
  if (issuer.leeway_seconds < 0 || issuer.leeway_seconds > 60) {
    return OptionError(
        where, "leeway_seconds",
        "expected an integer in [0, 60], got " + std::to_string(issuer.leeway_seconds));
  }
  if (issuer.subject_claim.empty()) return OptionError(where, "subject_claim", "is empty");
  if (issuer.groups_claim.empty()) return OptionError(where, "groups_claim", "is empty");
  for (const auto& [attribute, claim] : issuer.attribute_claims) {
    if (!IsAttributeName(attribute)) {
      return OptionError(where, "attribute_claims." + attribute,
                         "attribute names are [A-Za-z_][A-Za-z0-9_]{0,63}");
    }
    if (claim.empty()) return OptionError(where, "attribute_claims." + attribute, "is empty");
  }
  return Status();
}

}  // namespace strata
