// RowSink: where a query's result rows go, in result order — a JSON page being built, or an
// NDJSON/CSV stream to a client.
// Thread safety: the executor calls a sink from one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "types/column_vector.h"

namespace strata::exec {

struct ResultColumn {
  std::string name;
  types::DataType type = types::DataType::kInt64;
};

// A result's rows as consecutive parts, each one vector per result column: rows collected
// batch by batch without concatenating them.
struct ResultRows {
  struct Part {
    std::vector<types::ColumnVector> columns;  // One per result column.
    size_t rows = 0;
  };
  std::vector<Part> parts;  // None empty.
  size_t num_rows = 0;

  // Appends rows [begin, end) of `columns` as copies, to the last part while it is small.
  void Append(const std::vector<types::ColumnVector>& columns, size_t begin, size_t end);
  // Appends all `rows` rows of `columns` as a part of their own, without copying; fewer than
  // 1,024 rows are copied like the other Append.
  void Append(std::vector<types::ColumnVector>&& columns, size_t rows);
  size_t MemoryBytes() const;
};

class RowSink {
 public:
  virtual ~RowSink() = default;
  // Called once, before any row.
  virtual Status Begin(const std::vector<ResultColumn>& columns) = 0;
  // Rows [begin, end) of `columns` (one per result column). An error stops the query and is
  // returned by Execute (e.g. the client went away).
  virtual Status Write(const std::vector<types::ColumnVector>& columns, size_t begin,
                       size_t end) = 0;
  // Write of rows [0, rows) of `columns`, handed over: the sink may keep the vectors. By
  // default, Write.
  virtual Status WriteOwned(std::vector<types::ColumnVector>&& columns, size_t rows) {
    return rows > 0 ? Write(columns, 0, rows) : Status();
  }
  // The whole result at once: `rows`, which nobody changes any more, so the sink may keep
  // them (e.g. to encode them later). By default, Write of each part.
  virtual Status WriteAll(std::shared_ptr<const ResultRows> rows) {
    for (const ResultRows::Part& part : rows->parts) {
      STRATA_RETURN_IF_ERROR(Write(part.columns, 0, part.rows));
    }
    return Status();
  }
};

// Keeps every row written to it (inner plans, records pages, EXPLAIN lines).
class CollectSink : public RowSink {
 public:
  Status Begin(const std::vector<ResultColumn>& columns) override {
    header = columns;
    for (const ResultColumn& column : columns) this->columns.emplace_back(column.type);
    return Status();
  }
  Status Write(const std::vector<types::ColumnVector>& batch, size_t begin, size_t end) override {
    for (size_t j = 0; j < columns.size(); ++j) columns[j].AppendRange(batch[j], begin, end);
    num_rows += end - begin;
    return Status();
  }

  std::vector<ResultColumn> header;
  std::vector<types::ColumnVector> columns;  // One per result column.
  size_t num_rows = 0;
};

}  // namespace strata::exec
