// What a data backend reports about appends and about a dataset's stored state.
// Thread safety: plain values.
#pragma once

#include <cstdint>

namespace strata::types {

// Sequence numbers given to the rows of one append: first_seq..last_seq.
struct AppendResult {
  int64_t first_seq = 0;
  int64_t last_seq = 0;
};

struct DatasetStats {
  uint64_t rows = 0;           // Stored rows, including deleted ones not yet compacted away.
  uint64_t bytes_on_disk = 0;  // Segments and write-ahead log.
  uint64_t logical_bytes = 0;  // Segment rows at their in-memory width.
  uint64_t segments = 0;
  uint64_t partitions = 0;
  uint64_t memtable_rows = 0;  // Rows not yet in segments.
  int64_t last_seq = 0;
  int64_t last_ingest_micros = 0;  // 0: never.
  // Logical bytes per byte on disk, over the rows in segments; 0 before the first flush.
  double compression_ratio() const {
    return bytes_on_disk == 0 ? 0.0 : static_cast<double>(logical_bytes) / bytes_on_disk;
  }
};

}  // namespace strata::types
