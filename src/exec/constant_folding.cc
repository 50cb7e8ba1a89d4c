#include "exec/constant_folding.h"

#include "exec/scalar_functions.h"

namespace strata::exec {

using sql::BoundExpr;
using sql::BoundExprPtr;
using sql::BoundKind;

Status FoldConstants(BoundExprPtr& expr) {
  if (!expr || expr->kind != BoundKind::kFunction) return Status();
  bool all_constant = true;
  for (BoundExprPtr& arg : expr->args) {
    STRATA_RETURN_IF_ERROR(FoldConstants(arg));
    all_constant = all_constant && arg->IsConstant();
  }
  if (!all_constant) return Status();
  std::vector<Datum> datums;
  datums.reserve(expr->args.size());
  for (const BoundExprPtr& arg : expr->args) {
    datums.push_back(Datum{nullptr, &arg->value, arg->type});
  }
  types::ColumnVector out(expr->type);
  STRATA_RETURN_IF_ERROR(EvalScalarFunction(*expr, datums, 1, out));
  expr = BoundExpr::Constant(out.ValueAt(0), expr->type);
  return Status();
}

Status FoldConstants(sql::QueryPlan& plan) {
  if (plan.inner) STRATA_RETURN_IF_ERROR(FoldConstants(*plan.inner));
  STRATA_RETURN_IF_ERROR(FoldConstants(plan.filter));
  for (BoundExprPtr& key : plan.group_keys) STRATA_RETURN_IF_ERROR(FoldConstants(key));
  for (sql::AggregateCall& call : plan.aggregates) {
    for (BoundExprPtr& arg : call.args) STRATA_RETURN_IF_ERROR(FoldConstants(arg));
  }
  STRATA_RETURN_IF_ERROR(FoldConstants(plan.having));
  for (sql::OutputColumn& column : plan.outputs) {
    STRATA_RETURN_IF_ERROR(FoldConstants(column.expr));
  }
  return Status();
}

}  // namespace strata::exec
