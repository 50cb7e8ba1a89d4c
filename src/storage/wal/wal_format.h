// The write-ahead log's record framing (docs/formats/wal.md).
//
//   +-------------+-------------+----------+---------------------------+
//   | length: u32 | crc32c: u32 | type: u8 | payload: length bytes     |
//   +-------------+-------------+----------+---------------------------+
//
// crc32c covers the type byte and the payload. When the dataset is encrypted the payload is
// nonce || AES-256-GCM ciphertext || tag, with AAD binding dataset, file name and the
// record's offset, so a record cannot be replayed into another place.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::storage {

inline constexpr size_t kWalHeaderBytes = 9;
inline constexpr uint32_t kMaxWalRecordBytes = 1u << 30;

enum class WalRecordType : uint8_t {
  kBatch = 1,      // storage/wal/batch_codec.h
  kTombstone = 2,  // seq: fixed64, created: zigzag, predicates (storage/engine/manifest.h)
};

}  // namespace strata::storage
