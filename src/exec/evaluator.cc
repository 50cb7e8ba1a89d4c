#include "exec/evaluator.h"

#include "exec/scalar_functions.h"

namespace strata::exec {

using sql::BoundExpr;
using sql::BoundKind;
using types::ColumnVector;

bool EvalResult::IsTrue(size_t i) const {
  if (datum.is_scalar()) {
    const bool* value = std::get_if<bool>(datum.scalar);
    return value != nullptr && *value;
  }
  return !datum.vector->IsNull(i) && datum.vector->BoolAt(i);
}

Status Evaluate(const BoundExpr& expr, const EvalInput& input, EvalResult& result) {
  result.datum.type = expr.type;
  switch (expr.kind) {
    case BoundKind::kConstant:
      result.scalar = expr.value;
      result.datum.vector = nullptr;
      result.datum.scalar = &result.scalar;
      return Status();
    case BoundKind::kColumn: {
      const ColumnVector* column = input.slots[static_cast<size_t>(expr.slot)];
      if (input.rows == nullptr) {
        result.datum.vector = column;
        result.datum.scalar = nullptr;
        return Status();
      }
      result.owned = std::make_unique<ColumnVector>(column->type());
      result.owned->AppendSelected(*column, std::span<const uint32_t>(input.rows, input.size));
      result.datum.vector = result.owned.get();
      result.datum.scalar = nullptr;
      return Status();
    }
    case BoundKind::kFunction: break;
  }
  std::vector<EvalResult> args(expr.args.size());
  std::vector<Datum> datums(expr.args.size());
  for (size_t i = 0; i < expr.args.size(); ++i) {
    STRATA_RETURN_IF_ERROR(Evaluate(*expr.args[i], input, args[i]));
    datums[i] = args[i].datum;
  }
  if (!result.owned) result.owned = std::make_unique<ColumnVector>(expr.type);
  STRATA_RETURN_IF_ERROR(EvalScalarFunction(expr, datums, input.size, *result.owned));
  result.datum.vector = result.owned.get();
  result.datum.scalar = nullptr;
  return Status();
}

namespace {

// Narrows `selected` (indexes into the slots) to the rows where `predicate` is true.
Status Refine(const BoundExpr& predicate, const EvalInput& base, std::vector<uint32_t>& selected) {
  if (predicate.kind == BoundKind::kFunction && predicate.func == sql::FuncId::kAnd) {
    for (const sql::BoundExprPtr& arg : predicate.args) {
      STRATA_RETURN_IF_ERROR(Refine(*arg, base, selected));
      if (selected.empty()) break;
    }
    return Status();
  }
  EvalInput input = base;
  input.rows = selected.data();
  input.size = selected.size();
  EvalResult result;
  STRATA_RETURN_IF_ERROR(Evaluate(predicate, input, result));
  if (result.datum.is_scalar()) {
    if (!result.IsTrue(0)) selected.clear();
    return Status();
  }
  const ColumnVector& bools = *result.datum.vector;
  const uint8_t* values = bools.bools().data();
  size_t kept = 0;
  if (!bools.has_nulls()) {
    for (size_t i = 0; i < selected.size(); ++i) {
      selected[kept] = selected[i];
      kept += values[i] != 0;
    }
  } else {
    for (size_t i = 0; i < selected.size(); ++i) {
      selected[kept] = selected[i];
      kept += values[i] != 0 && !bools.IsNull(i);
    }
  }
  selected.resize(kept);
  return Status();
}

}  // namespace

Status Select(const BoundExpr& predicate, const EvalInput& input, std::vector<uint32_t>& selected) {
  selected.resize(input.size);
  for (size_t i = 0; i < input.size; ++i) {
    selected[i] = input.rows == nullptr ? static_cast<uint32_t>(i) : input.rows[i];
  }
  EvalInput base = input;
  return Refine(predicate, base, selected);
}

Status EvaluateToVector(const BoundExpr& expr, const EvalInput& input, ColumnVector& out) {
  EvalResult result;
  STRATA_RETURN_IF_ERROR(Evaluate(expr, input, result));
  out = ColumnVector(expr.type);
  if (result.datum.is_scalar()) {
    out.Reserve(input.size);
    for (size_t i = 0; i < input.size; ++i) out.AppendValue(result.scalar);
    return Status();
  }
  if (result.owned && result.datum.vector == result.owned.get()) {
    out = std::move(*result.owned);
  } else {
    out.AppendRange(*result.datum.vector, 0, input.size);
  }
  return Status();
}

}  // namespace strata::exec
