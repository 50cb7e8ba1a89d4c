// Encrypts the blocks of one dataset with its data key (AES-256-GCM) under counter-based
// nonces that are never reused, not even across crashes and restarts.
//
// Sealed block layout (kSealOverhead = 28 bytes more than the plaintext):
//
//   +----------------------------------------+-----------------------+------------+
//   | nonce: prefix (4 B) | counter (8 B, BE)| ciphertext (n bytes)  | tag (16 B) |
//   +----------------------------------------+-----------------------+------------+
//
// Nonce reuse under one key breaks GCM completely, so counters are handed out only below a
// reservation that has been persisted first (like a sequence-number lease):
//   1. Counters below the `reserved_until` passed to the constructor may have been used before
//      a crash; the first counter handed out is `reserved_until` itself.
//   2. Before using counter c, a reservation r > c has been persisted by `persist_reservation`
//      and returned OK. After a crash, the last persisted r is a safe restart point.
//   3. Every counter is handed out at most once per process; counters skipped because of a
//      crash or a failed seal are simply never used.
// The 4-byte prefix (random, fixed per data key) is defence in depth against a caller that
// restores an old reservation, e.g. from a backup of the metadata but not of the key.
//
// AAD contract: callers pass an AAD that names the block's position, normally
// BlockAad(dataset, file, block_index), and the same AAD on Open. Because the AAD is
// authenticated, a block moved to another file, index or dataset fails to Open with
// Corruption instead of silently returning the wrong data.
//
// Thread safety: Seal and Open may be called concurrently from any threads. Reservations are
// made under a mutex; encryption itself runs outside it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"
#include "storage/crypto/aes_gcm.h"

namespace strata::storage {

inline constexpr size_t kNoncePrefixBytes = 4;
using NoncePrefix = std::array<uint8_t, kNoncePrefixBytes>;

// A fresh random nonce prefix for a new data key. Internal if the CSPRNG fails.
Result<NoncePrefix> NewNoncePrefix();

// The AAD of block `block_index` of `file` in `dataset`: a domain tag, then each string as an
// 8-byte big-endian length and its bytes, then the 8-byte big-endian index. Distinct inputs
// always give distinct AADs (e.g. ("a", "bc") and ("ab", "c") differ).
std::string BlockAad(std::string_view dataset, std::string_view file, uint64_t block_index);

class BlockCipher {
 public:
  // Bytes Seal adds to a plaintext: the nonce and the tag.
  static constexpr size_t kSealOverhead = kNonceBytes + kTagBytes;
  static_assert(kSealOverhead == 28);
  // Default: about one million blocks per persisted reservation.
  static constexpr uint64_t kDefaultReservationStep = uint64_t{1} << 20;

  // Durably records that counters below `new_reserved_until` may be in use, e.g. by writing it
  // next to the wrapped data key and syncing. Must return OK only once the value would survive
  // a crash. Called with the cipher's mutex held: it must not call back into the cipher.
  using PersistFn = std::function<Status(uint64_t new_reserved_until)>;

  // `reserved_until` is the last value persisted for this data key (0 for a new key).
  // REQUIRES: reservation_step > 0; `prefix` is fixed for `data_key`; no other BlockCipher
  // for the same data key exists at the same time (they would share counters).
  BlockCipher(Key data_key, NoncePrefix prefix, uint64_t reserved_until,
              PersistFn persist_reservation, uint64_t reservation_step = kDefaultReservationStep);
  ~BlockCipher();  // Wipes the key from memory.

  BlockCipher(const BlockCipher&) = delete;
  BlockCipher& operator=(const BlockCipher&) = delete;

  // Appends nonce || ciphertext || tag (plaintext.size() + kSealOverhead bytes) to `out`.
  // Persists a new reservation first when needed; if that fails, returns its Status and
  // leaves `out` unchanged. ResourceExhausted once the 64-bit counter space is used up
  // (the data key must be rotated).
  [[nodiscard]] Status Seal(std::string_view aad, std::string_view plaintext, std::string& out);

  // Verifies a block produced by Seal with the same `aad` and replaces `out` with its
  // plaintext. Corruption if `sealed` is shorter than kSealOverhead or fails authentication
  // (tampered, wrong key, or wrong AAD, i.e. a moved block); `out` is then empty.
  [[nodiscard]] Status Open(std::string_view aad, std::string_view sealed, std::string& out) const;

 private:
  // The next unused counter, persisting a reservation first when it is exhausted.
  Result<uint64_t> NextCounter();

  Key key_;
  const NoncePrefix prefix_;
  const PersistFn persist_reservation_;
  const uint64_t reservation_step_;

  std::mutex mu_;
  uint64_t next_counter_;    // Guarded by mu_. The next counter to hand out.
  uint64_t reserved_until_;  // Guarded by mu_. Durable bound: next_counter_ may be used iff
                             // next_counter_ < reserved_until_.
};

}  // namespace strata::storage
