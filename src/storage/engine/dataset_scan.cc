// DatasetStore::Scan: plan (validate, prune partitions, segments and chunks by zone maps and
// by ScanSpec::min_seq), then decode, filter and emit each work item — one segment chunk or one
// memtable chunk — on up to spec.parallelism threads.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <set>
#include <thread>

#include "storage/engine/dataset_store_impl.h"
#include "storage/engine/predicate_eval.h"
#include "storage/engine/row_source.h"

namespace strata::storage {
namespace {

using types::CompareOp;
using types::Predicate;

struct ScanPlan {
  std::vector<const types::Field*> outputs;
  std::vector<Predicate> predicates;  // Spec predicates plus the time range.
  const Snapshot* snap = nullptr;
  int64_t min_seq = 0;  // Only rows with a larger seq.
  bool with_seqs = false;
};

Status ValidatePredicates(const types::Schema& schema, const std::vector<Predicate>& predicates) {
  for (const Predicate& predicate : predicates) {
    bool found = false;
    for (const types::Field& field : schema.fields) {
      if (field.id != predicate.field_id) continue;
      found = true;
      if (!PredicateFitsType(predicate, field.type)) {
        return Status::InvalidArgument("predicate on field '" + field.name +
                                       "' has values that do not fit its type " +
                                       std::string(types::DataTypeName(field.type)));
      }
    }
    if (!found) {
      return Status::InvalidArgument("predicate on unknown field id " +
                                     std::to_string(predicate.field_id));
    }
  }
  return {};
}

// The rows of a work item that a snapshot sees and the predicates accept.
struct Selection {
  std::vector<uint32_t> rows;  // Indices of the surviving rows, ascending.
  std::vector<RowRange> runs;  // The same rows as runs of consecutive ones.
  bool all = false;            // Every row survives (rows and runs are then left empty).
};

// The runs of nonzero bytes of keep[0, n), eight bytes at a time where they agree.
void KeptRuns(const uint8_t* keep, size_t n, std::vector<RowRange>& runs) {
  constexpr uint64_t kAllKept = 0x0101010101010101ULL;
  const auto word = [keep](size_t i) {
    uint64_t bytes;
    std::memcpy(&bytes, keep + i, sizeof(bytes));
    return bytes;
  };
  size_t i = 0;
  while (i < n) {
    while (i + 8 <= n && word(i) == 0) i += 8;
    while (i < n && keep[i] == 0) ++i;
    if (i == n) break;
    size_t end = i + 1;
    while (end + 8 <= n && word(end) == kAllKept) end += 8;
    while (end < n && keep[end] != 0) ++end;
    runs.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(end)});
    i = end;
  }
}

// Whether the seq zone map of a segment chunk proves that all its rows have seq <= min_seq.
bool ChunkAtOrBelowSeq(const SegmentFooter& footer, size_t chunk_idx, int64_t min_seq) {
  const ColumnMeta* seqs = footer.FindColumn(kSeqFieldId);
  if (seqs == nullptr) return false;
  const ZoneMap& zone = seqs->chunks[chunk_idx].zone;
  const int64_t* max = std::get_if<int64_t>(&zone.max);
  return zone.has_min_max && max != nullptr && *max <= min_seq;
}

// Whether a tombstone may delete rows of a work item: it is newer than some of them and was
// not applied when they were written.
bool TombstoneReaches(const Tombstone& tombstone, const RowSource& source) {
  return tombstone.seq > source.min_seq() && tombstone.seq > source.applied_tombstone_seq();
}

// Filters a work item's rows: the snapshot's seq and min_seq, the predicates, then the
// tombstones. The rows' seqs are decoded only when one of those seq tests needs them.
Result<Selection> SelectRows(RowSource& source, const Snapshot& snap, int64_t min_seq,
                             const std::vector<Predicate>& predicates) {
  const size_t rows = source.rows();
  Selection selection;
  const bool has_newer = source.max_seq() > snap.seq;  // Rows the snapshot does not see.
  const bool has_older = source.min_seq() <= min_seq;  // Rows at or below min_seq.
  const int64_t* seqs = nullptr;
  if (has_newer || has_older ||
      std::any_of(snap.tombstones.begin(), snap.tombstones.end(), [&](const Tombstone& tombstone) {
        return TombstoneReaches(tombstone, source);
      })) {
    STRATA_ASSIGN_OR_RETURN(seqs, source.Seqs());
  }
  std::vector<uint8_t> keep(rows, 1);
  bool filtered = false;
  if (has_newer) {
    filtered = true;
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) keep[row_idx] &= seqs[row_idx] <= snap.seq;
  }
  if (has_older) {
    filtered = true;
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) keep[row_idx] &= seqs[row_idx] > min_seq;
  }
  for (const Predicate& predicate : predicates) {
    STRATA_ASSIGN_OR_RETURN(ColumnRef column, source.Column(predicate.field_id));
    ApplyPredicate(*column, predicate, keep.data());
    filtered = true;
  }
  std::vector<uint8_t> deleted;
  for (const Tombstone& tombstone : snap.tombstones) {
    if (!TombstoneReaches(tombstone, source)) continue;
    filtered = true;
    deleted.assign(rows, 0);
    for (size_t row_idx = 0; row_idx < rows; ++row_idx)
      deleted[row_idx] = seqs[row_idx] < tombstone.seq;
    for (const Predicate& predicate : tombstone.predicates) {
      STRATA_ASSIGN_OR_RETURN(ColumnRef column, source.AnyColumn(predicate.field_id));
      if (column == nullptr) {  // Field absent here: NULL matches nothing.
        std::fill(deleted.begin(), deleted.end(), 0);
        break;
      }
      ApplyPredicate(*column, predicate, deleted.data());
    }
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) keep[row_idx] &= !deleted[row_idx];
  }
  if (!filtered) {
    selection.all = true;
    return selection;
  }
  KeptRuns(keep.data(), rows, selection.runs);
  size_t count = 0;
  for (const RowRange& run : selection.runs) count += run.end - run.begin;
  selection.all = count == rows;
  if (selection.all) {
    selection.runs.clear();
    return selection;
  }
  selection.rows.resize(count);
  uint32_t* out = selection.rows.data();
  for (const RowRange& run : selection.runs) {
    for (uint32_t row_idx = run.begin; row_idx < run.end; ++row_idx) *out++ = row_idx;
  }
  return selection;
}

// Whether the scan may read a segment's last-rows index in place of its chunks: the index is
// for the fields asked about, and the snapshot sees every row of the segment as written: none
// newer than the snapshot or older than min_seq, no tombstone that reaches them, the key and
// order columns in their current types, and no NULL order value (NULLs count as greatest but
// sort first in the segment, so the index does not hold them).
bool ReadsLastRowsOnly(const types::ScanSpec::LatestPerKey& latest, const ScanPlan& plan,
                       const SegmentHandle& segment) {
  const SegmentFooter& footer = segment.reader->footer();
  const SegmentEntry& entry = segment.entry;
  if (!footer.last_rows || footer.last_rows->key_field_id != latest.key_field_id ||
      footer.last_rows->order_field_id != latest.order_field_id) {
    return false;
  }
  if (entry.max_seq > plan.snap->seq || entry.min_seq <= plan.min_seq) return false;
  for (const Tombstone& tombstone : plan.snap->tombstones) {
    if (tombstone.seq > entry.min_seq && tombstone.seq > entry.applied_tombstone_seq) {
      return false;
    }
  }
  const types::Schema& schema = plan.snap->layout.schema;
  for (uint32_t field_id : {latest.key_field_id, latest.order_field_id}) {
    auto field = std::find_if(schema.fields.begin(), schema.fields.end(),
                              [&](const types::Field& f) { return f.id == field_id; });
    const ColumnMeta* column = footer.FindColumn(field_id);
    if (field == schema.fields.end() || column == nullptr || column->type != field->type) {
      return false;
    }
  }
  for (const ChunkMeta& chunk : footer.FindColumn(latest.order_field_id)->chunks) {
    if (chunk.zone.null_count != 0) return false;
  }
  return true;
}

size_t SelectedCount(const Selection& selection, size_t rows) {
  return selection.all ? rows : selection.rows.size();
}

// Runs one work item: filters its rows and hands the survivors to the sink.
bool RunItem(RowSource& source, const ScanPlan& plan, const BatchSink& sink,
             types::ScanStats& stats, Status& error) {
  const size_t rows = source.rows();
  if (rows == 0) return true;
  stats.rows_scanned += rows;
  Result<Selection> selected = SelectRows(source, *plan.snap, plan.min_seq, plan.predicates);
  if (!selected.ok()) {
    error = selected.status();
    return false;
  }
  const Selection& selection = selected.value();
  const size_t count = SelectedCount(selection, rows);
  if (count == 0) return true;
  types::Batch batch;
  batch.schema_version = plan.snap->layout.schema.version;
  batch.num_rows = count;
  batch.field_ids.reserve(plan.outputs.size());
  batch.columns.reserve(plan.outputs.size());
  for (const types::Field* field : plan.outputs) {
    batch.field_ids.push_back(field->id);
    if (selection.all) {
      Result<types::ColumnVector> whole = source.ReleaseColumn(field->id);
      if (!whole.ok()) {
        error = whole.status();
        return false;
      }
      batch.columns.push_back(std::move(whole).value());
      continue;
    }
    Result<types::ColumnVector> selected =
        source.SelectedColumn(field->id, selection.rows, selection.runs);
    if (!selected.ok()) {
      error = selected.status();
      return false;
    }
    batch.columns.push_back(std::move(selected).value());
  }
  if (plan.with_seqs) {
    Result<const int64_t*> seqs = source.Seqs();
    if (!seqs.ok()) {
      error = seqs.status();
      return false;
    }
    if (selection.all) {
      batch.seqs.assign(seqs.value(), seqs.value() + rows);
    } else {
      batch.seqs.resize(count);
      for (size_t i = 0; i < count; ++i) batch.seqs[i] = seqs.value()[selection.rows[i]];
    }
  }
  stats.rows_returned += batch.num_rows;
  stats.bytes_scanned += source.bytes_read();
  return sink(batch);
}

}  // namespace

Status CollectRows(RowSource& source, const Snapshot& snap, types::Batch* out) {
  const size_t rows = source.rows();
  if (rows == 0) return {};
  STRATA_ASSIGN_OR_RETURN(Selection selection, SelectRows(source, snap, 0, {}));
  const size_t count = SelectedCount(selection, rows);
  if (count == 0) return {};
  const std::vector<types::Field>& fields = snap.layout.schema.fields;
  for (size_t col_idx = 0; col_idx < fields.size(); ++col_idx) {
    STRATA_ASSIGN_OR_RETURN(ColumnRef column, source.Column(fields[col_idx].id));
    if (selection.all) {
      out->columns[col_idx].AppendRange(*column, 0, rows);
    } else {
      out->columns[col_idx].AppendSelected(*column, selection.rows);
    }
  }
  STRATA_ASSIGN_OR_RETURN(const int64_t* seqs, source.Seqs());
  if (selection.all) {
    out->seqs.insert(out->seqs.end(), seqs, seqs + rows);
  } else {
    for (uint32_t row_idx : selection.rows) out->seqs.push_back(seqs[row_idx]);
  }
  out->num_rows += count;
  return {};
}

Result<types::ScanStats> DatasetStore::Scan(const types::ScanSpec& spec, const BatchSink& sink) {
  const Snapshot snap = impl_->TakeSnapshot(spec.snapshot_seq);
  const types::Schema& schema = snap.layout.schema;
  ScanPlan plan;
  plan.snap = &snap;
  plan.with_seqs = spec.with_seqs;
  plan.min_seq = std::max<int64_t>(spec.min_seq, 0);
  if (spec.field_ids.empty()) {
    for (const types::Field& field : schema.fields) plan.outputs.push_back(&field);
  } else {
    for (uint32_t field_id : spec.field_ids) {
      auto it = std::find_if(schema.fields.begin(), schema.fields.end(),
                             [&](const types::Field& field) { return field.id == field_id; });
      if (it == schema.fields.end()) {
        return Status::InvalidArgument("scan of unknown field id " + std::to_string(field_id));
      }
      plan.outputs.push_back(&*it);
    }
  }
  STRATA_RETURN_IF_ERROR(ValidatePredicates(schema, spec.predicates));
  plan.predicates = spec.predicates;
  const auto& time_field = snap.layout.time_field_id;
  const bool has_range = spec.min_time != INT64_MIN || spec.max_time != INT64_MAX;
  if (has_range && !time_field) {
    return Status::InvalidArgument("a time range needs a dataset with a time field");
  }
  if (has_range) {
    if (spec.min_time != INT64_MIN)
      plan.predicates.push_back({*time_field, CompareOp::kGe, {spec.min_time}});
    if (spec.max_time != INT64_MAX)
      plan.predicates.push_back({*time_field, CompareOp::kLt, {spec.max_time}});
  }

  const bool latest_only = types::KeepsLatestPerKey(spec, time_field);

  types::ScanStats stats;
  stats.snapshot_seq = snap.seq;
  // Segment chunks to read (kLastRowsChunk: the segment's last-rows index), and their rows.
  std::vector<std::pair<std::shared_ptr<SegmentHandle>, size_t>> segment_items;
  uint64_t segment_rows = 0;
  // A partition is pruned when no chunk of it is read.
  std::set<int64_t> partitions;
  std::set<int64_t> partitions_read;
  for (const auto& segment : snap.version->segments) {
    const SegmentEntry& entry = segment->entry;
    partitions.insert(entry.partition);
    const int64_t partition_end = types::PartitionEnd(entry.partition, snap.layout.partition_by);
    bool prune = entry.min_seq > snap.seq || entry.max_seq <= plan.min_seq;
    if (has_range && snap.layout.partition_by != types::Granularity::kNone) {
      prune = prune || partition_end <= spec.min_time || entry.partition >= spec.max_time;
    }
    if (has_range && entry.rows > 0) {
      prune = prune || entry.max_time < spec.min_time || entry.min_time >= spec.max_time;
    }
    const SegmentFooter& footer = segment->reader->footer();
    stats.chunks_total += footer.chunk_count();
    if (prune) {
      stats.chunks_pruned += footer.chunk_count();
      continue;
    }
    if (latest_only && ReadsLastRowsOnly(*spec.latest_per_key, plan, *segment)) {
      stats.chunks_pruned += footer.chunk_count();
      segment_items.emplace_back(segment, kLastRowsChunk);
      segment_rows += footer.last_rows->rows;
      partitions_read.insert(entry.partition);
      continue;
    }
    // Chunks of rows that are all older than min_seq: only where the segment has some.
    const bool check_seqs = entry.min_seq <= plan.min_seq;
    for (size_t chunk_idx = 0; chunk_idx < footer.chunk_count(); ++chunk_idx) {
      bool may_match = !check_seqs || !ChunkAtOrBelowSeq(footer, chunk_idx, plan.min_seq);
      for (const Predicate& predicate : plan.predicates) {
        if (!may_match) break;
        const ColumnMeta* column = footer.FindColumn(predicate.field_id);
        if (column == nullptr) continue;  // Default values: no zone map, no pruning.
        if (!ZoneMayMatch(column->chunks[chunk_idx].zone, predicate)) {
          may_match = false;
          break;
        }
      }
      if (!may_match) {
        ++stats.chunks_pruned;
        continue;
      }
      segment_items.emplace_back(segment, chunk_idx);
      segment_rows += footer.ChunkRows(chunk_idx);
      partitions_read.insert(entry.partition);
    }
  }
  // A scan that would decode more than half of the block cache reads through it without
  // adding its chunks, so that one large scan does not evict what smaller ones keep using
  // (and its columns, held by nothing else, reach the sink without a copy). Decoded bytes:
  // 8 a row for each column read (outputs and predicate columns) and the row sequences.
  BlockCache* cache = impl_->cache;
  std::set<uint32_t> columns_read;
  for (const types::Field* field : plan.outputs) columns_read.insert(field->id);
  for (const Predicate& predicate : plan.predicates) columns_read.insert(predicate.field_id);
  const uint64_t decoded_bytes = segment_rows * (columns_read.size() + 1) * sizeof(int64_t);
  const bool fill_cache = cache != nullptr && decoded_bytes <= cache->capacity_bytes() / 2;
  std::vector<std::unique_ptr<RowSource>> items;
  items.reserve(segment_items.size() + snap.chunks.size());
  for (auto& [segment, chunk_idx] : segment_items) {
    items.push_back(
        MakeSegmentChunkSource(std::move(segment), chunk_idx, cache, fill_cache, schema));
  }
  stats.partitions_total = partitions.size();
  stats.partitions_pruned = partitions.size() - partitions_read.size();
  for (const auto& chunk : snap.chunks) {
    ++stats.chunks_total;
    if (chunk->last_seq() <= plan.min_seq) {
      ++stats.chunks_pruned;
      continue;
    }
    items.push_back(MakeMemChunkSource(chunk, schema));
  }
  if (spec.plan_only) return stats;

  // Execute.
  const size_t workers = std::max<size_t>(
      1, std::min<size_t>(static_cast<size_t>(std::max(spec.parallelism, 1)), items.size()));
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex error_mu;
  Status first_error;
  std::vector<types::ScanStats> worker_stats(workers);
  auto work = [&](size_t worker) {
    while (!stop.load(std::memory_order_relaxed)) {
      const size_t item = next.fetch_add(1);
      if (item >= items.size()) return;
      Status error;
      if (!RunItem(*items[item], plan, sink, worker_stats[worker], error)) {
        stop = true;
        if (!error.ok()) {
          std::lock_guard lock(error_mu);
          if (first_error.ok()) first_error = error;
        }
      }
      items[item].reset();  // Release decoded chunks early.
    }
  };
  std::vector<std::thread> threads;
  for (size_t worker = 1; worker < workers; ++worker) threads.emplace_back(work, worker);
  work(0);
  for (std::thread& thread : threads) thread.join();
  STRATA_RETURN_IF_ERROR(first_error);
  for (const types::ScanStats& worker : worker_stats) stats.Add(worker);
  return stats;
}

}  // namespace strata::storage
