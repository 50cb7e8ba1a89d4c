// Entry points of the scalar function families, one per *_kernels.cc file. The dispatcher
// (scalar_functions.cc) calls them with EvalScalarFunction's contract, after it has
//   - answered calls with rows == 0 (an empty result),
//   - answered a NULL scalar argument of a NULL-propagating function (all NULL), and
//   - reduced a call whose arguments are all scalars to rows == 1 (then broadcast),
// so a kernel sees a scalar-only call only with rows == 1.
// Internal to src/exec. Thread safety: stateless.
#pragma once

#include <span>

#include "common/status.h"
#include "exec/datum.h"
#include "sql/bound_expr.h"
#include "types/column_vector.h"

namespace strata::exec::internal {

using KernelArgs = std::span<const Datum>;

// + - * / % and unary minus (arithmetic_kernels.cc).
Status EvalArithmetic(const sql::BoundExpr& expr, KernelArgs args, size_t rows,
                      types::ColumnVector& out);
// = <> < <= > >= (comparison_kernels.cc).
Status EvalComparison(const sql::BoundExpr& expr, KernelArgs args, size_t rows,
                      types::ColumnVector& out);
// AND OR NOT, IS [NOT] NULL, IN, LIKE / ILIKE (logic_kernels.cc).
Status EvalLogic(const sql::BoundExpr& expr, KernelArgs args, size_t rows,
                 types::ColumnVector& out);
// CASE, COALESCE (conditional_kernels.cc).
Status EvalConditional(const sql::BoundExpr& expr, KernelArgs args, size_t rows,
                       types::ColumnVector& out);
// CAST (cast_kernels.cc).
Status EvalCast(const sql::BoundExpr& expr, KernelArgs args, size_t rows, types::ColumnVector& out);
// abs round floor ceil (math_kernels.cc).
Status EvalMath(const sql::BoundExpr& expr, KernelArgs args, size_t rows, types::ColumnVector& out);
// lower upper length substring concat (string_kernels.cc).
Status EvalString(const sql::BoundExpr& expr, KernelArgs args, size_t rows,
                  types::ColumnVector& out);
// time_bucket date_trunc extract (time_kernels.cc).
Status EvalTime(const sql::BoundExpr& expr, KernelArgs args, size_t rows, types::ColumnVector& out);
// -> ->> (json_kernels.cc).
Status EvalJson(const sql::BoundExpr& expr, KernelArgs args, size_t rows, types::ColumnVector& out);
// A field policy's transform (transform_kernel.cc).
Status EvalTransform(const sql::BoundExpr& expr, KernelArgs args, size_t rows,
                     types::ColumnVector& out);

}  // namespace strata::exec::internal
