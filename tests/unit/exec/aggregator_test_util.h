// Helpers for the aggregator tests: column builders, calls, and a one-shot aggregation.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "exec/aggregator.h"
#include "sql/query_plan.h"
#include "test_util.h"
#include "types/column_vector.h"

namespace strata::exec::testing {

using types::ColumnVector;
using types::DataType;
using types::Value;

inline constexpr std::monostate kNull{};

// A column of `type` holding `values` (monostate: NULL).
inline ColumnVector Column(DataType type, const std::vector<Value>& values) {
  ColumnVector column(type);
  for (const Value& value : values) column.AppendValue(value);
  return column;
}

inline ColumnVector Ints(const std::vector<Value>& values) {
  return Column(DataType::kInt64, values);
}
inline ColumnVector Doubles(const std::vector<Value>& values) {
  return Column(DataType::kFloat64, values);
}
inline ColumnVector Strings(const std::vector<Value>& values) {
  return Column(DataType::kString, values);
}
inline ColumnVector DictionaryStrings(const std::vector<Value>& values) {
  ColumnVector column = Strings(values);
  EXPECT_TRUE(column.DictionaryEncode(1.0));
  return column;
}

// The result type the binder gives `kind` over `arg_type`.
inline DataType ResultType(sql::AggKind kind, DataType arg_type) {
  switch (kind) {
    case sql::AggKind::kCount:
    case sql::AggKind::kCountStar:
    case sql::AggKind::kCountDistinct:
    case sql::AggKind::kApproxCountDistinct: return DataType::kInt64;
    case sql::AggKind::kSum: return arg_type;
    case sql::AggKind::kAvg:
    case sql::AggKind::kStddev:
    case sql::AggKind::kQuantile: return DataType::kFloat64;
    case sql::AggKind::kMin:
    case sql::AggKind::kMax:
    case sql::AggKind::kFirst:
    case sql::AggKind::kLast: return arg_type;
  }
  return DataType::kInt64;
}

// A call of `kind` over column slots of `arg_type` (and a timestamp for first/last).
inline sql::AggregateCall Call(sql::AggKind kind, DataType arg_type = DataType::kInt64,
                               double quantile = 0.5) {
  sql::AggregateCall call;
  call.kind = kind;
  call.type = ResultType(kind, arg_type);
  call.quantile = quantile;
  if (kind != sql::AggKind::kCountStar) call.args.push_back(sql::BoundExpr::Column(0, arg_type));
  if (kind == sql::AggKind::kFirst || kind == sql::AggKind::kLast) {
    call.args.push_back(sql::BoundExpr::Column(1, DataType::kTimestamp));
  }
  return call;
}

// The rows of `column` as values.
inline std::vector<Value> Values(const ColumnVector& column) {
  std::vector<Value> values;
  for (size_t row_idx = 0; row_idx < column.size(); ++row_idx) {
    values.push_back(column.ValueAt(row_idx));
  }
  return values;
}

inline Status Update(Aggregator& aggregator, std::vector<const ColumnVector*> args,
                     const std::vector<uint32_t>* rows, const std::vector<uint32_t>* gids,
                     size_t n) {
  return aggregator.Update(args, rows ? rows->data() : nullptr, gids ? gids->data() : nullptr, n);
}

inline Result<ColumnVector> Finalize(Aggregator& aggregator, DataType type) {
  ColumnVector out(type);
  STRATA_RETURN_IF_ERROR(aggregator.Finalize(out));
  return out;
}

// Aggregates every row of `args` (one batch) into `groups` groups by `gids` (null: all in
// group 0), and returns one value per group.
inline Result<std::vector<Value>> Aggregate(const sql::AggregateCall& call,
                                            std::vector<const ColumnVector*> args,
                                            const std::vector<uint32_t>* gids = nullptr,
                                            size_t groups = 1,
                                            const std::vector<uint32_t>* rows = nullptr) {
  std::unique_ptr<Aggregator> aggregator = MakeAggregator(call);
  aggregator->Resize(groups);
  size_t n = rows ? rows->size() : (gids ? gids->size() : (args.empty() ? 0 : args[0]->size()));
  STRATA_RETURN_IF_ERROR(Update(*aggregator, args, rows, gids, n));
  ColumnVector out(call.type);
  STRATA_RETURN_IF_ERROR(aggregator->Finalize(out));
  if (out.type() != call.type) return Status::Internal("result type changed");
  return Values(out);
}

// Whether two results agree: equal, both NULL, or doubles within `relative` (NaN == NaN).
inline bool NearlyEqual(const Value& actual, const Value& expected, double relative) {
  const double* a = std::get_if<double>(&actual);
  const double* e = std::get_if<double>(&expected);
  if (a == nullptr || e == nullptr) return actual == expected;
  if (std::isnan(*a) || std::isnan(*e)) return std::isnan(*a) && std::isnan(*e);
  if (std::isinf(*a) || std::isinf(*e)) return *a == *e;
  return std::fabs(*a - *e) <= relative * std::max(1.0, std::max(std::fabs(*a), std::fabs(*e)));
}

inline std::string Show(const Value& value) {
  if (std::holds_alternative<std::monostate>(value)) return "NULL";
  if (const bool* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const int64_t* i = std::get_if<int64_t>(&value)) return std::to_string(*i);
  if (const double* d = std::get_if<double>(&value)) {
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), "%.17g", *d);
    return buffer;
  }
  return "'" + std::get<std::string>(value) + "'";
}

}  // namespace strata::exec::testing
