// DatasetStore's manifest edits: flush (memtable -> sorted segments per partition),
// compaction (merge a partition's segments, apply tombstones, sort by the sort key) and
// retention (drop expired partitions). Flushes run under flush_mu, compaction and retention
// under compact_mu, so a flush never waits for a compaction; every manifest edit is applied to
// the current manifest under manifest_mu (invariant 5).
#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>
#include <unordered_map>

#include "common/check.h"
#include "common/logging.h"
#include "common/time_util.h"
#include "storage/engine/dataset_store_impl.h"
#include "storage/engine/manifest_file.h"
#include "storage/engine/row_source.h"
#include "storage/segment/segment_writer.h"

namespace strata::storage {
namespace {

uint64_t LogicalBytes(const types::Batch& batch) {
  uint64_t bytes = batch.num_rows * sizeof(int64_t);  // The seq column.
  for (const types::ColumnVector& column : batch.columns) {
    switch (column.type()) {
      case types::DataType::kBool: bytes += column.size(); break;
      case types::DataType::kString:
      case types::DataType::kJson:
        bytes += column.chars().size() + column.size() * sizeof(uint32_t);
        break;
      default: bytes += column.size() * 8; break;
    }
  }
  return bytes;
}

// Compares rows a and b of column (NULLs first).
int CompareRows(const types::ColumnVector& column, uint32_t a, uint32_t b) {
  const bool null_a = column.IsNull(a);
  const bool null_b = column.IsNull(b);
  if (null_a || null_b) return null_a == null_b ? 0 : (null_a ? -1 : 1);
  switch (column.type()) {
    case types::DataType::kBool:
      return static_cast<int>(column.bools()[a]) - static_cast<int>(column.bools()[b]);
    case types::DataType::kInt64:
    case types::DataType::kTimestamp: {
      const int64_t x = column.ints()[a];
      const int64_t y = column.ints()[b];
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case types::DataType::kFloat64: {
      const double x = column.doubles()[a];
      const double y = column.doubles()[b];
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case types::DataType::kString:
    case types::DataType::kJson: return column.StringAt(a).compare(column.StringAt(b));
  }
  return 0;
}

// Integers that order the rows of a column without NULLs as the column's values do:
// the value for integers, the rank among distinct values for strings, an order-preserving bit
// pattern for floats (-0.0 before +0.0, NaNs after +inf).
std::vector<int64_t> OrderOrdinals(const types::ColumnVector& column) {
  const size_t rows = column.size();
  std::vector<int64_t> ordinals(rows);
  switch (column.type()) {
    case types::DataType::kBool:
      for (size_t row_idx = 0; row_idx < rows; ++row_idx)
        ordinals[row_idx] = column.bools()[row_idx];
      break;
    case types::DataType::kInt64:
    case types::DataType::kTimestamp:
      std::copy(column.ints().begin(), column.ints().begin() + rows, ordinals.begin());
      break;
    case types::DataType::kFloat64:
      for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
        uint64_t bits = 0;
        std::memcpy(&bits, &column.doubles()[row_idx], sizeof(bits));
        bits = (bits & (uint64_t{1} << 63)) != 0 ? ~bits : bits | (uint64_t{1} << 63);
        ordinals[row_idx] = static_cast<int64_t>(bits ^ (uint64_t{1} << 63));
      }
      break;
    case types::DataType::kString:
    case types::DataType::kJson: {
      std::unordered_map<std::string_view, uint32_t> codes;
      std::vector<std::string_view> distinct;
      std::vector<uint32_t> code_of_row(rows);
      for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
        const std::string_view value = column.StringAt(row_idx);
        auto [it, inserted] = codes.try_emplace(value, static_cast<uint32_t>(distinct.size()));
        if (inserted) distinct.push_back(value);
        code_of_row[row_idx] = it->second;
      }
      std::vector<uint32_t> by_value(distinct.size());
      std::iota(by_value.begin(), by_value.end(), 0);
      std::sort(by_value.begin(), by_value.end(),
                [&](uint32_t a, uint32_t b) { return distinct[a] < distinct[b]; });
      std::vector<int64_t> rank(distinct.size());
      for (size_t i = 0; i < by_value.size(); ++i) rank[by_value[i]] = static_cast<int64_t>(i);
      for (size_t row_idx = 0; row_idx < rows; ++row_idx)
        ordinals[row_idx] = rank[code_of_row[row_idx]];
      break;
    }
  }
  return ordinals;
}

struct PartitionRows {
  int64_t partition = 0;
  std::vector<uint32_t> rows;
};

// How a segment's rows are ordered: flushes keep time order (cheap: rows usually arrive in
// it), compaction applies the dataset's sort key.
enum class RowOrder { kTime, kSortKey };

// Splits rows by partition of the time field and orders each partition (then by seq, so the
// order is total and deterministic).
std::vector<PartitionRows> SplitAndSort(const types::Batch& rows,
                                        const types::DatasetLayout& layout, RowOrder order) {
  const types::ColumnVector* time =
      layout.time_field_id ? rows.Column(*layout.time_field_id) : nullptr;
  std::map<int64_t, std::vector<uint32_t>> by_partition;
  std::vector<uint32_t>* current = nullptr;  // Consecutive rows mostly share a partition.
  int64_t current_partition = 0;
  for (uint32_t row_idx = 0; row_idx < rows.num_rows; ++row_idx) {
    const int64_t partition =
        time != nullptr && !time->IsNull(row_idx)
            ? types::PartitionStart(time->ints()[row_idx], layout.partition_by)
            : 0;
    if (current == nullptr || partition != current_partition) {
      current = &by_partition[partition];
      current_partition = partition;
    }
    current->push_back(row_idx);
  }
  std::vector<const types::ColumnVector*> keys;
  if (order == RowOrder::kSortKey) {
    for (uint32_t field_id : layout.sort_field_ids) {
      if (const types::ColumnVector* column = rows.Column(field_id)) keys.push_back(column);
    }
  }
  if (keys.empty() && time != nullptr) keys.push_back(time);
  std::vector<PartitionRows> result;
  // Without NULLs, each key column becomes order-preserving integers first, so the sort
  // compares integers instead of switching on types and comparing strings.
  const bool integer_keys =
      std::none_of(keys.begin(), keys.end(), [](const auto* key) { return key->has_nulls(); });
  std::vector<std::vector<int64_t>> ordinals;
  if (integer_keys) {
    for (const types::ColumnVector* key : keys) ordinals.push_back(OrderOrdinals(*key));
  }
  auto less = [&](uint32_t a, uint32_t b) {
    if (integer_keys) {
      for (const std::vector<int64_t>& key : ordinals) {
        if (key[a] != key[b]) return key[a] < key[b];
      }
    } else {
      for (const types::ColumnVector* key : keys) {
        const int cmp = CompareRows(*key, a, b);
        if (cmp != 0) return cmp < 0;
      }
    }
    return rows.seqs[a] < rows.seqs[b];
  };
  for (auto& [partition, indices] : by_partition) {
    // Rows usually arrive in time order: check before sorting.
    if (!std::is_sorted(indices.begin(), indices.end(), less)) {
      std::stable_sort(indices.begin(), indices.end(), less);
    }
    result.push_back(PartitionRows{partition, std::move(indices)});
  }
  return result;
}

types::Batch Gather(const types::Batch& rows, const std::vector<uint32_t>& indices) {
  types::Batch out;
  out.schema_version = rows.schema_version;
  out.field_ids = rows.field_ids;
  out.num_rows = indices.size();
  for (const types::ColumnVector& column : rows.columns) {
    types::ColumnVector gathered(column.type());
    gathered.Reserve(indices.size());
    gathered.AppendSelected(column, indices);
    out.columns.push_back(std::move(gathered));
  }
  out.seqs.resize(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) out.seqs[i] = rows.seqs[indices[i]];
  return out;
}

void CollectGarbageTombstones(Manifest& manifest) {
  std::erase_if(manifest.tombstones, [&](const Tombstone& tombstone) {
    if (manifest.flushed_seq < tombstone.seq) return false;
    return std::all_of(
        manifest.segments.begin(), manifest.segments.end(), [&](const SegmentEntry& segment) {
          return segment.min_seq > tombstone.seq || segment.applied_tombstone_seq >= tombstone.seq;
        });
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
  }
  std::erase_if(manifest.segments, [&](const SegmentEntry& entry) {
    return std::find(removed.begin(), removed.end(), entry.id) != removed.end();
  });
  for (const auto& segment : added) manifest.segments.push_back(segment->entry);
  if (edit) edit(manifest);
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

Status DatasetStore::Impl::WriteSegments(const types::Batch& rows,
                                         const types::DatasetLayout& layout,
                                         int64_t applied_tombstone_seq, bool compacted,
                                         std::vector<std::shared_ptr<SegmentHandle>>& added) {
  Impl& s = *this;
  SegmentWriteOptions write_options;
  write_options.compression = s.options.compression;
  write_options.zstd_level = s.options.zstd_level;
  write_options.chunk_rows = s.options.chunk_rows;
  write_options.cipher = s.cipher.get();
  write_options.dataset_id = s.id;
  const int64_t now = NowMicros();
  for (const PartitionRows& part :
       SplitAndSort(rows, layout, compacted ? RowOrder::kSortKey : RowOrder::kTime)) {
    // Rows already in order and all in one partition are written as they are.
    const bool identity =
        part.rows.size() == rows.num_rows && std::is_sorted(part.rows.begin(), part.rows.end());
    types::Batch gathered;
    if (!identity) gathered = Gather(rows, part.rows);
    const types::Batch& sorted = identity ? rows : gathered;
    SegmentEntry entry;
    entry.partition = part.partition;
    if (layout.time_field_id) {
      const types::ColumnVector* time = sorted.Column(*layout.time_field_id);
      entry.min_time = INT64_MAX;
      entry.max_time = INT64_MIN;
      for (size_t row_idx = 0; row_idx < sorted.num_rows; ++row_idx) {
        if (time->IsNull(row_idx)) continue;
        entry.min_time = std::min(entry.min_time, time->ints()[row_idx]);
        entry.max_time = std::max(entry.max_time, time->ints()[row_idx]);
      }
      if (entry.min_time > entry.max_time) entry.min_time = entry.max_time = 0;
      if (Expired(layout, entry.partition, entry.max_time, now)) continue;
    }
    entry.id = next_file_id.fetch_add(1);
    SegmentFooter footer;
    footer.schema_version = layout.schema.version;
    footer.partition = part.partition;
    footer.applied_tombstone_seq = applied_tombstone_seq;
    STRATA_ASSIGN_OR_RETURN(
        SegmentWriteResult written,
        WriteSegment(s.env, s.SegmentPath(entry.id), sorted, footer, write_options));
    entry.rows = sorted.num_rows;
    entry.file_bytes = written.file_bytes;
    entry.logical_bytes = LogicalBytes(sorted);
    entry.min_seq = written.footer.min_seq;
    entry.max_seq = written.footer.max_seq;
    entry.applied_tombstone_seq = applied_tombstone_seq;
    entry.schema_version = layout.schema.version;
    entry.compacted = compacted;
    STRATA_ASSIGN_OR_RETURN(std::shared_ptr<SegmentHandle> handle, s.OpenSegment(entry));
    added.push_back(std::move(handle));
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
    Status status = WriteSegments(rows, snap.layout, applied, false, added);
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
  types::Batch rows = types::Batch::ForSchema(layout.schema);
  uint64_t total_rows = 0;
  for (const auto& segment : segments) total_rows += segment->entry.rows;
  rows.Reserve(total_rows);  // One allocation per column instead of a doubling series.
  std::vector<uint64_t> removed;
  for (const auto& segment : segments) {
    removed.push_back(segment->entry.id);
    for (size_t chunk_idx = 0; chunk_idx < segment->reader->footer().chunk_count(); ++chunk_idx) {
      // Not through the block cache: compaction reads each chunk once.
      std::unique_ptr<RowSource> source =
          MakeSegmentChunkSource(segment, chunk_idx, nullptr, layout.schema);
      STRATA_RETURN_IF_ERROR(CollectRows(*source, snap, &rows));
    }
  }
  std::vector<std::shared_ptr<SegmentHandle>> added;
  Status status = WriteSegments(rows, layout, newest_tombstone, true, added);
  if (status.ok()) status = InstallManifest(nullptr, added, removed, 0);
  if (!status.ok()) {
    for (auto& handle : added) handle->obsolete = true;
    return status.Annotate("compaction of dataset '" + id + "' failed");
  }
  STRATA_LOG(kDebug, "compacted segments")
      .Str("dataset", id)
      .Int("partition", segments.front()->entry.partition)
      .Int("segments", static_cast<int64_t>(removed.size()))
      .Int("rows", static_cast<int64_t>(rows.num_rows));
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
                           return tombstone.seq > segment->entry.min_seq &&
                                  tombstone.seq > segment->entry.applied_tombstone_seq;
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
  for (const SegmentEntry& entry : version->manifest.segments) {
    if (Expired(layout, entry.partition, entry.max_time, now_micros)) removed.push_back(entry.id);
  }
  if (removed.empty()) return {};
  STRATA_LOG(kInfo, "retention dropped expired segments")
      .Str("dataset", s.id)
      .Int("segments", static_cast<int64_t>(removed.size()));
  return s.InstallManifest(nullptr, {}, removed, 0);
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
