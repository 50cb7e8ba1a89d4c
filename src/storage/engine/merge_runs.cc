#include "storage/engine/merge_runs.h"

#include <queue>

#include "common/check.h"
#include "storage/engine/row_order.h"

namespace strata::storage {
namespace {

class BatchRun : public SortedRun {
 public:
  explicit BatchRun(types::Batch rows) : rows_(std::move(rows)) {}
  Result<bool> Next(types::Batch* rows) override {
    if (done_) return false;
    done_ = true;
    *rows = std::move(rows_);
    return true;
  }

 private:
  types::Batch rows_;
  bool done_ = false;
};

// A run's current batch and position.
struct Cursor {
  SortedRun* run = nullptr;
  types::Batch rows;
  size_t pos = 0;
};

// Advances cursor to a row, refilling from its run; false when the run is exhausted.
Result<bool> Refill(Cursor& cursor) {
  while (cursor.pos >= cursor.rows.num_rows) {
    STRATA_ASSIGN_OR_RETURN(bool more, cursor.run->Next(&cursor.rows));
    if (!more) return false;
    cursor.pos = 0;
  }
  return true;
}

}  // namespace

std::unique_ptr<SortedRun> MakeBatchRun(types::Batch rows) {
  return std::make_unique<BatchRun>(std::move(rows));
}

Status MergeRuns(std::vector<std::unique_ptr<SortedRun>> runs,
                 const std::vector<size_t>& key_columns, size_t chunk_rows, types::Batch output,
                 const std::function<Status(const types::Batch&)>& emit) {
  STRATA_CHECK(chunk_rows > 0);
  std::vector<Cursor> cursors(runs.size());
  auto greater = [&](size_t a, size_t b) {
    return CompareBatchRows(cursors[a].rows, cursors[a].pos, cursors[b].rows, cursors[b].pos,
                            key_columns) > 0;
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(greater)> heap(greater);
  for (size_t run_idx = 0; run_idx < runs.size(); ++run_idx) {
    cursors[run_idx].run = runs[run_idx].get();
    STRATA_ASSIGN_OR_RETURN(bool has_rows, Refill(cursors[run_idx]));
    if (has_rows) heap.push(run_idx);
  }
  auto flush_output = [&]() -> Status {
    if (output.num_rows == 0) return {};
    STRATA_RETURN_IF_ERROR(emit(output));
    for (types::ColumnVector& column : output.columns) column.Clear();
    output.seqs.clear();
    output.num_rows = 0;
    return {};
  };
  while (!heap.empty()) {
    const size_t top = heap.top();
    heap.pop();
    Cursor& cursor = cursors[top];
    // Take the longest stretch of this run that sorts before the next run's head: with
    // inputs covering different time ranges these stretches are long, and are copied
    // column by column rather than row by row.
    size_t end = cursor.pos + 1;
    const size_t room = chunk_rows - output.num_rows;
    const size_t limit = std::min(cursor.rows.num_rows, cursor.pos + room);
    if (heap.empty()) {
      end = limit;
    } else {
      const Cursor& next = cursors[heap.top()];
      while (end < limit &&
             CompareBatchRows(cursor.rows, end, next.rows, next.pos, key_columns) < 0) {
        ++end;
      }
    }
    for (size_t col_idx = 0; col_idx < output.columns.size(); ++col_idx) {
      output.columns[col_idx].AppendRange(cursor.rows.columns[col_idx], cursor.pos, end);
    }
    output.seqs.insert(output.seqs.end(), cursor.rows.seqs.begin() + cursor.pos,
                       cursor.rows.seqs.begin() + end);
    output.num_rows += end - cursor.pos;
    cursor.pos = end;
    if (output.num_rows == chunk_rows) STRATA_RETURN_IF_ERROR(flush_output());
    STRATA_ASSIGN_OR_RETURN(bool has_rows, Refill(cursor));
    if (has_rows) heap.push(top);
  }
  return flush_output();
}

}  // namespace strata::storage
