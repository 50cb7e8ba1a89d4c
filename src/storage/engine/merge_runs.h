// K-way merge of sorted runs of rows into chunks, for compaction: memory holds one batch per
// run and one output chunk, whatever the total size.
// Thread safety: a merge runs on one thread.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "common/result.h"
#include "types/batch.h"

namespace strata::storage {

// Rows in merge order (CompareBatchRows over the merge's key columns), a batch at a time.
class SortedRun {
 public:
  virtual ~SortedRun() = default;
  // Replaces *rows with the next rows of the run (seqs filled, columns of the merge's
  // schema; it may be empty), or returns false when the run is exhausted.
  virtual Result<bool> Next(types::Batch* rows) = 0;
};

// A run over one batch already in order.
std::unique_ptr<SortedRun> MakeBatchRun(types::Batch rows);

// Merges `runs` by `key_columns` then seq, calling `emit` with chunks of exactly `chunk_rows`
// rows (the last may be shorter; no call for zero rows). `output` is the chunk buffer emit
// receives: an empty batch of the merge's schema, reused for every chunk.
Status MergeRuns(std::vector<std::unique_ptr<SortedRun>> runs,
                 const std::vector<size_t>& key_columns, size_t chunk_rows, types::Batch output,
                 const std::function<Status(const types::Batch&)>& emit);

}  // namespace strata::storage
