#include "types/batch.h"

#include <unordered_set>

namespace strata::types {

Batch Batch::ForSchema(const Schema& schema) {
  Batch batch;
  batch.Reset(schema);
  return batch;
}

void Batch::Reset(const Schema& schema) {
  schema_version = schema.version;
  num_rows = 0;
  seqs.clear();
  field_ids.resize(schema.fields.size());
  columns.resize(schema.fields.size());
  for (size_t col_idx = 0; col_idx < schema.fields.size(); ++col_idx) {
    field_ids[col_idx] = schema.fields[col_idx].id;
    if (columns[col_idx].type() == schema.fields[col_idx].type) {
      columns[col_idx].Clear();
    } else {
      columns[col_idx] = ColumnVector(schema.fields[col_idx].type);
    }
  }
}

void Batch::Reserve(size_t rows) {
  seqs.reserve(num_rows + rows);
  for (ColumnVector& column : columns) column.Reserve(column.size() + rows);
}

std::optional<size_t> Batch::ColumnIndex(uint32_t field_id) const {
  for (size_t col_idx = 0; col_idx < field_ids.size(); ++col_idx) {
    if (field_ids[col_idx] == field_id) return col_idx;
  }
  return std::nullopt;
}

const ColumnVector* Batch::Column(uint32_t field_id) const {
  const std::optional<size_t> col_idx = ColumnIndex(field_id);
  return col_idx ? &columns[*col_idx] : nullptr;
}

std::string Batch::Validate() const {
  if (field_ids.size() != columns.size()) return "field_ids and columns differ in length";
  std::unordered_set<uint32_t> seen;
  for (size_t col_idx = 0; col_idx < columns.size(); ++col_idx) {
    if (!seen.insert(field_ids[col_idx]).second) {
      return "field id " + std::to_string(field_ids[col_idx]) + " appears twice";
    }
    if (columns[col_idx].size() != num_rows) {
      return "column of field " + std::to_string(field_ids[col_idx]) + " has " +
             std::to_string(columns[col_idx].size()) + " rows, expected " +
             std::to_string(num_rows);
    }
  }
  if (!seqs.empty() && seqs.size() != num_rows) return "seqs and num_rows differ";
  return {};
}

size_t Batch::MemoryBytes() const {
  size_t bytes = seqs.capacity() * sizeof(int64_t);
  for (const ColumnVector& column : columns) bytes += column.MemoryBytes();
  return bytes;
}

}  // namespace strata::types
