// The order rows are stored in: split by time partition, then sorted by a key of fields with
// the sequence number as the last tie-breaker, so the order is total and deterministic.
// NULLs sort first; strings compare bytewise; floats by an order-preserving bit pattern
// (-0.0 before +0.0, NaNs after +inf). The key is the dataset's sort key, or the time field
// without one. Flushes write every segment in this order, so compaction only merges.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "types/batch.h"
#include "types/dataset_layout.h"

namespace strata::storage {

// The fields rows are ordered by (before seq) under `layout`.
std::vector<uint32_t> OrderKey(const types::DatasetLayout& layout);

// Compares row a of column x with row b of column y of the same type.
int CompareColumnRows(const types::ColumnVector& x, size_t a, const types::ColumnVector& y,
                      size_t b);

// Compares row a of batch x with row b of batch y by `key_columns` (column indices, valid in
// both), then by seq. REQUIRES: both batches have seqs.
int CompareBatchRows(const types::Batch& x, size_t a, const types::Batch& y, size_t b,
                     const std::vector<size_t>& key_columns);

// Column indices of `key` fields in rows (fields rows lack are skipped).
std::vector<size_t> KeyColumns(const types::Batch& rows, const std::vector<uint32_t>& key);

// Sorts `indices` (rows of `rows`) by `key_columns`, then seq.
void SortRows(const types::Batch& rows, const std::vector<size_t>& key_columns,
              std::vector<uint32_t>& indices);

struct PartitionRows {
  int64_t partition = 0;
  std::vector<uint32_t> rows;  // In order.
};

// Splits rows by partition of the time field, in partition order, each sorted by OrderKey.
std::vector<PartitionRows> SplitAndSort(const types::Batch& rows,
                                        const types::DatasetLayout& layout);

// The rows of `rows` listed in `indices`, in that order, with their seqs.
types::Batch Gather(const types::Batch& rows, const std::vector<uint32_t>& indices);

}  // namespace strata::storage
