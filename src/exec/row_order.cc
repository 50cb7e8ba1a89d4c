#include "exec/row_order.h"

#include <algorithm>
#include <cmath>

#include "exec/group_table.h"

namespace strata::exec {

using types::ColumnVector;
using types::DataType;

namespace {

template <typename T>
int Compare(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int CompareDoubles(double a, double b) {
  const bool a_nan = std::isnan(a);
  const bool b_nan = std::isnan(b);
  if (a_nan || b_nan) return a_nan == b_nan ? 0 : (a_nan ? 1 : -1);
  return Compare(a, b);
}

// Three-way comparison of row a of `x` with row b of `y` (same type) on one key, NULL
// placement included.
int CompareKey(const ColumnVector& x, uint32_t a, const ColumnVector& y, uint32_t b,
               const sql::SortKey& key) {
  const bool a_null = x.IsNull(a);
  const bool b_null = y.IsNull(b);
  if (a_null || b_null) {
    if (a_null == b_null) return 0;
    return (a_null == key.nulls_first) ? -1 : 1;
  }
  int c = 0;
  switch (x.type()) {
    case DataType::kBool: c = Compare(x.BoolAt(a), y.BoolAt(b)); break;
    case DataType::kInt64:
    case DataType::kTimestamp: c = Compare(x.IntAt(a), y.IntAt(b)); break;
    case DataType::kFloat64: c = CompareDoubles(x.DoubleAt(a), y.DoubleAt(b)); break;
    case DataType::kString:
    case DataType::kJson:
      if (&x == &y && x.is_dictionary() && x.codes()[a] == x.codes()[b]) {
        c = 0;
      } else {
        c = x.StringAt(a).compare(y.StringAt(b));
        c = c < 0 ? -1 : (c > 0 ? 1 : 0);
      }
      break;
  }
  return key.descending ? -c : c;
}

}  // namespace

void SortRows(const std::vector<ColumnVector>& columns, const std::vector<sql::SortKey>& keys,
              std::vector<uint32_t>& rows, size_t keep) {
  if (keys.empty()) {
    if (keep < rows.size()) rows.resize(keep);
    return;
  }
  auto less = [&](uint32_t a, uint32_t b) {
    for (const sql::SortKey& key : keys) {
      const ColumnVector& column = columns[static_cast<size_t>(key.column)];
      const int c = CompareKey(column, a, column, b, key);
      if (c != 0) return c < 0;
    }
    return a < b;  // Stable: rows are in input order, so the index breaks ties.
  };
  if (keep < rows.size()) {
    std::partial_sort(rows.begin(), rows.begin() + static_cast<ptrdiff_t>(keep), rows.end(), less);
    rows.resize(keep);
  } else {
    std::sort(rows.begin(), rows.end(), less);
  }
}

int CompareRows(const std::vector<ColumnVector>& a, uint32_t ra, const std::vector<ColumnVector>& b,
                uint32_t rb, std::span<const sql::SortKey> keys) {
  for (const sql::SortKey& key : keys) {
    const size_t column = static_cast<size_t>(key.column);
    const int c = CompareKey(a[column], ra, b[column], rb, key);
    if (c != 0) return c;
  }
  return 0;
}

void KeepFirstPerKey(const std::vector<ColumnVector>& columns, const std::vector<int>& key_columns,
                     std::vector<uint32_t>& rows) {
  if (rows.empty()) return;
  std::vector<DataType> types;
  std::vector<ColumnVector> keys;
  for (int index : key_columns) {
    const ColumnVector& column = columns[static_cast<size_t>(index)];
    types.push_back(column.type());
    ColumnVector gathered(column.type());
    gathered.AppendSelected(column, rows);
    keys.push_back(std::move(gathered));
  }
  GroupTable table(std::move(types));
  std::vector<Datum> datums;
  for (const ColumnVector& key : keys) datums.push_back(Datum{&key, nullptr, key.type()});
  std::vector<uint32_t> gids;
  table.Map(datums, rows.size(), gids);
  std::vector<bool> seen(table.num_groups(), false);
  size_t kept = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (seen[gids[i]]) continue;
    seen[gids[i]] = true;
    rows[kept++] = rows[i];
  }
  rows.resize(kept);
}

}  // namespace strata::exec
