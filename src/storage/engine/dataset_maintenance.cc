// DatasetStore's manifest edits: flush (memtable -> segments per partition, sorted by the
// sort key), compaction (a streaming merge of a partition's segments, applying tombstones)
// and retention (drop expired partitions). Flushes run under flush_mu, compaction and retention
// under compact_mu, so a flush never waits for a compaction; every manifest edit is applied to
// the current manifest under manifest_mu (invariant 5).
#include <algorithm>
#include <map>
#include <numeric>

#include "common/check.h"
#include "common/logging.h"
#include "common/time_util.h"
#include "storage/engine/dataset_store_impl.h"
#include "storage/engine/manifest_file.h"
#include "storage/engine/merge_runs.h"
#include "storage/engine/row_order.h"
#include "storage/engine/row_source.h"
#include "storage/segment/segment_writer.h"

namespace strata::storage {
namespace {

// Bytes of rows [begin, end) at their in-memory width (with seqs), for compression ratios.
uint64_t LogicalBytes(const types::Batch& batch, size_t begin, size_t end) {
  uint64_t bytes = (end - begin) * sizeof(int64_t);  // The seq column.
  for (const types::ColumnVector& column : batch.columns) {
    switch (column.type()) {
      case types::DataType::kBool: bytes += end - begin; break;
      case types::DataType::kString:
      case types::DataType::kJson:
        bytes += (end - begin) * sizeof(uint32_t);
        if (column.is_dictionary()) {
          for (size_t row_idx = begin; row_idx < end; ++row_idx)
            bytes += column.StringAt(row_idx).size();
        } else {
          bytes += column.offsets()[end] - column.offsets()[begin];
        }
        break;
      default: bytes += (end - begin) * 8; break;
    }
  }
  return bytes;
}

void CollectGarbageTombstones(Manifest& manifest) {
  std::erase_if(manifest.tombstones, [&](const Tombstone& tombstone) {
    if (manifest.flushed_seq < tombstone.seq) return false;
    return std::all_of(
        manifest.segments.begin(), manifest.segments.end(),
        [&](const SegmentEntry& segment) { return !DeleteAppliesTo(segment, tombstone.seq); });
  });
}

bool Expired(const types::DatasetLayout& layout, int64_t partition, int64_t max_time,
             int64_t now_micros) {
  if (layout.retention_micros <= 0 || !layout.time_field_id) return false;
  const int64_t cutoff = now_micros - layout.retention_micros;
  if (layout.partition_by == types::Granularity::kNone) return max_time < cutoff;
  return types::PartitionEnd(partition, layout.partition_by) <= cutoff;
}

}  // namespace

Status DatasetStore::Impl::InstallManifest(const std::function<void(Manifest&)>& edit,
                                           std::vector<std::shared_ptr<SegmentHandle>> added,
                                           const std::vector<uint64_t>& removed,
                                           size_t frozen_flushed) {
  std::lock_guard manifest_lock(manifest_mu);
  Manifest manifest;
  {
    std::lock_guard lock(mu);
    manifest = current->manifest;
    manifest.notes.clear();
    for (const auto& [key, note] : notes) manifest.notes.push_back(note);
  }
  std::erase_if(manifest.segments, [&](const SegmentEntry& entry) {
    return std::find(removed.begin(), removed.end(), entry.id) != removed.end();
  });
  for (const auto& segment : added) manifest.segments.push_back(segment->entry);
  if (edit) edit(manifest);
  // Before tombstones are collected: the horizon outlives them.
  for (const Tombstone& tombstone : manifest.tombstones) {
    manifest.resync_horizon = std::max(manifest.resync_horizon, tombstone.seq);
  }
  manifest.version += 1;
  manifest.next_file_id = std::max(manifest.next_file_id, next_file_id.load());
  CollectGarbageTombstones(manifest);
  STRATA_RETURN_IF_ERROR(WriteManifestFile(env, dir, cipher.get(), id, manifest));
  auto version = std::make_shared<Version>();
  version->manifest = std::move(manifest);
  std::lock_guard lock(mu);
  for (const auto& segment : current->segments) {
    if (std::find(removed.begin(), removed.end(), segment->entry.id) != removed.end()) {
      segment->obsolete = true;  // Deleted once no snapshot holds it.
    } else {
      version->segments.push_back(segment);
    }
  }
  for (auto& segment : added) version->segments.push_back(std::move(segment));
  current = std::move(version);
  for (size_t i = 0; i < frozen_flushed; ++i) frozen.pop_front();
  if (frozen_flushed > 0) flushed_cv.notify_all();
  return {};
}

// Builds one segment of one partition from chunks of rows in their final order, and opens
// it. The file is created with the first rows; none is written for zero rows.
class DatasetStore::Impl::SegmentOutput {
 public:
  SegmentOutput(Impl& store, const types::DatasetLayout& layout, int64_t partition,
                int64_t applied_tombstone_seq, bool compacted, std::vector<uint32_t> order_key)
      : store_(store), layout_(layout) {
    entry_.partition = partition;
    entry_.applied_tombstone_seq = applied_tombstone_seq;
    entry_.schema_version = layout.schema.version;
    entry_.compacted = compacted;
    entry_.order_key = std::move(order_key);
    entry_.min_time = INT64_MAX;
    entry_.max_time = INT64_MIN;
  }

  // Appends rows [begin, end) of rows (at most chunk_rows; see SegmentWriter::AppendChunk).
  Status Add(const types::Batch& rows, size_t begin, size_t end) {
    if (writer_ == nullptr) {
      entry_.id = store_.next_file_id.fetch_add(1);
      SegmentWriteOptions options;
      options.compression = store_.options.compression;
      options.zstd_level = store_.options.zstd_level;
      options.chunk_rows = store_.options.chunk_rows;
      options.cipher = store_.cipher.get();
      options.dataset_id = store_.id;
      // Rows arrive sorted by the order key: the latest row per value of its first field (by
      // its second) can be indexed.
      if (entry_.order_key && entry_.order_key->size() >= 2) {
        options.last_rows = LastRowsKey{(*entry_.order_key)[0], (*entry_.order_key)[1]};
      }
      SegmentFooter footer;
      footer.schema_version = layout_.schema.version;
      footer.partition = entry_.partition;
      footer.applied_tombstone_seq = entry_.applied_tombstone_seq;
      std::vector<types::DataType> types;
      for (const types::ColumnVector& column : rows.columns) types.push_back(column.type());
      STRATA_ASSIGN_OR_RETURN(
          writer_, SegmentWriter::Create(store_.env, store_.SegmentPath(entry_.id), rows.field_ids,
                                         types, footer, options));
      if (layout_.time_field_id) time_column_ = rows.ColumnIndex(*layout_.time_field_id);
    }
    if (time_column_) {
      const types::ColumnVector& time = rows.columns[*time_column_];
      for (size_t row_idx = begin; row_idx < end; ++row_idx) {
        if (time.IsNull(row_idx)) continue;
        entry_.min_time = std::min(entry_.min_time, time.ints()[row_idx]);
        entry_.max_time = std::max(entry_.max_time, time.ints()[row_idx]);
      }
    }
    entry_.logical_bytes += LogicalBytes(rows, begin, end);
    return writer_->AppendChunk(rows, begin, end);
  }

  // The opened segment, or nullptr when no rows were added.
  Result<std::shared_ptr<SegmentHandle>> Finish() {
    if (writer_ == nullptr) return std::shared_ptr<SegmentHandle>();
    STRATA_ASSIGN_OR_RETURN(SegmentWriteResult written, writer_->Finish());
    if (entry_.min_time > entry_.max_time) entry_.min_time = entry_.max_time = 0;
    entry_.rows = written.footer.row_count;
    entry_.file_bytes = written.file_bytes;
    entry_.min_seq = written.footer.min_seq;
    entry_.max_seq = written.footer.max_seq;
    return store_.OpenSegment(entry_);
  }

 private:
  Impl& store_;
  const types::DatasetLayout& layout_;
  SegmentEntry entry_;
  std::unique_ptr<SegmentWriter> writer_;
  std::optional<size_t> time_column_;
};

Status DatasetStore::Impl::WriteSegments(const types::Batch& rows,
                                         const types::DatasetLayout& layout,
                                         int64_t applied_tombstone_seq,
                                         std::vector<std::shared_ptr<SegmentHandle>>& added,
                                         int64_t& expired_max_seq) {
  const int64_t now = NowMicros();
  for (const PartitionRows& part : SplitAndSort(rows, layout)) {
    // Rows already in order and all in one partition are written as they are.
    const bool identity =
        part.rows.size() == rows.num_rows && std::is_sorted(part.rows.begin(), part.rows.end());
    types::Batch gathered;
    if (!identity) gathered = Gather(rows, part.rows);
    const types::Batch& sorted = identity ? rows : gathered;
    if (layout.time_field_id) {
      const types::ColumnVector& time = *sorted.Column(*layout.time_field_id);
      int64_t max_time = INT64_MIN;
      for (size_t row_idx = 0; row_idx < sorted.num_rows; ++row_idx) {
        if (!time.IsNull(row_idx)) max_time = std::max(max_time, time.ints()[row_idx]);
      }
      if (Expired(layout, part.partition, max_time, now)) {
        for (int64_t seq : sorted.seqs) expired_max_seq = std::max(expired_max_seq, seq);
        continue;
      }
    }
    SegmentOutput output(*this, layout, part.partition, applied_tombstone_seq, false,
                         OrderKey(layout));
    for (size_t begin = 0; begin < sorted.num_rows; begin += options.chunk_rows) {
      STRATA_RETURN_IF_ERROR(
          output.Add(sorted, begin, std::min(begin + options.chunk_rows, sorted.num_rows)));
    }
    STRATA_ASSIGN_OR_RETURN(std::shared_ptr<SegmentHandle> handle, output.Finish());
    if (handle != nullptr) added.push_back(std::move(handle));
  }
  return {};
}

Status DatasetStore::Impl::FlushFrozen() {
  while (true) {
    std::shared_ptr<Memtable> memtable;
    Snapshot snap;
    {
      std::lock_guard lock(mu);
      if (frozen.empty()) return {};
      memtable = frozen.front();
      snap.layout = layout;
      snap.tombstones = current->manifest.tombstones;
    }
    snap.seq = INT64_MAX;
    snap.tombstones.insert(snap.tombstones.end(), memtable->tombstones.begin(),
                           memtable->tombstones.end());
    int64_t applied = 0;
    for (const Tombstone& tombstone : snap.tombstones) applied = std::max(applied, tombstone.seq);

    // Reused by this (flush) thread: a fresh multi-megabyte batch per flush costs more in
    // page faults than the copy itself. Holds at most one memtable's worth of memory.
    thread_local types::Batch rows;
    rows.Reset(snap.layout.schema);
    rows.Reserve(memtable->rows);
    for (const auto& chunk : memtable->chunks) {
      std::unique_ptr<RowSource> source = MakeMemChunkSource(chunk, snap.layout.schema);
      STRATA_RETURN_IF_ERROR(CollectRows(*source, snap, &rows));
    }
    std::vector<std::shared_ptr<SegmentHandle>> added;
    int64_t expired_max_seq = 0;
    Status status = WriteSegments(rows, snap.layout, applied, added, expired_max_seq);
    if (status.ok()) {
      int64_t ingest_micros;
      {
        std::lock_guard lock(mu);
        ingest_micros = last_ingest_micros;
      }
      status = InstallManifest(
          [&](Manifest& manifest) {
            manifest.flushed_seq = std::max(manifest.flushed_seq, memtable->last_seq);
            manifest.last_seq = std::max(manifest.last_seq, memtable->last_seq);
            manifest.tombstones.insert(manifest.tombstones.end(), memtable->tombstones.begin(),
                                       memtable->tombstones.end());
            manifest.last_ingest_micros = ingest_micros;
            manifest.resync_horizon = std::max(manifest.resync_horizon, expired_max_seq);
          },
          added, {}, 1);
    }
    if (!status.ok()) {
      for (auto& handle : added) handle->obsolete = true;
      return status.Annotate("flush of dataset '" + id + "' failed");
    }
    for (const std::string& path : memtable->wal_paths) {
      {
        std::lock_guard lock(mu);
        // Invariant: a frozen memtable never owns the live WAL. Checked, because deleting
        // it would lose acknowledged appends.
        STRATA_CHECK(wal == nullptr || path != wal->path());
      }
      env->DeleteFile(path).IgnoreError();
    }
    env->SyncDir(dir).IgnoreError();
  }
}

Status DatasetStore::Flush() {
  std::lock_guard flushing(impl_->flush_mu);
  CommitWriter rotate;
  rotate.kind = CommitWriter::Kind::kRotate;
  STRATA_RETURN_IF_ERROR(impl_->Commit(&rotate));
  return impl_->FlushFrozen();
}

bool DatasetStore::NeedsFlush(int64_t now_micros) const {
  std::lock_guard lock(impl_->mu);
  const Memtable& active = *impl_->active;
  if (!impl_->frozen.empty()) return true;
  if (active.empty()) return false;
  return active.bytes >= impl_->options.memtable_flush_bytes ||
         impl_->UnflushedBytesLocked() > impl_->UnflushedLimit() / 2 ||
         now_micros - active.oldest_micros >= impl_->options.memtable_flush_age_ms * 1000 ||
         !active.tombstones.empty();
}

namespace {

// Size tier of a segment: 0 up to 64K rows, then one tier per `fan_out`-fold growth.
// Background compaction merges segments of one tier, so every row is rewritten about
// log_{fan_out}(partition rows) times, not once per flush.
int SizeTier(uint64_t rows, size_t fan_out) {
  int tier = 0;
  for (uint64_t cap = 65536; rows > cap && tier < 32; cap *= fan_out) ++tier;
  return tier;
}

}  // namespace

namespace {

// A segment's rows (through the snapshot's tombstones and current schema) a chunk at a time.
class SegmentRun : public SortedRun {
 public:
  SegmentRun(std::shared_ptr<SegmentHandle> segment, const Snapshot& snap)
      : segment_(std::move(segment)), snap_(snap) {}

  Result<bool> Next(types::Batch* rows) override {
    if (chunk_idx_ == segment_->reader->footer().chunk_count()) return false;
    // Not through the block cache: compaction reads each chunk once.
    std::unique_ptr<RowSource> source =
        MakeSegmentChunkSource(segment_, chunk_idx_++, nullptr, false, snap_.layout.schema);
    rows->Reset(snap_.layout.schema);
    STRATA_RETURN_IF_ERROR(CollectRows(*source, snap_, rows));
    return true;
  }

 private:
  std::shared_ptr<SegmentHandle> segment_;
  const Snapshot& snap_;
  size_t chunk_idx_ = 0;
};

}  // namespace

Status DatasetStore::Impl::MergeSegments(
    const std::vector<std::shared_ptr<SegmentHandle>>& segments, const Manifest& base,
    const types::DatasetLayout& layout) {
  int64_t newest_tombstone = 0;
  for (const Tombstone& tombstone : base.tombstones) {
    newest_tombstone = std::max(newest_tombstone, tombstone.seq);
  }
  Snapshot snap;
  snap.layout = layout;
  snap.seq = INT64_MAX;
  snap.tombstones = base.tombstones;
  const int64_t partition = segments.front()->entry.partition;
  std::vector<uint64_t> removed;
  int64_t max_time = INT64_MIN;
  for (const auto& segment : segments) {
    removed.push_back(segment->entry.id);
    max_time = std::max(max_time, segment->entry.max_time);
  }
  std::vector<std::shared_ptr<SegmentHandle>> added;
  uint64_t rows_written = 0;
  int64_t expired_max_seq = 0;
  auto merge = [&]() -> Status {
    if (Expired(layout, partition, max_time, NowMicros())) {  // Nothing to keep.
      for (const auto& segment : segments) {
        expired_max_seq = std::max(expired_max_seq, segment->entry.max_seq);
      }
      return {};
    }
    const std::vector<uint32_t> order_key = OrderKey(layout);
    types::Batch output = types::Batch::ForSchema(layout.schema);
    const std::vector<size_t> key_columns = KeyColumns(output, order_key);
    // Segments already in this order stream a chunk at a time; others (flushed in time
    // order, or compacted under another sort key) are read whole and sorted first.
    std::vector<std::unique_ptr<SortedRun>> runs;
    for (const auto& segment : segments) {
      auto run = std::make_unique<SegmentRun>(segment, snap);
      if (segment->entry.order_key == order_key) {
        runs.push_back(std::move(run));
        continue;
      }
      types::Batch rows = types::Batch::ForSchema(layout.schema);
      rows.Reserve(segment->entry.rows);
      types::Batch chunk;
      while (true) {
        STRATA_ASSIGN_OR_RETURN(bool more, run->Next(&chunk));
        if (!more) break;
        for (size_t col_idx = 0; col_idx < rows.columns.size(); ++col_idx) {
          rows.columns[col_idx].AppendRange(chunk.columns[col_idx], 0, chunk.num_rows);
        }
        rows.seqs.insert(rows.seqs.end(), chunk.seqs.begin(), chunk.seqs.end());
        rows.num_rows += chunk.num_rows;
      }
      std::vector<uint32_t> order(rows.num_rows);
      std::iota(order.begin(), order.end(), 0);
      SortRows(rows, key_columns, order);
      runs.push_back(MakeBatchRun(Gather(rows, order)));
    }
    SegmentOutput segment_output(*this, layout, partition, newest_tombstone, true, order_key);
    STRATA_RETURN_IF_ERROR(MergeRuns(std::move(runs), key_columns, options.chunk_rows,
                                     std::move(output), [&](const types::Batch& chunk) {
                                       rows_written += chunk.num_rows;
                                       return segment_output.Add(chunk, 0, chunk.num_rows);
                                     }));
    STRATA_ASSIGN_OR_RETURN(std::shared_ptr<SegmentHandle> handle, segment_output.Finish());
    if (handle != nullptr) added.push_back(std::move(handle));
    return {};
  };
  Status status = merge();
  if (status.ok()) {
    status = InstallManifest(
        [&](Manifest& manifest) {
          manifest.resync_horizon = std::max(manifest.resync_horizon, expired_max_seq);
        },
        added, removed, 0);
  }
  if (!status.ok()) {
    for (auto& handle : added) handle->obsolete = true;
    return status.Annotate("compaction of dataset '" + id + "' failed");
  }
  STRATA_LOG(kDebug, "compacted segments")
      .Str("dataset", id)
      .Int("partition", partition)
      .Int("segments", static_cast<int64_t>(removed.size()))
      .Int("rows", static_cast<int64_t>(rows_written));
  return {};
}

Status DatasetStore::Compact(size_t min_segments) {
  std::lock_guard compacting(impl_->compact_mu);
  Impl& s = *impl_;
  const auto [version, layout] = s.CurrentVersionAndLayout();
  const Manifest& base = version->manifest;
  std::map<int64_t, std::vector<std::shared_ptr<SegmentHandle>>> partitions;
  for (const auto& segment : version->segments) {
    partitions[segment->entry.partition].push_back(segment);
  }
  for (auto& [partition, segments] : partitions) {
    auto has_pending_delete = [&](const std::shared_ptr<SegmentHandle>& segment) {
      return std::any_of(base.tombstones.begin(), base.tombstones.end(),
                         [&](const Tombstone& tombstone) {
                           return DeleteAppliesTo(segment->entry, tombstone.seq);
                         });
    };
    if (min_segments <= 1) {
      // Full compaction: every partition is rewritten as one segment in the current sort
      // order and schema (also after the sort key changed).
      STRATA_RETURN_IF_ERROR(s.MergeSegments(segments, base, layout));
      continue;
    }
    // Erasure: every segment a delete still applies to is rewritten, each on its own.
    bool erased = false;
    for (const auto& segment : segments) {
      if (has_pending_delete(segment)) {
        STRATA_RETURN_IF_ERROR(s.MergeSegments({segment}, base, layout));
        erased = true;
      }
    }
    if (erased) continue;  // The next round sees the rewritten segments.
    // Size-tiered merging.
    std::map<int, std::vector<std::shared_ptr<SegmentHandle>>> tiers;
    for (const auto& segment : segments) {
      tiers[SizeTier(segment->entry.rows, min_segments)].push_back(segment);
    }
    for (auto& [tier, members] : tiers) {
      if (members.size() >= min_segments) {
        STRATA_RETURN_IF_ERROR(s.MergeSegments(members, base, layout));
        break;  // One merge per partition per round keeps rounds short.
      }
    }
  }
  return {};
}

Status DatasetStore::ApplyRetention(int64_t now_micros) {
  std::lock_guard compacting(impl_->compact_mu);
  Impl& s = *impl_;
  const auto [version, layout] = s.CurrentVersionAndLayout();
  std::vector<uint64_t> removed;
  int64_t removed_max_seq = 0;
  for (const SegmentEntry& entry : version->manifest.segments) {
    if (Expired(layout, entry.partition, entry.max_time, now_micros)) {
      removed.push_back(entry.id);
      removed_max_seq = std::max(removed_max_seq, entry.max_seq);
    }
  }
  if (removed.empty()) return {};
  STRATA_LOG(kInfo, "retention dropped expired segments")
      .Str("dataset", s.id)
      .Int("segments", static_cast<int64_t>(removed.size()));
  return s.InstallManifest(
      [&](Manifest& manifest) {
        manifest.resync_horizon = std::max(manifest.resync_horizon, removed_max_seq);
      },
      {}, removed, 0);
}

Status DatasetStore::RunFlush(int64_t now_micros) {
  bool erase;
  {
    std::lock_guard lock(impl_->mu);
    erase = impl_->erase_pending;
  }
  // A pending delete is flushed at once, so that compaction can erase it.
  if (erase || NeedsFlush(now_micros)) return Flush();
  return {};
}

Status DatasetStore::RunCompaction(int64_t now_micros) {
  STRATA_RETURN_IF_ERROR(Compact(impl_->options.compaction_min_segments));
  STRATA_RETURN_IF_ERROR(ApplyRetention(now_micros));
  std::lock_guard lock(impl_->mu);
  if (impl_->erase_pending) {
    bool pending =
        !impl_->current->manifest.tombstones.empty() || !impl_->active->tombstones.empty();
    for (const auto& memtable : impl_->frozen) pending = pending || !memtable->tombstones.empty();
    impl_->erase_pending = pending;
  }
  return {};
}

Status DatasetStore::RunMaintenance(int64_t now_micros) {
  STRATA_RETURN_IF_ERROR(RunFlush(now_micros));
  return RunCompaction(now_micros);
}

}  // namespace strata::storage
