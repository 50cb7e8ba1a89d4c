#include "security/signing_key.h"

#include "common/strings.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "security/jws_crypto.h"

namespace strata::security {
namespace {

Result<std::string> StringMember(const json::Value& jwk, std::string_view name) {
  const json::Value* member = jwk.Find(name);
  if (member == nullptr || !member->is_string()) {
    return Status::InvalidArgument("private JWK has no string '" + std::string(name) + "'");
  }
  return member->string_value();
}

Result<std::string> BytesMember(const json::Value& jwk, std::string_view name) {
  STRATA_ASSIGN_OR_RETURN(std::string text, StringMember(jwk, name));
  std::optional<std::string> bytes = Base64UrlDecodeStrict(text);
  if (!bytes.has_value()) {
    return Status::InvalidArgument("private JWK member '" + std::string(name) +
                                   "' is not unpadded base64url");
  }
  return std::move(*bytes);
}

}  // namespace

Result<SigningKey> SigningKey::Generate(JwtAlgorithm alg) {
  SigningKey key;
  key.public_key_.alg_ = alg;
  switch (alg) {
    case JwtAlgorithm::kES256: {
      internal::P256KeyPair pair = internal::GenerateP256KeyPair();
      key.d_ = std::move(pair.d);
      key.public_key_.x_ = std::move(pair.x);
      key.public_key_.y_ = std::move(pair.y);
      key.private_evp_ = pair.key;
      key.public_key_.evp_ = std::move(pair.key);  // Verifying needs only its public half.
      break;
    }
    case JwtAlgorithm::kEdDSA: {
      Ed25519KeyPair pair = GenerateEd25519KeyPair();
      key.d_ = std::move(pair.private_key);
      key.public_key_.x_ = std::move(pair.public_key);
      break;
    }
    case JwtAlgorithm::kRS256:
      return Status::InvalidArgument("RS256 keys are accepted for verification only");
  }
  key.public_key_.kid_ = key.public_key_.Thumbprint();
  return key;
}

Result<SigningKey> SigningKey::FromPrivateJwk(const json::Value& jwk) {
  if (!jwk.is_object()) return Status::InvalidArgument("private JWK must be a JSON object");
  STRATA_ASSIGN_OR_RETURN(std::string alg_name, StringMember(jwk, "alg"));
  const std::optional<JwtAlgorithm> alg = JwtAlgorithmFromName(alg_name);
  if (!alg.has_value() || *alg == JwtAlgorithm::kRS256) {
    return Status::InvalidArgument("signing key alg must be ES256 or EdDSA");
  }
  STRATA_ASSIGN_OR_RETURN(std::string kty, StringMember(jwk, "kty"));
  STRATA_ASSIGN_OR_RETURN(std::string crv, StringMember(jwk, "crv"));
  SigningKey key;
  key.public_key_.alg_ = *alg;
  STRATA_ASSIGN_OR_RETURN(key.public_key_.kid_, StringMember(jwk, "kid"));
  if (key.public_key_.kid_.empty()) return Status::InvalidArgument("signing key has an empty kid");
  STRATA_ASSIGN_OR_RETURN(key.d_, BytesMember(jwk, "d"));
  STRATA_ASSIGN_OR_RETURN(key.public_key_.x_, BytesMember(jwk, "x"));
  if (*alg == JwtAlgorithm::kES256) {
    if (kty != "EC" || crv != "P-256") {
      return Status::InvalidArgument("ES256 key must be kty EC, crv P-256");
    }
    STRATA_ASSIGN_OR_RETURN(key.public_key_.y_, BytesMember(jwk, "y"));
    STRATA_ASSIGN_OR_RETURN(
        key.private_evp_, internal::P256PrivateKey(key.d_, key.public_key_.x_, key.public_key_.y_));
    STRATA_ASSIGN_OR_RETURN(key.public_key_.evp_,
                            internal::P256PublicKey(key.public_key_.x_, key.public_key_.y_));
  } else {
    if (kty != "OKP" || crv != "Ed25519") {
      return Status::InvalidArgument("EdDSA key must be kty OKP, crv Ed25519");
    }
    if (key.d_.size() != 32 || Ed25519PublicKey(key.d_) != key.public_key_.x_) {
      return Status::InvalidArgument("Ed25519 private key does not match its public key");
    }
  }
  return key;
}

Result<SigningKey> SigningKey::Parse(std::string_view private_jwk_json) {
  Result<json::Value> jwk = json::Parse(private_jwk_json);
  if (!jwk.ok()) return Status::InvalidArgument("private JWK is not valid JSON");
  return FromPrivateJwk(*jwk);
}

void SigningKey::WritePrivateJwk(JsonWriter& writer) const {
  // The public JWK with "d" added before its closing brace.
  std::string jwk = public_key_.ToJwkJson();
  jwk.pop_back();
  jwk += ",\"d\":\"" + Base64UrlEncode(d_) + "\"}";
  writer.Raw(jwk);
}

std::string SigningKey::Serialize() const {
  JsonWriter writer;
  WritePrivateJwk(writer);
  return writer.Take();
}

std::string SigningKey::Sign(std::string_view signing_input) const {
  if (alg() == JwtAlgorithm::kES256) return internal::Es256Sign(*private_evp_, signing_input);
  return Ed25519Sign(d_, signing_input);
}

}  // namespace strata::security
