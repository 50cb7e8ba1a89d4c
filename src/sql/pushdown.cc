#include "sql/pushdown.h"

#include <algorithm>
#include <limits>

namespace strata::sql {

using types::CompareOp;
using types::DataType;

std::vector<BoundExprPtr> SplitConjuncts(BoundExprPtr expr) {
  std::vector<BoundExprPtr> out;
  if (!expr) return out;
  if (expr->kind == BoundKind::kFunction && expr->func == FuncId::kAnd) {
    for (BoundExprPtr& arg : expr->args) {
      std::vector<BoundExprPtr> part = SplitConjuncts(std::move(arg));
      for (BoundExprPtr& p : part) out.push_back(std::move(p));
    }
    return out;
  }
  out.push_back(std::move(expr));
  return out;
}

BoundExprPtr JoinConjuncts(std::vector<BoundExprPtr> conjuncts) {
  BoundExprPtr result;
  for (BoundExprPtr& conjunct : conjuncts) {
    if (!result) {
      result = std::move(conjunct);
      continue;
    }
    std::vector<BoundExprPtr> args;
    args.push_back(std::move(result));
    args.push_back(std::move(conjunct));
    result = BoundExpr::Function(FuncId::kAnd, DataType::kBool, std::move(args));
  }
  return result;
}

namespace {

std::optional<CompareOp> ScanOp(FuncId func) {
  switch (func) {
    case FuncId::kEq: return CompareOp::kEq;
    case FuncId::kLt: return CompareOp::kLt;
    case FuncId::kLe: return CompareOp::kLe;
    case FuncId::kGt: return CompareOp::kGt;
    case FuncId::kGe: return CompareOp::kGe;
    case FuncId::kIn: return CompareOp::kIn;
    default: return std::nullopt;
  }
}

bool IsValueConstant(const BoundExpr& expr, DataType type) {
  return expr.IsConstant() && !expr.IsNullConstant() && expr.type == type;
}

// Narrows [min_time, max_time) by `time op value`; false when op cannot.
bool NarrowTimeRange(types::ScanSpec& scan, CompareOp op, int64_t value) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  switch (op) {
    case CompareOp::kGe: scan.min_time = std::max(scan.min_time, value); return true;
    case CompareOp::kGt:
      if (value == kMax) return false;
      scan.min_time = std::max(scan.min_time, value + 1);
      return true;
    case CompareOp::kLt: scan.max_time = std::min(scan.max_time, value); return true;
    case CompareOp::kLe:
      if (value == kMax) return false;
      scan.max_time = std::min(scan.max_time, value + 1);
      return true;
    case CompareOp::kEq:
      if (value == kMax) return false;
      scan.min_time = std::max(scan.min_time, value);
      scan.max_time = std::min(scan.max_time, value + 1);
      return true;
    case CompareOp::kIn: return false;
  }
  return false;
}

// Moves `conjunct` into the scan when it has a pushable form; false when it stays.
bool Push(QueryPlan& plan, const BoundExpr& conjunct) {
  if (conjunct.kind != BoundKind::kFunction) return false;
  const std::optional<CompareOp> op = ScanOp(conjunct.func);
  if (!op || conjunct.args.size() < 2) return false;
  const BoundExpr& column = *conjunct.args[0];
  if (column.kind != BoundKind::kColumn || column.slot < 0 ||
      static_cast<size_t>(column.slot) >= plan.scan.field_ids.size()) {
    return false;
  }
  if (column.type == DataType::kJson) return false;
  for (size_t i = 1; i < conjunct.args.size(); ++i) {
    if (!IsValueConstant(*conjunct.args[i], column.type)) return false;
  }
  if (*op != CompareOp::kIn && conjunct.args.size() != 2) return false;
  const uint32_t field_id = plan.scan.field_ids[static_cast<size_t>(column.slot)];
  if (plan.time_field_id && field_id == *plan.time_field_id && *op != CompareOp::kIn &&
      NarrowTimeRange(plan.scan, *op, std::get<int64_t>(conjunct.args[1]->value))) {
    return true;
  }
  types::Predicate predicate;
  predicate.field_id = field_id;
  predicate.op = *op;
  for (size_t i = 1; i < conjunct.args.size(); ++i) {
    predicate.values.push_back(conjunct.args[i]->value);
  }
  plan.scan.predicates.push_back(std::move(predicate));
  return true;
}

// Whether every column `expr` reads is `slot`.
bool ReadsOnlySlot(const BoundExpr& expr, int slot) {
  if (expr.kind == BoundKind::kColumn) return expr.slot == slot;
  for (const BoundExprPtr& arg : expr.args) {
    if (!ReadsOnlySlot(*arg, slot)) return false;
  }
  return true;
}

// The scan slot an output column reads when it is a plain column; -1 otherwise.
int ScanSlotOf(const QueryPlan& plan, int output) {
  const BoundExpr& expr = *plan.outputs[static_cast<size_t>(output)].expr;
  if (expr.kind != BoundKind::kColumn || expr.slot < 0 ||
      static_cast<size_t>(expr.slot) >= plan.scan.field_ids.size()) {
    return -1;
  }
  return expr.slot;
}

}  // namespace

void PushDownLatestPerKey(QueryPlan& plan) {
  if (plan.inner || plan.dataset.empty() || plan.aggregate || plan.distinct ||
      plan.distinct_on.size() != 1 || plan.order_by.size() < 2 ||
      plan.order_by[0].column != plan.distinct_on[0] || !plan.order_by[1].descending) {
    return;
  }
  const int key_slot = ScanSlotOf(plan, plan.distinct_on[0]);
  const int order_slot = ScanSlotOf(plan, plan.order_by[1].column);
  if (key_slot < 0 || order_slot < 0 || key_slot == order_slot) return;
  if (plan.filter && !ReadsOnlySlot(*plan.filter, key_slot)) return;
  plan.scan.latest_per_key =
      types::ScanSpec::LatestPerKey{plan.scan.field_ids[static_cast<size_t>(key_slot)],
                                    plan.scan.field_ids[static_cast<size_t>(order_slot)]};
  if (!types::KeepsLatestPerKey(plan.scan, plan.time_field_id)) plan.scan.latest_per_key.reset();
}

void PushDownPredicates(QueryPlan& plan) {
  if (plan.inner) PushDownPredicates(*plan.inner);
  if (plan.dataset.empty() || !plan.filter) return;
  std::vector<BoundExprPtr> residual;
  for (BoundExprPtr& conjunct : SplitConjuncts(std::move(plan.filter))) {
    if (!Push(plan, *conjunct)) residual.push_back(std::move(conjunct));
  }
  plan.filter = JoinConjuncts(std::move(residual));
}

}  // namespace strata::sql
