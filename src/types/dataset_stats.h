// What a data backend reports about appends and about a dataset's stored state.
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <functional>

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
  // The smallest changes cursor that is still complete: a client that holds the rows of
  // snapshot S and fetched only rows with seq > S since (ScanSpec::min_seq) must resync when
  // S < resync_horizon. It is the largest of (a) the seq of every delete (DeleteWhere) ever
  // committed and (b) the largest seq of every row retention ever removed; 0 when neither
  // happened. Never decreases and survives restarts. Rows retention removed with seq <= S
  // stay with such a client: retention expires rows by time, not by a delete it can see.
  // Read it after the scan whose cursor it judges, so that every delete and removal that
  // scan's snapshot reflects is counted.
  int64_t resync_horizon = 0;
  // Logical bytes per byte on disk, over the rows in segments; 0 before the first flush.
  double compression_ratio() const {
    return bytes_on_disk == 0 ? 0.0 : static_cast<double>(logical_bytes) / bytes_on_disk;
  }
};

// Physical erasure of one delete (DataBackend::GetEraseProgress, EraseDeleted). A delete
// hides its rows from every read at once; they stay stored until each segment holding rows
// older than the delete has been rewritten without them, and the delete is then forgotten.
struct EraseProgress {
  // Segments the delete still applies to: they hold rows older than it and were not
  // rewritten since it was committed. Never increases once `unflushed` is false.
  uint64_t segments_pending = 0;
  // The delete is only in the write-ahead log so far: a flush must record it (and write the
  // rows in memory without the ones it covers) before segments can be rewritten.
  bool unflushed = false;
  // No stored row the delete covers remains and the delete is no longer recorded. Also true
  // for the sequence number of a row, which deletes nothing.
  bool erased = false;
};

// Called by EraseDeleted with the progress so far; returning false stops the erasure.
using EraseCallback = std::function<bool(const EraseProgress&)>;

}  // namespace strata::types
