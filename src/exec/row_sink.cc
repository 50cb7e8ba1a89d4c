#include "exec/row_sink.h"

namespace strata::exec {
namespace {

// Copied rows go to the last part until it holds this many.
constexpr size_t kPartRows = 8192;
// Vectors handed over with fewer rows are copied instead, so that a result never consists
// of many tiny parts (which its encoders would handle one by one).
constexpr size_t kOwnPartRows = 1024;

}  // namespace

void ResultRows::Append(const std::vector<types::ColumnVector>& columns, size_t begin, size_t end) {
  if (begin >= end) return;
  if (parts.empty() || parts.back().rows >= kPartRows) {
    Part& part = parts.emplace_back();
    for (const types::ColumnVector& column : columns) part.columns.emplace_back(column.type());
  }
  Part& part = parts.back();
  for (size_t j = 0; j < columns.size(); ++j) part.columns[j].AppendRange(columns[j], begin, end);
  part.rows += end - begin;
  num_rows += end - begin;
}

void ResultRows::Append(std::vector<types::ColumnVector>&& columns, size_t rows) {
  if (rows < kOwnPartRows) {
    Append(columns, 0, rows);
    return;
  }
  parts.push_back({std::move(columns), rows});
  num_rows += rows;
}

size_t ResultRows::MemoryBytes() const {
  size_t bytes = sizeof(ResultRows);
  for (const Part& part : parts) {
    bytes += sizeof(Part);
    for (const types::ColumnVector& column : part.columns) bytes += column.MemoryBytes();
  }
  return bytes;
}

}  // namespace strata::exec
