#include "security/key_ring_store.h"

#include <climits>

namespace strata::security {

Result<std::unique_ptr<KeyRingStore>> KeyRingStore::Open(meta::MetaStore& store,
                                                         KeyRingOptions options,
                                                         int64_t now_unix_seconds) {
  if (options.algorithm == JwtAlgorithm::kRS256) {
    return Status::InvalidArgument("access tokens are signed with EdDSA or ES256, not RS256");
  }
  Status created;
  STRATA_ASSIGN_OR_RETURN(
      std::string text, store.GetOrCreateSecret(kSecretName, [&]() -> std::string {
        Result<KeyRing> ring = KeyRing::Create(options.algorithm, now_unix_seconds);
        if (!ring.ok()) {
          created = ring.status();
          return std::string();
        }
        return ring->Serialize();
      }));
  STRATA_RETURN_IF_ERROR(created);
  Result<KeyRing> ring = KeyRing::Parse(text);
  if (!ring.ok()) {
    return Status::Corruption("the stored JWT signing key ring is unreadable: " +
                              std::string(ring.status().message()));
  }
  std::unique_ptr<KeyRingStore> keys(new KeyRingStore(store, options));
  {
    std::lock_guard lock(keys->mu_);
    bool changed = false;
    if (ring->current_since() == 0) {  // Written before rotation by age existed.
      ring->SetCurrentSince(now_unix_seconds);
      changed = true;
    }
    if (ring->current().alg() != options.algorithm) {
      STRATA_RETURN_IF_ERROR(ring->Rotate(options.algorithm, now_unix_seconds));
      changed = true;
    }
    STRATA_RETURN_IF_ERROR(keys->Publish(std::move(ring).value(), changed));
  }
  STRATA_RETURN_IF_ERROR(keys->Maintain(now_unix_seconds));
  return keys;
}

std::shared_ptr<const KeyRingStore::Snapshot> KeyRingStore::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

Status KeyRingStore::Rotate(int64_t now_unix_seconds, bool drop_previous) {
  std::lock_guard lock(mu_);
  KeyRing ring = current_->ring;
  STRATA_RETURN_IF_ERROR(ring.Rotate(options_.algorithm, now_unix_seconds));
  ring.DropRetiredBefore(drop_previous ? INT64_MAX
                                       : now_unix_seconds - options_.retire_after_seconds);
  return Publish(std::move(ring), true);
}

Status KeyRingStore::Maintain(int64_t now_unix_seconds) {
  std::lock_guard lock(mu_);
  KeyRing ring = current_->ring;
  bool changed = false;
  if (options_.rotation_seconds > 0 &&
      now_unix_seconds - ring.current_since() >= options_.rotation_seconds) {
    STRATA_RETURN_IF_ERROR(ring.Rotate(options_.algorithm, now_unix_seconds));
    changed = true;
  }
  changed |= ring.DropRetiredBefore(now_unix_seconds - options_.retire_after_seconds) > 0;
  if (!changed) return Status();
  return Publish(std::move(ring), true);
}

Status KeyRingStore::Reload() {
  std::lock_guard lock(mu_);
  STRATA_ASSIGN_OR_RETURN(std::string text, store_.GetOrCreateSecret(kSecretName, [&] {
    return current_->ring.Serialize();
  }));
  Result<KeyRing> ring = KeyRing::Parse(text);
  if (!ring.ok()) {
    return Status::Corruption("the stored JWT signing key ring is unreadable: " +
                              std::string(ring.status().message()));
  }
  if (ring->current().kid() == current_->ring.current().kid() &&
      ring->retired().size() == current_->ring.retired().size()) {
    return Status();  // Unchanged: keep the generation, so verifiers keep their keys.
  }
  return Publish(std::move(ring).value(), false);
}

Status KeyRingStore::Publish(KeyRing ring, bool persist) {
  if (persist) STRATA_RETURN_IF_ERROR(store_.PutSecret(kSecretName, ring.Serialize()));
  std::string jwks = ring.JwksJson();
  const uint64_t generation = current_ ? current_->generation + 1 : 1;
  current_ =
      std::make_shared<const Snapshot>(Snapshot{std::move(ring), std::move(jwks), generation});
  return Status();
}

}  // namespace strata::security
