// KeyRingStore: the keys this server signs its access tokens with (key_ring.h), persisted in
// the metastore as the secret "jwt_key_ring" and shared by the token issuer (signs with the
// current key), the access-token verifier (trusts every key of the ring) and
// /.well-known/jwks.json (publishes them).
//
// Lifecycle:
//   - Open() loads the ring, creating it at the first start. When the configured algorithm
//     differs from the current key's, the ring rotates to a key of that algorithm; the old
//     key keeps verifying the tokens it signed.
//   - Maintain() rotates once the current key is older than `rotation_seconds`, and drops a
//     retired key once every token it signed has expired (retired_at + retire_after_seconds
//     < now). Open() runs it; the token issuer runs it before signing, at most once a minute.
//   - Rotate() rotates now (`stratad rotate-signing-key`, run while the server is stopped);
//     with drop_previous (after a key leak) every earlier key is forgotten at once.
//   - Reload() re-reads the stored ring (another process rotated it); the verifier calls it,
//     rate-limited, when a token names a kid the ring does not hold.
// Publish before use: a node publishes a new key in the same step as it starts signing with
// it (Current() switches both at once). In cluster mode other nodes see it on their next
// Reload(); RFC 7517 verifiers refetch the JWKS on an unknown kid.
// Secrets: the stored ring holds the private keys (plain in meta.db, like the cursor secret:
// protect the data directory).
// Thread safety: thread-safe. Snapshots are immutable and may be used after a rotation.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"
#include "meta/meta_store.h"
#include "security/jwk.h"
#include "security/key_ring.h"

namespace strata::security {

struct KeyRingOptions {
  // Algorithm of newly generated keys. Default: EdDSA. REQUIRES: not RS256.
  JwtAlgorithm algorithm = JwtAlgorithm::kEdDSA;
  // Age after which Maintain() replaces the current key; 0 = never. Default: 90 days.
  int64_t rotation_seconds = int64_t{90} * 86'400;
  // How long a retired key keeps verifying: the longest access-token lifetime plus the
  // verifier's leeway. Default: 15 min + 60 s.
  int64_t retire_after_seconds = 960;
};

class KeyRingStore {
 public:
  static constexpr std::string_view kSecretName = "jwt_key_ring";

  // One consistent view of the ring.
  struct Snapshot {
    KeyRing ring;
    std::string jwks_json;  // {"keys":[...]} of ring.VerificationKeys().
    uint64_t generation;    // Incremented by every change of the ring.
  };

  // Loads (or creates) the stored ring and runs Maintain(now). `store` must outlive the
  // result. InvalidArgument for RS256; Corruption when the stored ring cannot be parsed.
  static Result<std::unique_ptr<KeyRingStore>> Open(meta::MetaStore& store, KeyRingOptions options,
                                                    int64_t now_unix_seconds);

  std::shared_ptr<const Snapshot> Current() const;

  // Makes a fresh key current, keeps the old one for verification (or, with
  // `drop_previous`, forgets every earlier key: their tokens stop verifying), and stores the
  // ring.
  Status Rotate(int64_t now_unix_seconds, bool drop_previous = false);
  // Rotates when due and drops expired retired keys; stores the ring when it changed.
  Status Maintain(int64_t now_unix_seconds);
  // Replaces the in-memory ring with the stored one.
  Status Reload();

  const KeyRingOptions& options() const { return options_; }

 private:
  KeyRingStore(meta::MetaStore& store, KeyRingOptions options) : store_(store), options_(options) {}

  // Stores `ring` and publishes it. REQUIRES: mu_ held.
  Status Publish(KeyRing ring, bool persist);

  meta::MetaStore& store_;
  const KeyRingOptions options_;
  mutable std::mutex mu_;  // Guards current_ and serialises changes.
  std::shared_ptr<const Snapshot> current_;
};

}  // namespace strata::security
