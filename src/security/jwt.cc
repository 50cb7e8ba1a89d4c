#include "security/jwt.h"

#include "common/check.h"
#include "common/json_writer.h"
#include "common/strings.h"

namespace strata::security {

std::string SignJwt(const SigningKey& key, std::string_view typ, std::string_view claims_json) {
  STRATA_DCHECK(!typ.empty());
  STRATA_DCHECK(!claims_json.empty() && claims_json.front() == '{');
  JsonWriter header;
  header.BeginObject();
  header.Member("alg", JwtAlgorithmName(key.alg()));
  header.Member("typ", typ);
  header.Member("kid", key.kid());
  header.EndObject();
  std::string token = Base64UrlEncode(header.str()) + "." + Base64UrlEncode(claims_json);
  const std::string signature = key.Sign(token);
  token += ".";
  token += Base64UrlEncode(signature);
  return token;
}

std::string SignJwt(const SigningKey& key, std::string_view typ, const json::Value& claims) {
  STRATA_DCHECK(claims.is_object());
  return SignJwt(key, typ, json::Serialize(claims));
}

}  // namespace strata::security
