// Evaluation of scan predicates (types/scan_spec.h) over column vectors and zone maps.
// Semantics: NULL satisfies no predicate; NaN compares false except with itself under =
// never (IEEE); an int64 literal against a float64 column compares as float64, a float64
// literal against an int64 column compares as float64.
// Thread safety: pure functions.
#pragma once

#include <cstdint>

#include "storage/segment/segment_format.h"
#include "types/column_vector.h"
#include "types/scan_spec.h"

namespace strata::storage {

// keep[row_idx] &= predicate(column[row_idx]) for every row of column.
void ApplyPredicate(const types::ColumnVector& column, const types::Predicate& predicate,
                    uint8_t* keep);

// False only when no value within the zone map can satisfy predicate.
bool ZoneMayMatch(const ZoneMap& zone, const types::Predicate& predicate);

// Whether a predicate's values fit a column of `type` (checked when a scan or delete starts).
bool PredicateFitsType(const types::Predicate& predicate, types::DataType type);

}  // namespace strata::storage
