#include "sql/query_plan.h"

namespace strata::sql {

std::string_view AggName(AggKind kind) {
  switch (kind) {
    case AggKind::kCount: return "count";
    case AggKind::kCountStar: return "count(*)";
    case AggKind::kCountDistinct: return "count_distinct";
    case AggKind::kApproxCountDistinct: return "approx_count_distinct";
    case AggKind::kSum: return "sum";
    case AggKind::kAvg: return "avg";
    case AggKind::kMin: return "min";
    case AggKind::kMax: return "max";
    case AggKind::kStddev: return "stddev";
    case AggKind::kQuantile: return "quantile";
    case AggKind::kFirst: return "first";
    case AggKind::kLast: return "last";
  }
  return "?";
}

namespace {

BoundExprPtr CloneOrNull(const BoundExprPtr& expr) { return expr ? expr->Clone() : nullptr; }

}  // namespace

AggregateCall AggregateCall::Clone() const {
  AggregateCall copy;
  copy.kind = kind;
  copy.type = type;
  copy.quantile = quantile;
  for (const BoundExprPtr& arg : args) copy.args.push_back(arg->Clone());
  return copy;
}

QueryPlan QueryPlan::Clone() const {
  QueryPlan copy;
  copy.dataset = dataset;
  copy.scan = scan;
  if (inner) copy.inner = std::make_unique<QueryPlan>(inner->Clone());
  copy.source_columns = source_columns;
  copy.time_field_id = time_field_id;
  copy.needs_seqs = needs_seqs;
  copy.filter = CloneOrNull(filter);
  copy.aggregate = aggregate;
  for (const BoundExprPtr& key : group_keys) copy.group_keys.push_back(key->Clone());
  for (const AggregateCall& call : aggregates) copy.aggregates.push_back(call.Clone());
  copy.having = CloneOrNull(having);
  for (const OutputColumn& column : outputs) {
    copy.outputs.push_back({column.name, column.type, column.expr->Clone()});
  }
  copy.visible_columns = visible_columns;
  copy.distinct = distinct;
  copy.distinct_on = distinct_on;
  copy.order_by = order_by;
  copy.offset = offset;
  copy.limit = limit;
  return copy;
}

}  // namespace strata::sql
