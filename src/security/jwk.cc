#include "security/jwk.h"

#include <set>

#include "common/strings.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "security/jws_crypto.h"

namespace strata::security {
namespace {

constexpr std::string_view kPrivateMembers[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

// The decoded base64url member `name` of `jwk`.
Result<std::string> BytesMember(const json::Value& jwk, std::string_view name) {
  const json::Value* member = jwk.Find(name);
  if (member == nullptr || !member->is_string()) {
    return Status::InvalidArgument("JWK member '" + std::string(name) + "' is missing");
  }
  std::optional<std::string> bytes = Base64UrlDecodeStrict(member->string_value());
  if (!bytes.has_value()) {
    return Status::InvalidArgument("JWK member '" + std::string(name) +
                                   "' is not unpadded base64url");
  }
  return std::move(*bytes);
}

// The value of string member `name`, nullopt when absent; an error when not a string.
Result<std::optional<std::string>> OptionalString(const json::Value& jwk, std::string_view name) {
  const json::Value* member = jwk.Find(name);
  if (member == nullptr) return std::optional<std::string>();
  if (!member->is_string()) {
    return Status::InvalidArgument("JWK member '" + std::string(name) + "' must be a string");
  }
  return std::optional<std::string>(member->string_value());
}

Status CheckUse(const json::Value& jwk) {
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> use, OptionalString(jwk, "use"));
  if (use.has_value() && *use != "sig") {
    return Status::InvalidArgument("key is not for signatures (use)");
  }
  if (const json::Value* ops = jwk.Find("key_ops"); ops != nullptr) {
    bool verify = false;
    if (ops->is_array()) {
      for (const json::Value& op : ops->items()) {
        verify = verify || (op.is_string() && op.string_value() == "verify");
      }
    }
    if (!verify) return Status::InvalidArgument("key is not for verification (key_ops)");
  }
  for (std::string_view name : kPrivateMembers) {
    if (jwk.Find(name) != nullptr) {
      return Status::InvalidArgument("JWK contains private key material");
    }
  }
  return Status();
}

// The algorithm a key of `kty` is used with, by the rule FromJwk documents.
Result<JwtAlgorithm> ChooseAlgorithm(const json::Value& jwk, std::string_view kty,
                                     std::optional<JwtAlgorithm> configured_alg) {
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> alg_name, OptionalString(jwk, "alg"));
  std::optional<JwtAlgorithm> alg = configured_alg;
  if (alg_name.has_value()) {
    alg = JwtAlgorithmFromName(*alg_name);
    if (!alg.has_value()) return Status::InvalidArgument("unsupported alg");
    if (configured_alg.has_value() && *configured_alg != *alg) {
      return Status::InvalidArgument("alg differs from the configured algorithm");
    }
  }
  if (!alg.has_value()) {
    if (kty == "EC") alg = JwtAlgorithm::kES256;
    if (kty == "OKP") alg = JwtAlgorithm::kEdDSA;
    if (kty == "RSA") return Status::InvalidArgument("RSA key without alg");
  }
  const std::string_view expected_kty = *alg == JwtAlgorithm::kES256   ? "EC"
                                        : *alg == JwtAlgorithm::kEdDSA ? "OKP"
                                                                       : "RSA";
  if (kty != expected_kty) return Status::InvalidArgument("alg does not fit the key type");
  return *alg;
}

Status CheckCurve(const json::Value& jwk, std::string_view expected) {
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> crv, OptionalString(jwk, "crv"));
  if (crv != expected) return Status::InvalidArgument("unsupported crv");
  return Status();
}

}  // namespace

std::string_view JwtAlgorithmName(JwtAlgorithm alg) {
  switch (alg) {
    case JwtAlgorithm::kES256: return "ES256";
    case JwtAlgorithm::kEdDSA: return "EdDSA";
    case JwtAlgorithm::kRS256: return "RS256";
  }
  return "";
}

std::optional<JwtAlgorithm> JwtAlgorithmFromName(std::string_view name) {
  if (name == "ES256") return JwtAlgorithm::kES256;
  if (name == "EdDSA") return JwtAlgorithm::kEdDSA;
  if (name == "RS256") return JwtAlgorithm::kRS256;
  return std::nullopt;
}

Result<JwtPublicKey> JwtPublicKey::FromJwk(const json::Value& jwk,
                                           std::optional<JwtAlgorithm> configured_alg) {
  if (!jwk.is_object()) return Status::InvalidArgument("JWK must be a JSON object");
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> kty, OptionalString(jwk, "kty"));
  if (!kty.has_value()) return Status::InvalidArgument("JWK has no kty");
  if (*kty != "EC" && *kty != "OKP" && *kty != "RSA") {
    return Status::InvalidArgument("unsupported kty");
  }
  STRATA_RETURN_IF_ERROR(CheckUse(jwk));
  JwtPublicKey key;
  STRATA_ASSIGN_OR_RETURN(key.alg_, ChooseAlgorithm(jwk, *kty, configured_alg));
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> kid, OptionalString(jwk, "kid"));
  key.kid_ = kid.value_or("");
  switch (key.alg_) {
    case JwtAlgorithm::kES256: {
      STRATA_RETURN_IF_ERROR(CheckCurve(jwk, "P-256"));
      STRATA_ASSIGN_OR_RETURN(key.x_, BytesMember(jwk, "x"));
      STRATA_ASSIGN_OR_RETURN(key.y_, BytesMember(jwk, "y"));
      STRATA_ASSIGN_OR_RETURN(key.evp_, internal::P256PublicKey(key.x_, key.y_));
      break;
    }
    case JwtAlgorithm::kEdDSA: {
      STRATA_RETURN_IF_ERROR(CheckCurve(jwk, "Ed25519"));
      STRATA_ASSIGN_OR_RETURN(key.x_, BytesMember(jwk, "x"));
      if (key.x_.size() != 32) return Status::InvalidArgument("Ed25519 key must be 32 bytes");
      break;
    }
    case JwtAlgorithm::kRS256: {
      STRATA_ASSIGN_OR_RETURN(key.n_, BytesMember(jwk, "n"));
      STRATA_ASSIGN_OR_RETURN(key.e_, BytesMember(jwk, "e"));
      STRATA_ASSIGN_OR_RETURN(key.evp_, internal::RsaPublicKey(key.n_, key.e_));
      break;
    }
  }
  return key;
}

Result<JwtPublicKey> JwtPublicKey::FromJwkJson(std::string_view json,
                                               std::optional<JwtAlgorithm> configured_alg) {
  STRATA_ASSIGN_OR_RETURN(json::Value jwk, json::Parse(json));
  return FromJwk(jwk, configured_alg);
}

void JwtPublicKey::WriteJwk(JsonWriter& writer) const {
  writer.BeginObject();
  switch (alg_) {
    case JwtAlgorithm::kES256:
      writer.Member("kty", "EC");
      writer.Member("crv", "P-256");
      writer.Member("x", Base64UrlEncode(x_));
      writer.Member("y", Base64UrlEncode(y_));
      break;
    case JwtAlgorithm::kEdDSA:
      writer.Member("kty", "OKP");
      writer.Member("crv", "Ed25519");
      writer.Member("x", Base64UrlEncode(x_));
      break;
    case JwtAlgorithm::kRS256:
      writer.Member("kty", "RSA");
      writer.Member("n", Base64UrlEncode(n_));
      writer.Member("e", Base64UrlEncode(e_));
      break;
  }
  if (!kid_.empty()) writer.Member("kid", kid_);
  writer.Member("use", "sig");
  writer.Member("alg", JwtAlgorithmName(alg_));
  writer.EndObject();
}

std::string JwtPublicKey::ToJwkJson() const {
  JsonWriter writer;
  WriteJwk(writer);
  return writer.Take();
}

std::string JwtPublicKey::Thumbprint() const {
  // RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace.
  JsonWriter writer;
  writer.BeginObject();
  switch (alg_) {
    case JwtAlgorithm::kES256:
      writer.Member("crv", "P-256");
      writer.Member("kty", "EC");
      writer.Member("x", Base64UrlEncode(x_));
      writer.Member("y", Base64UrlEncode(y_));
      break;
    case JwtAlgorithm::kEdDSA:
      writer.Member("crv", "Ed25519");
      writer.Member("kty", "OKP");
      writer.Member("x", Base64UrlEncode(x_));
      break;
    case JwtAlgorithm::kRS256:
      writer.Member("e", Base64UrlEncode(e_));
      writer.Member("kty", "RSA");
      writer.Member("n", Base64UrlEncode(n_));
      break;
  }
  writer.EndObject();
  return Base64UrlEncode(Sha256(writer.str()));
}

bool JwtPublicKey::VerifySignature(std::string_view signing_input,
                                   std::string_view signature) const {
  switch (alg_) {
    case JwtAlgorithm::kES256: return internal::Es256Verify(*evp_, signing_input, signature);
    case JwtAlgorithm::kEdDSA: return Ed25519Verify(x_, signing_input, signature);
    case JwtAlgorithm::kRS256: return internal::Rs256Verify(*evp_, signing_input, signature);
  }
  return false;
}

Result<ParsedJwks> ParseJwks(std::string_view json, std::optional<JwtAlgorithm> configured_alg) {
  Result<json::Value> document = json::Parse(json);
  if (!document.ok()) return Status::InvalidArgument("JWKS is not valid JSON");
  const json::Value* keys = document->Find("keys");
  if (keys == nullptr || !keys->is_array()) {
    return Status::InvalidArgument("JWKS must be an object with a \"keys\" array");
  }
  if (keys->items().size() > kMaxJwksKeys) {
    return Status::InvalidArgument("JWKS has more than 100 keys");
  }
  ParsedJwks out;
  std::set<std::string> kids;
  for (size_t key_idx = 0; key_idx < keys->items().size(); ++key_idx) {
    const json::Value& jwk = keys->items()[key_idx];
    std::string where = "keys[" + std::to_string(key_idx) + "]";
    if (const json::Value* kid = jwk.Find("kid"); kid != nullptr && kid->is_string()) {
      where += " (kid '" + kid->string_value() + "')";
    }
    Result<JwtPublicKey> key = JwtPublicKey::FromJwk(jwk, configured_alg);
    if (!key.ok()) {
      out.skipped.push_back(where + ": " + std::string(key.status().message()));
    } else if (!kids.insert(key->kid()).second) {
      out.skipped.push_back(where + ": duplicate kid");
    } else {
      out.keys.push_back(std::move(key).value());
    }
  }
  return out;
}

std::string JwksJson(const std::vector<JwtPublicKey>& keys) {
  JsonWriter writer;
  writer.BeginObject();
  writer.Key("keys");
  writer.BeginArray();
  for (const JwtPublicKey& key : keys) key.WriteJwk(writer);
  writer.EndArray();
  writer.EndObject();
  return writer.Take();
}

}  // namespace strata::security
