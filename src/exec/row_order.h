// Row ordering over materialised result columns: ORDER BY (full sort or top-N) and
// DISTINCT / DISTINCT ON (first row per key, in the current order).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sql/query_plan.h"
#include "types/column_vector.h"

namespace strata::exec {

// Orders `rows` (indexes into `columns`) by `keys`; when keep < rows.size(), only the first
// `keep` rows are ordered and kept (top-N). The sort is stable: ties keep their input order.
// NULLs order per SortKey::nulls_first; NaN sorts above every number.
void SortRows(const std::vector<types::ColumnVector>& columns,
              const std::vector<sql::SortKey>& keys, std::vector<uint32_t>& rows, size_t keep);

// Three-way comparison of row `ra` of `a` with row `rb` of `b` (same column layout) on
// `keys`: negative when ra sorts first.
int CompareRows(const std::vector<types::ColumnVector>& a, uint32_t ra,
                const std::vector<types::ColumnVector>& b, uint32_t rb,
                std::span<const sql::SortKey> keys);

// Keeps, in order, the first of `rows` for each distinct tuple of `key_columns`.
void KeepFirstPerKey(const std::vector<types::ColumnVector>& columns,
                     const std::vector<int>& key_columns, std::vector<uint32_t>& rows);

}  // namespace strata::exec
