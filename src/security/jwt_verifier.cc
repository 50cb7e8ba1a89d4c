#include "security/jwt_verifier.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "common/strings.h"
#include "security/encoding.h"
#include "security/jwt.h"

namespace strata::security {
namespace {

Status Invalid(std::string_view reason) {
  return Status::Unauthenticated(reason).WithProblemCode("invalid_token");
}

// Media type comparison per RFC 7515 §4.1.9: case-insensitive, "application/" optional.
std::string NormaliseType(std::string_view typ) {
  std::string out = ToLower(typ);
  constexpr std::string_view kApplication = "application/";
  if (StartsWith(out, kApplication) && out.find('/', kApplication.size()) == std::string::npos) {
    out.erase(0, kApplication.size());
  }
  return out;
}

// A NumericDate (RFC 7519 §2): seconds, possibly fractional; nullopt for anything else.
std::optional<int64_t> NumericDate(const json::Value& value) {
  if (value.is_int64()) return value.int64_value();
  if (!value.is_number()) return std::nullopt;
  const double seconds = value.double_value();
  if (!std::isfinite(seconds) || std::fabs(seconds) > 4e18) return std::nullopt;
  return static_cast<int64_t>(std::floor(seconds));
}

// Reads optional string claim `name` into `out`.
Status StringClaim(const json::Value& claims, std::string_view name, std::string& out) {
  const json::Value* value = claims.Find(name);
  if (value == nullptr) return Status();
  if (!value->is_string()) return Invalid("claim '" + std::string(name) + "' must be a string");
  out = value->string_value();
  return Status();
}

// Reads optional NumericDate claim `name` into `out`.
Status DateClaim(const json::Value& claims, std::string_view name, std::optional<int64_t>& out) {
  const json::Value* value = claims.Find(name);
  if (value == nullptr) return Status();
  out = NumericDate(*value);
  if (!out.has_value()) return Invalid("claim '" + std::string(name) + "' must be a NumericDate");
  return Status();
}

Result<std::vector<std::string>> AudienceClaim(const json::Value& claims) {
  const json::Value* aud = claims.Find("aud");
  if (aud == nullptr) return Invalid("token has no audience (aud)");
  std::vector<std::string> out;
  if (aud->is_string()) {
    out.push_back(aud->string_value());
  } else if (aud->is_array()) {
    for (const json::Value& item : aud->items()) {
      if (!item.is_string()) return Invalid("claim 'aud' must be a string or strings");
      out.push_back(item.string_value());
    }
  } else {
    return Invalid("claim 'aud' must be a string or strings");
  }
  return out;
}

struct DecodedParts {
  std::string_view signing_input;  // "header.payload", what the signature covers.
  std::string header;
  std::string_view payload_b64;
  std::string signature;
};

Result<DecodedParts> SplitToken(std::string_view token) {
  if (token.size() > kMaxJwtBytes) return Invalid("token is too large");
  const size_t first_dot = token.find('.');
  const size_t second_dot =
      first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      token.find('.', second_dot + 1) != std::string_view::npos) {
    return Invalid("token is not a signed JWT (three base64url parts)");
  }
  DecodedParts parts;
  parts.signing_input = token.substr(0, second_dot);
  parts.payload_b64 = token.substr(first_dot + 1, second_dot - first_dot - 1);
  std::optional<std::string> header = Base64UrlDecodeStrict(token.substr(0, first_dot));
  if (!header.has_value() || header->empty()) return Invalid("token header is not base64url");
  const std::string_view signature_b64 = token.substr(second_dot + 1);
  if (signature_b64.empty()) return Invalid("token is unsigned");
  std::optional<std::string> signature = Base64UrlDecodeStrict(signature_b64);
  if (!signature.has_value()) return Invalid("token signature is not base64url");
  parts.header = std::move(*header);
  parts.signature = std::move(*signature);
  return parts;
}

}  // namespace

bool IsUnknownJwtKey(const Status& status) {
  return status.code() == StatusCode::kUnauthenticated && status.message() == kUnknownJwtKeyMessage;
}

std::optional<std::string> UnverifiedIssuer(std::string_view token) {
  if (token.size() > kMaxJwtBytes) return std::nullopt;
  const size_t first_dot = token.find('.');
  if (first_dot == std::string_view::npos) return std::nullopt;
  const size_t second_dot = token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      token.find('.', second_dot + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  std::optional<std::string> payload =
      Base64UrlDecodeStrict(token.substr(first_dot + 1, second_dot - first_dot - 1));
  if (!payload.has_value()) return std::nullopt;
  Result<json::Value> claims = json::Parse(*payload);
  if (!claims.ok() || !claims->is_object()) return std::nullopt;
  const json::Value* iss = claims->Find("iss");
  if (iss == nullptr || !iss->is_string()) return std::nullopt;
  return iss->string_value();
}

Result<JwtVerifier> JwtVerifier::Create(JwtVerifierOptions options) {
  if (options.issuer.empty()) return Status::InvalidArgument("JWT issuer must not be empty");
  if (options.audiences.empty()) {
    return Status::InvalidArgument("JWT verifier needs at least one audience");
  }
  if (options.leeway_seconds < 0 || options.leeway_seconds > 60) {
    return Status::InvalidArgument("JWT leeway must be between 0 and 60 seconds");
  }
  std::set<std::string_view> kids;
  for (const JwtPublicKey& key : options.keys) {
    if (!kids.insert(key.kid()).second) {
      return Status::InvalidArgument("JWT verifier keys must have distinct kids");
    }
  }
  return JwtVerifier(std::move(options));
}

JwtVerifier::JwtVerifier(JwtVerifierOptions options) : options_(std::move(options)) {
  for (const std::string& typ : options_.types) normalised_types_.push_back(NormaliseType(typ));
}

Result<VerifiedJwt> JwtVerifier::Verify(std::string_view token, int64_t now_unix_seconds) const {
  STRATA_ASSIGN_OR_RETURN(DecodedParts parts, SplitToken(token));

  // Header.
  Result<json::Value> header = json::Parse(parts.header, {.max_depth = 4});
  if (!header.ok() || !header->is_object()) return Invalid("token header is not a JSON object");
  const json::Value* alg_value = header->Find("alg");
  if (alg_value == nullptr || !alg_value->is_string()) return Invalid("token header has no alg");
  if (ToLower(alg_value->string_value()) == "none")
    return Invalid("unsigned tokens (alg none) are not accepted");
  const std::optional<JwtAlgorithm> alg = JwtAlgorithmFromName(alg_value->string_value());
  if (!alg.has_value()) return Invalid("token alg is not supported (ES256, EdDSA, RS256)");
  if (!options_.algorithms.empty() &&
      std::find(options_.algorithms.begin(), options_.algorithms.end(), *alg) ==
          options_.algorithms.end()) {
    return Invalid("token alg is not allowed for this issuer");
  }
  if (header->Find("crit") != nullptr) return Invalid("token header has unsupported crit");
  VerifiedJwt out;
  out.header.alg = *alg;
  if (const json::Value* typ = header->Find("typ"); typ != nullptr) {
    if (!typ->is_string()) return Invalid("token typ must be a string");
    out.header.typ = typ->string_value();
  }
  const std::string typ = NormaliseType(out.header.typ);
  const bool typ_ok = normalised_types_.empty()
                          ? out.header.typ.empty() || typ == "jwt"
                          : std::find(normalised_types_.begin(), normalised_types_.end(), typ) !=
                                normalised_types_.end();
  if (!typ_ok) return Invalid("token type (typ) is not accepted here");
  if (const json::Value* kid = header->Find("kid"); kid != nullptr) {
    if (!kid->is_string()) return Invalid("token kid must be a string");
    out.header.kid = kid->string_value();
  }

  // Key, algorithm, signature.
  const JwtPublicKey* key = nullptr;
  if (header->Find("kid") != nullptr) {
    for (const JwtPublicKey& candidate : options_.keys) {
      if (candidate.kid() == out.header.kid) key = &candidate;
    }
    if (key == nullptr) return Invalid(kUnknownJwtKeyMessage);
  } else if (options_.keys.size() == 1) {
    key = &options_.keys.front();
  } else if (options_.keys.empty()) {
    return Invalid(kUnknownJwtKeyMessage);
  } else {
    return Invalid("token has no kid");
  }
  if (key->alg() != *alg) return Invalid("token alg does not match its key");
  if (!key->VerifySignature(parts.signing_input, parts.signature)) {
    return Invalid("token signature is invalid");
  }

  // Claims, trusted only now that the signature holds.
  std::optional<std::string> payload = Base64UrlDecodeStrict(parts.payload_b64);
  if (!payload.has_value()) return Invalid("token payload is not base64url");
  Result<json::Value> claims = json::Parse(*payload);
  if (!claims.ok() || !claims->is_object()) return Invalid("token claims are not a JSON object");
  out.claims = std::move(claims).value();
  const json::Value& c = out.claims;

  STRATA_RETURN_IF_ERROR(StringClaim(c, "iss", out.iss));
  if (c.Find("iss") == nullptr || out.iss != options_.issuer) {
    return Invalid("token issuer (iss) is not trusted here");
  }
  STRATA_ASSIGN_OR_RETURN(out.aud, AudienceClaim(c));
  const bool aud_ok = std::any_of(out.aud.begin(), out.aud.end(), [&](const std::string& aud) {
    return std::find(options_.audiences.begin(), options_.audiences.end(), aud) !=
           options_.audiences.end();
  });
  if (!aud_ok) return Invalid("token audience (aud) does not include this service");

  std::optional<int64_t> exp;
  STRATA_RETURN_IF_ERROR(DateClaim(c, "exp", exp));
  if (!exp.has_value()) return Invalid("token has no expiry (exp)");
  out.exp = *exp;
  STRATA_RETURN_IF_ERROR(DateClaim(c, "nbf", out.nbf));
  STRATA_RETURN_IF_ERROR(DateClaim(c, "iat", out.iat));
  const int64_t leeway = options_.leeway_seconds;
  if (now_unix_seconds - leeway >= out.exp) return Invalid("token has expired");
  if (out.nbf.has_value() && *out.nbf > now_unix_seconds + leeway) {
    return Invalid("token is not valid yet (nbf)");
  }
  if (out.iat.has_value() && *out.iat > now_unix_seconds + leeway) {
    return Invalid("token was issued in the future (iat)");
  }

  STRATA_RETURN_IF_ERROR(StringClaim(c, "sub", out.sub));
  STRATA_RETURN_IF_ERROR(StringClaim(c, "jti", out.jti));
  STRATA_RETURN_IF_ERROR(StringClaim(c, "scope", out.scope));
  for (const std::string& name : options_.required_claims) {
    const json::Value* value = c.Find(name);
    if (value == nullptr || value->is_null()) {
      return Invalid("token lacks a required claim '" + name + "'");
    }
  }
  return out;
}

}  // namespace strata::security
