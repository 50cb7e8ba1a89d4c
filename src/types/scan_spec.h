// ScanSpec: what a read asks of a data backend — fields, a time range, simple predicates the
// backend may use to skip data, and the snapshot to read at. ScanStats: what the read did.
// Thread safety: plain values.
// Contract: predicates are hints for pruning and exact filters at once: a backend returns
// only rows that satisfy every predicate (NULL never satisfies one), and may skip any
// partition or chunk whose zone map proves no row can.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "types/batch.h"
#include "types/data_type.h"

namespace strata::types {

enum class CompareOp { kEq, kLt, kLe, kGt, kGe, kIn };

std::string_view CompareOpName(CompareOp op);

// `field op value` (or `field IN values`). Values carry the field's type (timestamps as
// int64 microseconds); an int64 value compared with a float64 field is converted.
struct Predicate {
  uint32_t field_id = 0;
  CompareOp op = CompareOp::kEq;
  std::vector<Value> values;  // One value, or the IN list.
};

struct ScanSpec {
  // Fields to return, in this order. Empty: every field of the current schema.
  std::vector<uint32_t> field_ids;
  // Rows with min_time <= time < max_time on the dataset's time field.
  int64_t min_time = std::numeric_limits<int64_t>::min();
  int64_t max_time = std::numeric_limits<int64_t>::max();
  std::vector<Predicate> predicates;
  // Read rows with seq <= snapshot_seq. 0: the latest committed state.
  int64_t snapshot_seq = 0;
  // Read only rows with seq > min_seq (a changes cursor; see DatasetStats::resync_horizon).
  // Segments, segment chunks (by their seq zone maps) and memtable chunks whose rows all
  // have seq <= min_seq are skipped unread. 0: every row.
  int64_t min_seq = 0;
  // Also return each row's sequence number in Batch::seqs.
  bool with_seqs = false;
  // Upper bound on worker threads used; 1 runs on the caller's thread only.
  int parallelism = 1;
  // Plan only: prune partitions and chunks, fill the totals and pruned counts of ScanStats,
  // and read nothing (EXPLAIN).
  bool plan_only = false;

  // A hint: the reader needs, of the rows this scan selects, only those with the greatest
  // value of order_field_id among the rows with the same value of key_field_id (NULL order
  // values count as greatest). The backend may return any superset of them, e.g. everything.
  // Backends use it only when KeepsLatestPerKey holds.
  struct LatestPerKey {
    uint32_t key_field_id = 0;
    uint32_t order_field_id = 0;
  };
  std::optional<LatestPerKey> latest_per_key;
};

// Whether no predicate and no time bound of `spec` (time bounds apply to `time_field`) can
// reject the latest row of a key while accepting an older one: predicates on the key field
// and lower bounds on the order field. False without spec.latest_per_key.
bool KeepsLatestPerKey(const ScanSpec& spec, std::optional<uint32_t> time_field);

struct ScanStats {
  int64_t snapshot_seq = 0;
  uint64_t rows_scanned = 0;  // Rows decoded and filtered.
  uint64_t rows_returned = 0;
  uint64_t bytes_scanned = 0;  // Encoded bytes read for the chunks decoded.
  uint64_t partitions_total = 0;
  uint64_t partitions_pruned = 0;  // Partitions of which no chunk was read.
  uint64_t chunks_total = 0;       // Segment chunks and memtable chunks of the snapshot.
  uint64_t chunks_pruned = 0;      // Of those, skipped unread (zone maps, time range, min_seq).

  void Add(const ScanStats& other);
};

// Receives each batch a scan produces; returns false to stop the scan early. With
// parallelism > 1 it is called from several threads at once.
using BatchSink = std::function<bool(Batch& batch)>;

}  // namespace strata::types
