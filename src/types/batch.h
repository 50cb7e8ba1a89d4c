// Batch: rows of one dataset in columnar form, the unit of ingestion, storage and scans.
// Thread safety: a plain value.
// Invariants: field_ids and columns have the same length; every column has num_rows rows;
// field ids are unique within a batch.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "types/column_vector.h"
#include "types/schema.h"

namespace strata::types {

struct Batch {
  uint32_t schema_version = 0;
  std::vector<uint32_t> field_ids;
  std::vector<ColumnVector> columns;
  size_t num_rows = 0;
  // Per-row dataset sequence numbers. Set on batches a scan returns when requested; empty on
  // batches given to Append (the engine assigns them).
  std::vector<int64_t> seqs;

  // An empty batch with one column per field of `schema`, in schema order.
  static Batch ForSchema(const Schema& schema);

  // Empties the batch and gives it one column per field of `schema`, keeping the memory of
  // columns whose type is unchanged (for buffers reused across batches).
  void Reset(const Schema& schema);
  // Reserves room for `rows` more rows in every column.
  void Reserve(size_t rows);

  // Index of the column holding field `field_id`, if present.
  std::optional<size_t> ColumnIndex(uint32_t field_id) const;
  const ColumnVector* Column(uint32_t field_id) const;

  // Checks the invariants; a non-empty string explains the first violation.
  std::string Validate() const;

  size_t MemoryBytes() const;
};

}  // namespace strata::types
