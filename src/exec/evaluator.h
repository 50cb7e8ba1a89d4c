// Expression evaluation over a batch: computes a BoundExpr for the selected rows of the
// stage's input slots, vector at a time. Column references without a selection are zero-copy;
// constants stay scalar; functions run their kernels (scalar_functions.h).
// Thread safety: an Evaluation is used by one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/status.h"
#include "exec/datum.h"
#include "sql/bound_expr.h"
#include "types/column_vector.h"

namespace strata::exec {

// The rows an expression is evaluated for: rows[i] of every slot for i < size, or every row
// 0..size-1 when rows is null.
struct EvalInput {
  std::span<const types::ColumnVector* const> slots;
  const uint32_t* rows = nullptr;
  size_t size = 0;
};

// A computed value: `datum` views either a slot of the input, a scalar, or `owned`.
struct EvalResult {
  Datum datum;
  std::unique_ptr<types::ColumnVector> owned;
  types::Value scalar;

  // Whether row i of a bool result is true (valid and set).
  bool IsTrue(size_t i) const;
};

// Evaluates `expr` for the rows of `input`. Vector results have input.size rows.
Status Evaluate(const sql::BoundExpr& expr, const EvalInput& input, EvalResult& result);

// The rows of `input` (as indexes into the slots) for which `predicate` is true, in order.
// AND operands are applied one after another, each only to the rows still selected.
Status Select(const sql::BoundExpr& predicate, const EvalInput& input,
              std::vector<uint32_t>& selected);

// Evaluates `expr` and materialises the result as a vector of input.size rows.
Status EvaluateToVector(const sql::BoundExpr& expr, const EvalInput& input,
                        types::ColumnVector& out);

}  // namespace strata::exec
