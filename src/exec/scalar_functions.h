// Vectorized kernels of the scalar functions (sql::FuncId): each computes `rows` results from
// dense arguments. Semantics per function: sql/bound_expr.h and docs/query.md.
// concat() and || are both FuncId::kConcat and cannot be told apart here: both skip NULL
// arguments (a || NULL = a), and neither is ever NULL.
// Results: validity only when some row is NULL; a string result may be in dictionary form
// (lower, upper and substring of a dictionary-form input; any string result of an all-scalar
// call repeated over `rows`).
// Thread safety: stateless; safe from any thread.
#pragma once

#include <span>

#include "common/status.h"
#include "exec/datum.h"
#include "sql/bound_expr.h"
#include "types/column_vector.h"

namespace strata::exec {

// Computes expr.func over `args` (one Datum per expr.args entry, in order; vector Datums hold
// exactly `rows` rows, plain or dictionary form) into `out`, which is cleared first and has
// type expr.type afterwards, with `rows` rows.
// Errors (InvalidArgument): problem code "numeric_overflow" for int64 overflow,
// "invalid_cast" for a string that does not convert, naming the offending value.
// REQUIRES: expr.kind == kFunction, with the argument types the binder guarantees.
Status EvalScalarFunction(const sql::BoundExpr& expr, std::span<const Datum> args, size_t rows,
                          types::ColumnVector& out);

}  // namespace strata::exec
