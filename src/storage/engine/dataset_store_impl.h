// Internals of DatasetStore shared by its translation units (dataset_store.cc: open,
// recovery and the write path; dataset_scan.cc: reads; dataset_maintenance.cc: flush,
// compaction, retention; dataset_erase.cc: erasure of one delete on demand). Not for use outside
// storage/engine.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "storage/crypto/block_cipher.h"
#include "storage/engine/dataset_store.h"
#include "storage/segment/segment_reader.h"
#include "storage/wal/wal_writer.h"

namespace strata::storage {

// Rows of one acknowledged append, immutable once in a memtable. Row i has seq first_seq+i.
struct MemChunk {
  int64_t first_seq = 0;
  types::Batch batch;
  int64_t last_seq() const { return first_seq + static_cast<int64_t>(batch.num_rows) - 1; }
};

struct Memtable {
  std::vector<std::shared_ptr<const MemChunk>> chunks;
  std::vector<Tombstone> tombstones;   // Durable in this memtable's WAL, not yet in the manifest.
  std::vector<std::string> wal_paths;  // WAL files whose records are all in this memtable.
  size_t bytes = 0;
  uint64_t rows = 0;
  int64_t oldest_micros = 0;  // Arrival of the first chunk; 0 when empty.
  int64_t last_seq = 0;       // Highest seq recorded here (rows or tombstones).
  bool empty() const { return chunks.empty() && tombstones.empty(); }
};

// Whether the delete with sequence number `delete_seq` may still cover rows of the segment:
// it holds older rows and was written before the delete was applied to it. Compaction
// rewrites such segments; a tombstone is collected once no segment qualifies.
inline bool DeleteAppliesTo(const SegmentEntry& segment, int64_t delete_seq) {
  return segment.min_seq < delete_seq && segment.applied_tombstone_seq < delete_seq;
}

// A segment of the current or an older version. The file is deleted when the last version
// referencing it is released after it left the manifest (obsolete).
struct SegmentHandle {
  SegmentEntry entry;
  std::shared_ptr<SegmentReader> reader;
  std::string path;
  Env* env = nullptr;
  BlockCache* cache = nullptr;
  std::atomic<bool> obsolete{false};
  ~SegmentHandle();
};

struct Version {
  Manifest manifest;
  std::vector<std::shared_ptr<SegmentHandle>> segments;  // Same order as manifest.segments.
};

// What a reader pins: never changed by later appends, flushes or compactions.
struct Snapshot {
  std::shared_ptr<const Version> version;
  std::vector<std::shared_ptr<const MemChunk>> chunks;
  std::vector<Tombstone> tombstones;  // Manifest and memtable tombstones with seq <= seq.
  int64_t seq = 0;
  types::DatasetLayout layout;
};

struct CommitWriter {
  enum class Kind { kAppend, kDelete, kRotate };
  Kind kind = Kind::kAppend;
  types::Batch* batch = nullptr;
  // The batch's WAL payload, encoded by the appending thread before it queues (so encoding
  // runs in parallel across appenders); the leader patches in first_seq.
  std::string* encoded = nullptr;
  std::vector<types::Predicate>* predicates = nullptr;
  const types::CommitNote* note = nullptr;  // kAppend: already inside *encoded.
  Status status;
  int64_t first_seq = 0;
  int64_t last_seq = 0;
  bool done = false;
  std::condition_variable cv;
};

struct DatasetStore::Impl {
  Env* env = nullptr;
  std::string dir;
  std::string id;
  StorageOptions options;
  BlockCache* cache = nullptr;
  std::unique_ptr<BlockCipher> cipher;

  // Invariant 5. Order: flush_mu or compact_mu, then manifest_mu, then mu.
  std::mutex flush_mu;                    // One flush at a time.
  std::mutex compact_mu;                  // One compaction or retention pass at a time.
  std::mutex manifest_mu;                 // Read-edit-write of the manifest.
  std::atomic<uint64_t> next_file_id{1};  // Segment ids; persisted by each manifest edit.

  mutable std::mutex mu;  // Guards everything below.
  types::DatasetLayout layout;
  std::deque<CommitWriter*> writers;
  std::unique_ptr<WalWriter> wal;  // Used by the commit leader outside mu.
  uint64_t wal_good_size = 0;      // WAL bytes known to be whole records.
  std::shared_ptr<Memtable> active;
  std::deque<std::shared_ptr<Memtable>> frozen;  // Oldest first; being flushed.
  std::shared_ptr<const Version> current;
  int64_t last_seq = 0;     // Highest assigned.
  int64_t visible_seq = 0;  // Highest in a memtable (invariant 2).
  int64_t last_ingest_micros = 0;
  Status broken;  // Invariant 4.
  bool wal_sync_failed = false;
  bool closed = false;
  bool erase_pending = false;  // A tombstone waits for flush and compaction.
  int64_t free_check_micros = 0;
  uint64_t free_bytes = UINT64_MAX;
  std::string tombstone_scratch;  // Leader only: tombstone payloads.
  // Commit notes not yet confirmed, by key; copied into every manifest written.
  std::map<std::string, types::CommittedNote, std::less<>> notes;
  std::condition_variable flushed_cv;      // Signalled when frozen memtables are flushed.
  std::function<void()> wake_maintenance;  // Asks the background task to run now.

  size_t UnflushedBytesLocked() const;
  // DatasetStore::GetEraseProgress. REQUIRES: mu held.
  EraseProgress EraseProgressLocked(int64_t delete_seq) const;
  // DatasetStats::resync_horizon: the current manifest's, raised by the tombstones of the
  // manifest (older manifests) and of the memtables (durable in the WAL only). REQUIRES: mu.
  int64_t ResyncHorizonLocked() const;
  // Appends stall above this many unflushed bytes (StorageOptions::max_unflushed_bytes).
  size_t UnflushedLimit() const {
    return options.max_unflushed_bytes > 0 ? options.max_unflushed_bytes
                                           : 4 * options.memtable_flush_bytes;
  }

  std::string SegmentPath(uint64_t id) const;
  std::string WalPath(int64_t first_seq) const;
  Snapshot TakeSnapshot(int64_t snapshot_seq) const;  // REQUIRES: mu not held.
  // The current version and layout, read together. REQUIRES: mu not held.
  std::pair<std::shared_ptr<const Version>, types::DatasetLayout> CurrentVersionAndLayout() const {
    std::lock_guard lock(mu);
    return {current, layout};
  }

  // Write path (dataset_store.cc).
  Status Commit(CommitWriter* writer);
  Status RotateLocked();  // REQUIRES: mu held, caller is the commit leader.
  Status RepairWalLocked();

  // Applies an edit to the current manifest — remove segments, add segments, then `edit`
  // (may be null), then raise resync_horizon to its tombstones' seqs — writes it durably and
  // installs the new version; pops frozen_flushed frozen memtables in the same step
  // (invariant 3).
  Status InstallManifest(const std::function<void(Manifest&)>& edit,
                         std::vector<std::shared_ptr<SegmentHandle>> added,
                         const std::vector<uint64_t>& removed, size_t frozen_flushed);
  Status FlushFrozen();
  // Rewrites segments (of one partition) as one, applying base's tombstones and sorting by
  // the sort key, and installs the result.
  Status MergeSegments(const std::vector<std::shared_ptr<SegmentHandle>>& segments,
                       const Manifest& base, const types::DatasetLayout& layout);
  // Writes flushed rows (already filtered) as segments in sort-key order, one per partition,
  // skipping expired partitions, and adds their handles to added (not yet in the manifest).
  // Raises expired_max_seq to the largest seq of the rows it skipped as expired.
  Status WriteSegments(const types::Batch& rows, const types::DatasetLayout& layout,
                       int64_t applied_tombstone_seq,
                       std::vector<std::shared_ptr<SegmentHandle>>& added,
                       int64_t& expired_max_seq);
  class SegmentOutput;
  Result<std::shared_ptr<SegmentHandle>> OpenSegment(const SegmentEntry& entry);
};

// Rows assembled from several sources in the layout's current schema, with seqs. Used by
// flush (from memtables) and compaction (from segments); scan reads through the same
// column-conversion rules (ConvertColumn).
//
// Converts a stored column of field `field` to the field's current type (int64 -> float64
// widening). A missing column (nullptr) becomes the field's default or NULL.
types::ColumnVector ConvertColumn(const types::ColumnVector* stored, const types::Field& field,
                                  size_t rows);

}  // namespace strata::storage
