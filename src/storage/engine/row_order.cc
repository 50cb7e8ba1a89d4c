#include "storage/engine/row_order.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>
#include <string_view>
#include <unordered_map>

namespace strata::storage {
namespace {

// Order-preserving integer image of a double (see the header).
int64_t FloatOrdinal(double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  bits = (bits & (uint64_t{1} << 63)) != 0 ? ~bits : bits | (uint64_t{1} << 63);
  return static_cast<int64_t>(bits ^ (uint64_t{1} << 63));
}

// Integers that order the rows of a column without NULLs as CompareColumnRows does: the
// value for integers, the rank among distinct values for strings, FloatOrdinal for floats.
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
      for (size_t row_idx = 0; row_idx < rows; ++row_idx)
        ordinals[row_idx] = FloatOrdinal(column.doubles()[row_idx]);
      break;
    case types::DataType::kString:
    case types::DataType::kJson: {
      if (column.is_dictionary()) {
        // Rank the entries (equal strings share a rank), then look rows up by code.
        std::vector<uint32_t> by_value(column.dictionary_size());
        std::iota(by_value.begin(), by_value.end(), 0);
        std::sort(by_value.begin(), by_value.end(), [&](uint32_t a, uint32_t b) {
          return column.DictionaryEntry(a) < column.DictionaryEntry(b);
        });
        std::vector<int64_t> rank(by_value.size());
        for (size_t i = 0; i < by_value.size(); ++i) {
          const bool same = i > 0 && column.DictionaryEntry(by_value[i]) ==
                                         column.DictionaryEntry(by_value[i - 1]);
          rank[by_value[i]] = same ? rank[by_value[i - 1]] : static_cast<int64_t>(i);
        }
        for (size_t row_idx = 0; row_idx < rows; ++row_idx)
          ordinals[row_idx] = rank[column.codes()[row_idx]];
        break;
      }
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

template <typename T>
int Compare3(T x, T y) {
  return x < y ? -1 : (x > y ? 1 : 0);
}

}  // namespace

std::vector<uint32_t> OrderKey(const types::DatasetLayout& layout) {
  std::vector<uint32_t> key;
  for (uint32_t field_id : layout.sort_field_ids) {
    const bool present = std::any_of(layout.schema.fields.begin(), layout.schema.fields.end(),
                                     [&](const types::Field& f) { return f.id == field_id; });
    if (present) key.push_back(field_id);
  }
  if (key.empty() && layout.time_field_id) key.push_back(*layout.time_field_id);
  return key;
}

int CompareColumnRows(const types::ColumnVector& x, size_t a, const types::ColumnVector& y,
                      size_t b) {
  const bool null_a = x.IsNull(a);
  const bool null_b = y.IsNull(b);
  if (null_a || null_b) return null_a == null_b ? 0 : (null_a ? -1 : 1);
  switch (x.type()) {
    case types::DataType::kBool: return Compare3(x.bools()[a], y.bools()[b]);
    case types::DataType::kInt64:
    case types::DataType::kTimestamp: return Compare3(x.ints()[a], y.ints()[b]);
    case types::DataType::kFloat64:
      return Compare3(FloatOrdinal(x.doubles()[a]), FloatOrdinal(y.doubles()[b]));
    case types::DataType::kString:
    case types::DataType::kJson: {
      const int cmp = x.StringAt(a).compare(y.StringAt(b));
      return cmp < 0 ? -1 : (cmp > 0 ? 1 : 0);
    }
  }
  return 0;
}

int CompareBatchRows(const types::Batch& x, size_t a, const types::Batch& y, size_t b,
                     const std::vector<size_t>& key_columns) {
  for (size_t col_idx : key_columns) {
    const int cmp = CompareColumnRows(x.columns[col_idx], a, y.columns[col_idx], b);
    if (cmp != 0) return cmp;
  }
  return Compare3(x.seqs[a], y.seqs[b]);
}

std::vector<size_t> KeyColumns(const types::Batch& rows, const std::vector<uint32_t>& key) {
  std::vector<size_t> columns;
  for (uint32_t field_id : key) {
    if (std::optional<size_t> col_idx = rows.ColumnIndex(field_id)) columns.push_back(*col_idx);
  }
  return columns;
}

void SortRows(const types::Batch& rows, const std::vector<size_t>& key_columns,
              std::vector<uint32_t>& indices) {
  // Without NULLs, each key column becomes order-preserving integers first, so the sort
  // compares integers instead of switching on types and comparing strings.
  const bool integer_keys = std::none_of(key_columns.begin(), key_columns.end(),
                                         [&](size_t c) { return rows.columns[c].has_nulls(); });
  std::vector<std::vector<int64_t>> ordinals;
  auto less = [&](uint32_t a, uint32_t b) {
    if (integer_keys) {
      for (const std::vector<int64_t>& key : ordinals) {
        if (key[a] != key[b]) return key[a] < key[b];
      }
      return rows.seqs[a] < rows.seqs[b];
    }
    return CompareBatchRows(rows, a, rows, b, key_columns) < 0;
  };
  // Rows usually arrive in time order: check before computing ordinals and sorting.
  const bool sorted = std::is_sorted(indices.begin(), indices.end(), [&](uint32_t a, uint32_t b) {
    return CompareBatchRows(rows, a, rows, b, key_columns) < 0;
  });
  if (sorted) return;
  if (integer_keys) {
    for (size_t col_idx : key_columns) ordinals.push_back(OrderOrdinals(rows.columns[col_idx]));
  }
  std::sort(indices.begin(), indices.end(), less);
}

std::vector<PartitionRows> SplitAndSort(const types::Batch& rows,
                                        const types::DatasetLayout& layout) {
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
  const std::vector<size_t> key_columns = KeyColumns(rows, OrderKey(layout));
  std::vector<PartitionRows> result;
  for (auto& [partition, indices] : by_partition) {
    SortRows(rows, key_columns, indices);
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

}  // namespace strata::storage
