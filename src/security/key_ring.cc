#include "security/key_ring.h"

#include <algorithm>
#include <set>

#include "common/json.h"
#include "common/json_writer.h"

namespace strata::security {

Result<KeyRing> KeyRing::Create(JwtAlgorithm alg, int64_t now_unix_seconds) {
  STRATA_ASSIGN_OR_RETURN(SigningKey key, SigningKey::Generate(alg));
  KeyRing ring(std::move(key));
  ring.current_since_ = now_unix_seconds;
  return ring;
}

Result<KeyRing> KeyRing::Parse(std::string_view text) {
  Result<json::Value> document = json::Parse(text);
  if (!document.ok()) return Status::InvalidArgument("key ring is not valid JSON");
  const json::Value* version = document->Find("version");
  if (version == nullptr || !version->is_int64() || version->int64_value() != 1) {
    return Status::InvalidArgument("key ring version must be 1");
  }
  const json::Value* current = document->Find("current");
  if (current == nullptr) return Status::InvalidArgument("key ring has no current key");
  STRATA_ASSIGN_OR_RETURN(SigningKey current_key, SigningKey::FromPrivateJwk(*current));
  KeyRing ring(std::move(current_key));
  if (const json::Value* since = document->Find("current_since"); since != nullptr) {
    if (!since->is_int64())
      return Status::InvalidArgument("key ring current_since must be an integer");
    ring.current_since_ = since->int64_value();
  }
  std::set<std::string> kids = {ring.current_.kid()};
  const json::Value* retired = document->Find("retired");
  if (retired == nullptr || !retired->is_array()) {
    return Status::InvalidArgument("key ring has no \"retired\" array");
  }
  for (const json::Value& entry : retired->items()) {
    const json::Value* retired_at = entry.Find("retired_at");
    const json::Value* key = entry.Find("key");
    if (retired_at == nullptr || !retired_at->is_int64() || key == nullptr) {
      return Status::InvalidArgument("retired key needs \"retired_at\" and \"key\"");
    }
    STRATA_ASSIGN_OR_RETURN(SigningKey retired_key, SigningKey::FromPrivateJwk(*key));
    if (!kids.insert(retired_key.kid()).second) {
      return Status::InvalidArgument("key ring has a duplicate kid");
    }
    ring.retired_.push_back({std::move(retired_key), retired_at->int64_value()});
  }
  return ring;
}

Status KeyRing::Rotate(JwtAlgorithm alg, int64_t now_unix_seconds) {
  STRATA_ASSIGN_OR_RETURN(SigningKey fresh, SigningKey::Generate(alg));
  // A thumbprint collision would need a SHA-256 collision; the invariant holds regardless.
  if (fresh.kid() == current_.kid()) return Status::Internal("generated a duplicate kid");
  retired_.push_back({std::move(current_), now_unix_seconds});
  current_ = std::move(fresh);
  current_since_ = now_unix_seconds;
  return Status();
}

void KeyRing::Rotate(int64_t now_unix_seconds) {
  Rotate(current_.alg(), now_unix_seconds).IgnoreError();  // The current alg can sign.
}

size_t KeyRing::DropRetiredBefore(int64_t cutoff_unix_seconds) {
  const size_t before = retired_.size();
  std::erase_if(retired_, [&](const RetiredKey& retired) {
    return retired.retired_at < cutoff_unix_seconds;
  });
  return before - retired_.size();
}

std::vector<JwtPublicKey> KeyRing::VerificationKeys() const {
  std::vector<JwtPublicKey> keys = {current_.public_key()};
  for (auto it = retired_.rbegin(); it != retired_.rend(); ++it) {
    keys.push_back(it->key.public_key());
  }
  return keys;
}

std::string KeyRing::JwksJson() const { return security::JwksJson(VerificationKeys()); }

std::string KeyRing::Serialize() const {
  JsonWriter writer;
  writer.BeginObject();
  writer.Member("version", 1);
  writer.Key("current");
  current_.WritePrivateJwk(writer);
  if (current_since_ != 0) writer.Member("current_since", current_since_);
  writer.Key("retired");
  writer.BeginArray();
  for (const RetiredKey& retired : retired_) {
    writer.BeginObject();
    writer.Member("retired_at", retired.retired_at);
    writer.Key("key");
    retired.key.WritePrivateJwk(writer);
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  return writer.Take();
}

}  // namespace strata::security
