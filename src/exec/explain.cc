#include "exec/explain.h"

#include <cstdio>

#include "common/time_util.h"

namespace strata::exec {

using sql::QueryPlan;

namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  return out;
}

std::string PredicateText(const types::Predicate& predicate, const QueryPlan& plan) {
  std::string field = "#" + std::to_string(predicate.field_id);
  for (size_t i = 0; i < plan.scan.field_ids.size(); ++i) {
    if (plan.scan.field_ids[i] == predicate.field_id) field = plan.source_columns[i].name;
  }
  std::string out = field + " " + std::string(types::CompareOpName(predicate.op)) + " ";
  std::vector<std::string> values;
  for (const types::Value& value : predicate.values) {
    sql::BoundExpr constant;
    constant.value = value;
    constant.type = std::holds_alternative<double>(value)        ? types::DataType::kFloat64
                    : std::holds_alternative<std::string>(value) ? types::DataType::kString
                    : std::holds_alternative<bool>(value)        ? types::DataType::kBool
                                                                 : types::DataType::kInt64;
    values.push_back(sql::ToString(constant));
  }
  out += predicate.op == types::CompareOp::kIn ? "(" + Join(values) + ")" : Join(values);
  return out;
}

std::string Range(int64_t min_time, int64_t max_time) {
  const std::string low = min_time == INT64_MIN ? "-inf" : FormatRfc3339(min_time);
  const std::string high = max_time == INT64_MAX ? "+inf" : FormatRfc3339(max_time);
  return "[" + low + ", " + high + ")";
}

void ExplainInto(const QueryPlan& plan, const types::ScanStats* pruning, int depth,
                 std::vector<std::string>& lines) {
  const std::string indent(static_cast<size_t>(depth) * 2, ' ');
  std::vector<std::string> source_names;
  for (const sql::SourceColumn& column : plan.source_columns) source_names.push_back(column.name);
  if (plan.needs_seqs) source_names.push_back("_seq");
  if (plan.inner) {
    lines.push_back(indent + "Subquery");
    ExplainInto(*plan.inner, pruning, depth + 1, lines);
  } else if (plan.dataset.empty()) {
    lines.push_back(indent + "Values (one row)");
  } else {
    lines.push_back(indent + "Scan " + plan.dataset + " fields=[" + Join(source_names) + "]");
    if (plan.scan.min_time != INT64_MIN || plan.scan.max_time != INT64_MAX) {
      lines.push_back(indent + "  time " + Range(plan.scan.min_time, plan.scan.max_time));
    }
    std::vector<std::string> predicates;
    for (const types::Predicate& predicate : plan.scan.predicates) {
      predicates.push_back(PredicateText(predicate, plan));
    }
    if (!predicates.empty()) lines.push_back(indent + "  pushed [" + Join(predicates) + "]");
    if (const auto& latest = plan.scan.latest_per_key) {
      std::string key = "#" + std::to_string(latest->key_field_id);
      std::string order = "#" + std::to_string(latest->order_field_id);
      for (size_t i = 0; i < plan.scan.field_ids.size(); ++i) {
        if (plan.scan.field_ids[i] == latest->key_field_id) key = plan.source_columns[i].name;
        if (plan.scan.field_ids[i] == latest->order_field_id) order = plan.source_columns[i].name;
      }
      lines.push_back(indent + "  latest per " + key + " by " + order +
                      " (segments' last-rows indexes where they apply)");
    }
    if (pruning != nullptr) {
      lines.push_back(indent + "  partitions: " + std::to_string(pruning->partitions_total) +
                      ", pruned " + std::to_string(pruning->partitions_pruned) +
                      "; chunks: " + std::to_string(pruning->chunks_total) + ", pruned " +
                      std::to_string(pruning->chunks_pruned));
    }
  }
  if (plan.filter) lines.push_back(indent + "Filter " + sql::ToString(*plan.filter, &source_names));
  std::vector<std::string> post_names = source_names;
  if (plan.aggregate) {
    std::vector<std::string> keys;
    post_names.clear();
    for (const sql::BoundExprPtr& key : plan.group_keys) {
      keys.push_back(sql::ToString(*key, &source_names));
      post_names.push_back(keys.back());
    }
    std::vector<std::string> aggregates;
    for (const sql::AggregateCall& call : plan.aggregates) {
      std::vector<std::string> args;
      for (const sql::BoundExprPtr& arg : call.args)
        args.push_back(sql::ToString(*arg, &source_names));
      std::string text = std::string(sql::AggName(call.kind));
      if (call.kind != sql::AggKind::kCountStar) text += "(" + Join(args) + ")";
      aggregates.push_back(text);
      post_names.push_back(text);
    }
    lines.push_back(indent + "HashAggregate keys=[" + Join(keys) + "] aggregates=[" +
                    Join(aggregates) + "]");
    if (plan.having) {
      lines.push_back(indent + "Having " + sql::ToString(*plan.having, &post_names));
    }
  }
  std::vector<std::string> outputs;
  std::vector<std::string> output_names;
  for (size_t i = 0; i < plan.outputs.size(); ++i) {
    std::string text = sql::ToString(*plan.outputs[i].expr, &post_names);
    if (text != plan.outputs[i].name) text += " AS " + plan.outputs[i].name;
    if (i >= plan.visible_columns) text += " (hidden)";
    outputs.push_back(text);
    output_names.push_back(plan.outputs[i].name);
  }
  lines.push_back(indent + "Project [" + Join(outputs) + "]");
  if (plan.distinct) lines.push_back(indent + "Distinct");
  if (!plan.order_by.empty()) {
    std::vector<std::string> keys;
    for (const sql::SortKey& key : plan.order_by) {
      keys.push_back(output_names[static_cast<size_t>(key.column)] +
                     (key.descending ? " DESC" : " ASC") +
                     (key.nulls_first ? " NULLS FIRST" : " NULLS LAST"));
    }
    const bool top_n = plan.limit && !plan.distinct && plan.distinct_on.empty();
    lines.push_back(indent + (top_n ? "TopN " : "Sort ") + "[" + Join(keys) + "]");
  }
  if (!plan.distinct_on.empty()) {
    std::vector<std::string> keys;
    for (int column : plan.distinct_on) keys.push_back(output_names[static_cast<size_t>(column)]);
    lines.push_back(indent + "DistinctOn [" + Join(keys) + "]");
  }
  if (plan.limit || plan.offset > 0) {
    lines.push_back(indent + "Limit " + (plan.limit ? std::to_string(*plan.limit) : "all") +
                    " offset " + std::to_string(plan.offset));
  }
}

}  // namespace

std::vector<std::string> ExplainPlan(const QueryPlan& plan, const types::ScanStats* pruning,
                                     const ExecStats* analyzed, double elapsed_ms) {
  std::vector<std::string> lines;
  ExplainInto(plan, pruning, 0, lines);
  if (analyzed != nullptr) {
    char elapsed[32];
    std::snprintf(elapsed, sizeof(elapsed), "%.3f", elapsed_ms);
    lines.push_back("Analyze: rows_returned=" + std::to_string(analyzed->rows_returned) +
                    " rows_scanned=" + std::to_string(analyzed->scan.rows_scanned) +
                    " bytes_scanned=" + std::to_string(analyzed->scan.bytes_scanned) +
                    " chunks_pruned=" + std::to_string(analyzed->scan.chunks_pruned) + "/" +
                    std::to_string(analyzed->scan.chunks_total) + " peak_memory_bytes=" +
                    std::to_string(analyzed->peak_memory_bytes) + " elapsed_ms=" + elapsed);
  }
  return lines;
}

}  // namespace strata::exec
