// Helpers for the scalar function kernel tests: vectors from Values, BoundExpr builders, and
// an evaluator that runs an expression tree (Column / Constant leaves, nested functions)
// through EvalScalarFunction, once with string columns in plain form and once in dictionary
// form, checking that both give the same, well-formed result.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/time_util.h"
#include "exec/scalar_functions.h"
#include "sql/bound_expr.h"
#include "test_util.h"
#include "types/column_vector.h"

namespace strata::exec::testing {

using sql::BoundExpr;
using sql::BoundExprPtr;
using sql::FuncId;
using types::ColumnVector;
using types::DataType;
using types::Value;

inline const Value kNull = std::monostate{};
inline Value B(bool value) { return Value(value); }
inline Value I(int64_t value) { return Value(value); }
inline Value D(double value) { return Value(value); }
inline Value S(std::string value) { return Value(std::move(value)); }
// A timestamp from RFC 3339 text.
inline Value Ts(std::string_view text) {
  std::optional<int64_t> micros = ParseRfc3339(text);
  EXPECT_TRUE(micros.has_value()) << text;
  return Value(micros.value_or(0));
}

inline ColumnVector MakeVector(DataType type, const std::vector<Value>& values) {
  ColumnVector vector(type);
  for (const Value& value : values) vector.AppendValue(value);
  return vector;
}

inline std::vector<Value> Values(const ColumnVector& vector) {
  std::vector<Value> values;
  for (size_t row_idx = 0; row_idx < vector.size(); ++row_idx) {
    values.push_back(vector.ValueAt(row_idx));
  }
  return values;
}

inline BoundExprPtr Col(int slot, DataType type) { return BoundExpr::Column(slot, type); }
inline BoundExprPtr Lit(Value value, DataType type) {
  return BoundExpr::Constant(std::move(value), type);
}
template <typename... Args>
BoundExprPtr Call(FuncId func, DataType type, Args... args) {
  std::vector<BoundExprPtr> list;
  (list.push_back(std::move(args)), ...);
  return BoundExpr::Function(func, type, std::move(list));
}

// Checks ColumnVector's invariants on a result: validity empty unless a row is NULL, NULL
// slots zero, dictionary entries distinct.
inline void ExpectWellFormed(const ColumnVector& vector) {
  if (vector.has_nulls()) {
    EXPECT_GT(vector.NullCount(), 0u) << "validity present although every row is valid";
    EXPECT_EQ(vector.validity().size(), (vector.size() + 7) / 8);
  }
  for (size_t row_idx = 0; row_idx < vector.size(); ++row_idx) {
    if (!vector.IsNull(row_idx)) continue;
    switch (vector.type()) {
      case DataType::kBool: EXPECT_FALSE(vector.BoolAt(row_idx)); break;
      case DataType::kInt64:
      case DataType::kTimestamp: EXPECT_EQ(vector.IntAt(row_idx), 0); break;
      case DataType::kFloat64: EXPECT_EQ(vector.DoubleAt(row_idx), 0.0); break;
      default: EXPECT_EQ(vector.StringAt(row_idx), ""); break;
    }
  }
  if (vector.is_dictionary()) {
    std::set<std::string_view> entries;
    for (uint32_t entry = 0; entry < vector.dictionary_size(); ++entry) {
      EXPECT_TRUE(entries.insert(vector.DictionaryEntry(entry)).second)
          << "duplicate dictionary entry " << vector.DictionaryEntry(entry);
    }
  }
}

// Evaluates `expr` over `columns` (each of `rows` rows) into `out`.
inline Status Evaluate(const BoundExpr& expr, const std::vector<ColumnVector>& columns, size_t rows,
                       ColumnVector& out) {
  std::deque<ColumnVector> temporaries;
  std::vector<Datum> args;
  for (const BoundExprPtr& arg : expr.args) {
    switch (arg->kind) {
      case sql::BoundKind::kColumn:
        args.push_back(Datum{&columns[static_cast<size_t>(arg->slot)], nullptr, arg->type});
        break;
      case sql::BoundKind::kConstant: args.push_back(Datum{nullptr, &arg->value, arg->type}); break;
      case sql::BoundKind::kFunction:
        STRATA_RETURN_IF_ERROR(Evaluate(*arg, columns, rows, temporaries.emplace_back()));
        args.push_back(Datum{&temporaries.back(), nullptr, arg->type});
        break;
    }
  }
  STRATA_RETURN_IF_ERROR(EvalScalarFunction(expr, args, rows, out));
  EXPECT_EQ(out.size(), rows);
  EXPECT_EQ(out.type(), expr.type);
  ExpectWellFormed(out);
  return Status();
}

// `columns` with every string-stored column in dictionary form.
inline std::vector<ColumnVector> DictionaryForm(std::vector<ColumnVector> columns) {
  for (ColumnVector& column : columns) {
    if (types::IsStringStored(column.type())) {
      EXPECT_TRUE(column.DictionaryEncode(1.0));
    }
  }
  return columns;
}

inline bool HasStringColumn(const std::vector<ColumnVector>& columns) {
  for (const ColumnVector& column : columns) {
    if (types::IsStringStored(column.type())) return true;
  }
  return false;
}

struct Outcome {
  Status status;
  std::vector<Value> values;
  ColumnVector plain;       // The result over plain columns.
  ColumnVector dictionary;  // The result over dictionary-form columns.
};

// Evaluates over plain and dictionary-form columns and expects the same outcome. `rows`
// defaults to the first column's size (required when there is no column).
inline Outcome RunBoth(const BoundExpr& expr, const std::vector<ColumnVector>& columns,
                       size_t rows = SIZE_MAX) {
  if (rows == SIZE_MAX) rows = columns.empty() ? 1 : columns[0].size();
  Outcome outcome;
  outcome.status = Evaluate(expr, columns, rows, outcome.plain);
  if (outcome.status.ok()) outcome.values = Values(outcome.plain);
  if (HasStringColumn(columns)) {
    const Status status = Evaluate(expr, DictionaryForm(columns), rows, outcome.dictionary);
    EXPECT_EQ(status.ToString(), outcome.status.ToString()) << "dictionary form differs";
    if (status.ok() && outcome.status.ok()) {
      EXPECT_EQ(Values(outcome.dictionary), outcome.values) << "dictionary form differs";
    }
  }
  return outcome;
}

// The values of a call that must succeed.
inline std::vector<Value> Eval(const BoundExpr& expr, const std::vector<ColumnVector>& columns,
                               size_t rows = SIZE_MAX) {
  Outcome outcome = RunBoth(expr, columns, rows);
  EXPECT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  return outcome.values;
}

// The error of a call that must fail.
inline Status EvalError(const BoundExpr& expr, const std::vector<ColumnVector>& columns,
                        size_t rows = SIZE_MAX) {
  Outcome outcome = RunBoth(expr, columns, rows);
  EXPECT_FALSE(outcome.status.ok()) << "expected an error";
  return outcome.status;
}

}  // namespace strata::exec::testing
