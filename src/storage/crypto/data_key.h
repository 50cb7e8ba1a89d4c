// Per-dataset data keys, stored on disk only in wrapped (encrypted) form under the master key.
//
// Wrapped format (kWrappedDataKeyBytes = 61 bytes):
//
//   +---------+----------------+------------------------------+------------+
//   | version | nonce (12 B)   | AES-256-GCM(data key) (32 B) | tag (16 B) |
//   | 1 B = 1 | random per wrap|                              |            |
//   +---------+----------------+------------------------------+------------+
//
//   AAD = "strata-data-key:" + context, where context is the dataset id, so a wrapped key
//   copied into another dataset's metadata fails to unwrap.
//
// Thread safety: all functions are thread-safe.
// Invariant: a master key wraps few enough data keys (far below 2^32) that random 96-bit
// nonces do not collide in practice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "storage/crypto/aes_gcm.h"

namespace strata::storage {

inline constexpr uint8_t kWrappedDataKeyVersion = 1;
inline constexpr size_t kWrappedDataKeyBytes = 1 + kNonceBytes + kKeyBytes + kTagBytes;

// A fresh random data key. Internal if the CSPRNG fails.
Result<Key> NewDataKey();

// Encrypts `data_key` under `master` bound to `context` (the dataset id), with a fresh random
// nonce. Returns kWrappedDataKeyBytes bytes to store with the dataset.
Result<std::string> WrapDataKey(const Key& master, std::string_view context, const Key& data_key);

// Recovers the data key from WrapDataKey's output. Every failure is Corruption:
//  - wrong size or unknown version byte (the stored record is damaged or from a newer build);
//  - authentication failure, whose message tells the operator that "the master key does not
//    match the one this data was encrypted with (or the key file is damaged)". A wrapped key
//    from another context (dataset) fails the same way, which the message also mentions.
Result<Key> UnwrapDataKey(const Key& master, std::string_view context, std::string_view wrapped);

}  // namespace strata::storage
