// The write-ahead log's record framing (docs/formats/wal.md).
//
//   +-------------+----------+-----------------+-------------+---------------------+
//   | length: u32 | type: u8 | header_crc: u32 | crc32c: u32 | payload: length B   |
//   +-------------+----------+-----------------+-------------+---------------------+
//
// header_crc = crc32c(length, type) lets recovery tell a damaged length (Corruption) from a
// record cut short by a crash (a torn tail); crc32c covers the type byte and the payload.
// A crash can leave: a file cut anywhere, or (file systems that extend before writing) a
// zero-filled tail. Both read as a torn tail. When the dataset is encrypted the payload is
// nonce || AES-256-GCM ciphertext || tag, with AAD binding dataset, file name and the
// record's offset, so a record cannot be replayed into another place.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::storage {

inline constexpr size_t kWalHeaderBytes = 13;
inline constexpr uint32_t kMaxWalRecordBytes = 1u << 30;

enum class WalRecordType : uint8_t {
  kBatch = 1,      // storage/wal/batch_codec.h
  kTombstone = 2,  // seq: fixed64, created: zigzag, predicates (storage/engine/manifest.h)
};

}  // namespace strata::storage
