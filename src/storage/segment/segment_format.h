// The segment file: an immutable, columnar, compressed set of rows of one partition of one
// dataset (docs/formats/segment.md).
//
//   +--------------------------------------------------------------+
//   | magic "STRSEG01"                                     8 bytes |
//   +--------------------------------------------------------------+
//   | block: chunk 0, column 0   (encoded, compressed, [sealed])   |
//   | block: chunk 0, column 1                                     |
//   | ...                                                          |
//   | block: chunk K-1, column C-1                                 |
//   +--------------------------------------------------------------+
//   | footer                     (encoded, [sealed])               |
//   +--------------------------------------------------------------+
//   | footer length: u32 | footer crc32c: u32 | magic "STRSEG01"   |
//   +--------------------------------------------------------------+
//
// Rows are cut into chunks of chunk_rows (the last may be shorter); every column has one
// block per chunk. Column field id 0 is the rows' sequence numbers. Blocks are written chunk
// by chunk and numbered chunk * C + column (format version 1 wrote and numbered them column
// by column: column * K + chunk; readers accept both).
// Format version 3 may add a last-rows index after the chunks: one more block per column
// holding copies of the rows that end a key run in some chunk (LastRowsIndex), so that
// "the latest row of each key" reads those few rows instead of the whole segment.
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/encoding/compression.h"
#include "types/data_type.h"

namespace strata::storage {

inline constexpr std::string_view kSegmentMagic = "STRSEG01";
inline constexpr size_t kSegmentTrailerBytes = 16;
inline constexpr uint32_t kSegmentFormatVersion = 3;
inline constexpr uint32_t kOldestSegmentFormatVersion = 1;
inline constexpr uint64_t kFooterBlockIndex = UINT64_MAX;  // The footer's block number (AAD).
inline constexpr uint32_t kSeqFieldId = 0;                 // Field ids of schemas start at 1.

// Min, max and null count of one column chunk. Strings longer than kMaxZoneStringBytes and
// NaN floats are left out of min/max; has_min_max is false when no value remains.
struct ZoneMap {
  bool has_min_max = false;
  types::Value min;
  types::Value max;
  uint64_t null_count = 0;
};
inline constexpr size_t kMaxZoneStringBytes = 64;

struct ChunkMeta {
  uint64_t offset = 0;        // Of the block in the file.
  uint64_t stored_bytes = 0;  // Block bytes as stored (compressed, sealed).
  uint64_t raw_bytes = 0;     // Encoded bytes before compression.
  Compression compression = Compression::kNone;
  uint32_t crc = 0;  // crc32c of the stored block.
  ZoneMap zone;
};

struct ColumnMeta {
  uint32_t field_id = 0;
  types::DataType type = types::DataType::kInt64;
  std::vector<ChunkMeta> chunks;
};

// Copies of the segment's rows that can be the latest of their key. Written only when the
// rows are sorted by (key field, order field, ...) ascending; then it holds, for every chunk and
// every run of equal keys within that chunk, the run's last row and the rows before it with the
// same order value (ties). Every row that has the greatest order value of its key in the
// segment is therefore here (possibly with a few that are not), in segment order. Its blocks
// are numbered LastRowsBlockIndex(column).
struct LastRowsIndex {
  uint32_t key_field_id = 0;
  uint32_t order_field_id = 0;
  uint64_t rows = 0;
  std::vector<ChunkMeta> blocks;  // One per column of the footer, in its order.
};

struct SegmentFooter {
  uint32_t format_version = kSegmentFormatVersion;
  uint32_t schema_version = 0;
  uint64_t row_count = 0;
  uint64_t chunk_rows = 0;
  int64_t min_seq = 0;
  int64_t max_seq = 0;
  int64_t partition = 0;  // Start of the time partition (microseconds), 0 without one.
  // Every tombstone with seq <= this was applied when the rows were written.
  int64_t applied_tombstone_seq = 0;
  std::vector<ColumnMeta> columns;
  std::optional<LastRowsIndex> last_rows;  // Format version 3 and later.

  size_t chunk_count() const { return columns.empty() ? 0 : columns[0].chunks.size(); }
  // The number of block (col_idx, chunk_idx) in the file, bound into its AAD when sealed.
  uint64_t BlockIndex(size_t col_idx, size_t chunk_idx) const;
  // Rows in chunk chunk_idx.
  uint64_t ChunkRows(size_t chunk_idx) const;
  const ColumnMeta* FindColumn(uint32_t field_id) const;
  // The number of the last-rows block of column col_idx (a range no chunk block reaches).
  static uint64_t LastRowsBlockIndex(size_t col_idx) { return (uint64_t{1} << 62) + col_idx; }
};

std::string EncodeSegmentFooter(const SegmentFooter& footer);
Status DecodeSegmentFooter(std::string_view data, SegmentFooter* footer);

}  // namespace strata::storage
