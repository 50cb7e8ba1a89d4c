// DatasetStore: one dataset of the embedded engine — its WAL, memtable, segments, manifest
// and tombstones — and the write, read, flush, compaction and retention paths over them.
//
// Thread safety: every public method is thread-safe.
// Invariants:
//   1. An append is acknowledged only after its WAL record is written and, with fsync
//      durability, fsynced; its rows are then in the memtable (read-your-writes).
//   2. Sequence numbers are assigned by the commit leader in order, and rows enter the
//      memtable in that order; visible_seq_ is the highest one in the memtable.
//   3. A row lives in exactly one place a snapshot sees: the active memtable, a frozen
//      memtable being flushed, or a segment of the current version. Flush and compaction
//      swap places under mu_ together with installing the new version.
//   4. After a WAL write or sync fails, broken_ is set and every later append fails until
//      the dataset is reopened (recovery re-reads the WAL and truncates its torn tail).
//   5. Manifest edits (flush, compaction, retention) are applied one at a time to the current
//      manifest; a flush never waits for a compaction.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/engine/block_cache.h"
#include "storage/engine/manifest.h"
#include "storage/engine/storage_options.h"
#include "storage/env/env.h"
#include "types/batch.h"
#include "types/commit_note.h"
#include "types/dataset_layout.h"
#include "types/dataset_stats.h"
#include "types/scan_spec.h"

namespace strata::storage {

class BlockCipher;
class SegmentReader;
class WalWriter;

using types::AppendResult;
using types::BatchSink;
using types::DatasetStats;
using types::EraseCallback;
using types::EraseProgress;

class DatasetStore {
 public:
  // Opens the dataset stored in dir, creating it when `create` is set, and recovers its
  // memtable from the WAL. cipher is null for a plaintext dataset.
  static Result<std::unique_ptr<DatasetStore>> Open(Env* env, std::string dir,
                                                    types::DatasetLayout layout,
                                                    const StorageOptions& options,
                                                    BlockCache* cache,
                                                    std::unique_ptr<BlockCipher> cipher);
  ~DatasetStore();

  // Appends rows (REQUIRES: batch.Validate() is empty and its columns' types match the
  // layout's schema) and returns their sequence numbers once durable. `note`, when given, is
  // committed in the same WAL record and kept until ConfirmNotes (types/commit_note.h).
  // REQUIRES: no unconfirmed note has the same key.
  Result<AppendResult> Append(types::Batch batch, const types::CommitNote* note = nullptr);

  // Notes of committed appends that ConfirmNotes has not released, across restarts.
  std::vector<types::CommittedNote> UnconfirmedNotes() const;
  // Releases notes; unknown keys are ignored. Takes effect in the manifest at its next edit.
  void ConfirmNotes(const std::vector<std::string>& keys);

  // Records a tombstone deleting every row with a smaller sequence number that satisfies
  // all predicates. Durable like an append. Returns the tombstone's sequence number.
  Result<int64_t> DeleteWhere(std::vector<types::Predicate> predicates);

  // How far the physical erasure of the delete with sequence number `delete_seq` (a
  // DeleteWhere result) has come. InvalidArgument for a seq never assigned.
  Result<EraseProgress> GetEraseProgress(int64_t delete_seq) const;
  // Erases the delete's rows now instead of at the next background compaction: flushes if
  // it is unflushed, then rewrites the segments it applies to one at a time (each under the
  // compaction lock, so background compaction and retention interleave between them, and
  // flushes never wait), reporting progress before each step and once erased. Returns the
  // last progress: erased, or not when `report` returned false. An error leaves the delete
  // in force (its rows stay hidden) with the segments rewritten so far; calling again
  // continues. `report` may be empty; it must not call into this store.
  Result<EraseProgress> EraseDeleted(int64_t delete_seq, const EraseCallback& report);

  Result<types::ScanStats> Scan(const types::ScanSpec& spec, const BatchSink& sink);

  // Replaces the layout (schema changes, retention, sort order). Affects later reads,
  // flushes and compactions; stored data is converted on read.
  void UpdateLayout(types::DatasetLayout layout);
  types::DatasetLayout layout() const;

  // Flushes the memtable to segments now (no-op when empty).
  Status Flush();
  // Background compaction (min_segments >= 2): in each partition, rewrites segments that a
  // delete still applies to, and merges min_segments segments of the same size tier into
  // one. Full compaction (min_segments <= 1): every partition is rewritten as one segment in the
  // current sort order.
  Status Compact(size_t min_segments);
  // Drops segments of partitions entirely older than the retention.
  Status ApplyRetention(int64_t now_micros);
  // The background tasks' steps: flush by size or age (or for a pending delete); compaction
  // and retention. RunMaintenance runs both.
  Status RunFlush(int64_t now_micros);
  Status RunCompaction(int64_t now_micros);
  Status RunMaintenance(int64_t now_micros);
  bool NeedsFlush(int64_t now_micros) const;

  DatasetStats Stats() const;
  // Called from an appending thread when its append stalls because too much waits to be
  // flushed: the engine's background task should run now. Must not call into this store.
  void SetMaintenanceWaker(std::function<void()> wake);
  const std::string& dir() const { return dir_; }
  const std::string& id() const { return id_; }

  // Closes files; later calls fail. Pending appends complete first.
  Status Close();

  struct Impl;  // Internal (dataset_store_impl.h).

 private:
  explicit DatasetStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string dir_;
  std::string id_;
};

}  // namespace strata::storage
