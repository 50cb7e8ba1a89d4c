#include "storage/engine/predicate_eval.h"

#include <algorithm>
#include <string_view>

namespace strata::storage {
namespace {

using types::CompareOp;
using types::Value;

template <typename T>
bool Compare(CompareOp op, const T& a, const T& b) {
  switch (op) {
    case CompareOp::kEq:
    case CompareOp::kIn: return a == b;
    case CompareOp::kLt: return a < b;
    case CompareOp::kLe: return a <= b;
    case CompareOp::kGt: return a > b;
    case CompareOp::kGe: return a >= b;
  }
  return false;
}

double AsDouble(const Value& value) {
  if (const int64_t* i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
  if (const double* d = std::get_if<double>(&value)) return *d;
  if (const bool* b = std::get_if<bool>(&value)) return *b ? 1.0 : 0.0;
  return 0.0;
}

// Applies `row_test(row_idx)` for each row, honouring nulls.
template <typename Test>
void ApplyRows(const types::ColumnVector& column, uint8_t* keep, Test row_test) {
  const size_t rows = column.size();
  if (!column.has_nulls()) {
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) keep[row_idx] &= row_test(row_idx);
  } else {
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      keep[row_idx] &= !column.IsNull(row_idx) && row_test(row_idx);
    }
  }
}

// Whether `v` satisfies `op` against `values` (any of them for kIn, the first otherwise).
template <typename T>
bool Matches(CompareOp op, const std::vector<T>& values, const T& v) {
  if (op == CompareOp::kIn) return std::find(values.begin(), values.end(), v) != values.end();
  return Compare(op, v, values.empty() ? T{} : values[0]);
}

template <typename T, typename Get>
void ApplyTyped(const types::ColumnVector& column, CompareOp op, const std::vector<T>& values,
                uint8_t* keep, Get get) {
  if (op == CompareOp::kIn) {
    ApplyRows(column, keep, [&](size_t row_idx) -> uint8_t {
      const T v = get(row_idx);
      return std::find(values.begin(), values.end(), v) != values.end();
    });
    return;
  }
  const T operand = values.empty() ? T{} : values[0];
  switch (op) {
    case CompareOp::kEq:
    case CompareOp::kIn:
      ApplyRows(column, keep, [&](size_t row_idx) -> uint8_t { return get(row_idx) == operand; });
      break;
    case CompareOp::kLt:
      ApplyRows(column, keep, [&](size_t row_idx) -> uint8_t { return get(row_idx) < operand; });
      break;
    case CompareOp::kLe:
      ApplyRows(column, keep, [&](size_t row_idx) -> uint8_t { return get(row_idx) <= operand; });
      break;
    case CompareOp::kGt:
      ApplyRows(column, keep, [&](size_t row_idx) -> uint8_t { return get(row_idx) > operand; });
      break;
    case CompareOp::kGe:
      ApplyRows(column, keep, [&](size_t row_idx) -> uint8_t { return get(row_idx) >= operand; });
      break;
  }
}

// Orders a zone-map bound against a predicate value: -1, 0 or 1. Numbers compare as int64
// when both are, else as float64; a string against a non-string is 0 (never prunes).
int CompareBound(const Value& bound, const Value& value) {
  if (const std::string* x = std::get_if<std::string>(&bound)) {
    const std::string* y = std::get_if<std::string>(&value);
    if (y == nullptr) return 0;
    return *x < *y ? -1 : (*x > *y ? 1 : 0);
  }
  if (std::holds_alternative<int64_t>(bound) && std::holds_alternative<int64_t>(value)) {
    const int64_t x = std::get<int64_t>(bound);
    const int64_t y = std::get<int64_t>(value);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  const double x = AsDouble(bound);
  const double y = AsDouble(value);
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool AllIntegers(const std::vector<Value>& values) {
  return std::all_of(values.begin(), values.end(),
                     [](const Value& v) { return std::holds_alternative<int64_t>(v); });
}

}  // namespace

bool PredicateFitsType(const types::Predicate& predicate, types::DataType type) {
  if (predicate.values.empty()) return false;
  if (predicate.op != CompareOp::kIn && predicate.values.size() != 1) return false;
  for (const Value& value : predicate.values) {
    bool fits = false;
    switch (type) {
      case types::DataType::kBool: fits = std::holds_alternative<bool>(value); break;
      case types::DataType::kInt64:
      case types::DataType::kTimestamp:
      case types::DataType::kFloat64:
        fits = std::holds_alternative<int64_t>(value) || std::holds_alternative<double>(value);
        break;
      case types::DataType::kString:
      case types::DataType::kJson: fits = std::holds_alternative<std::string>(value); break;
    }
    if (!fits) return false;
  }
  return true;
}

void ApplyPredicate(const types::ColumnVector& column, const types::Predicate& predicate,
                    uint8_t* keep) {
  const CompareOp op = predicate.op;
  switch (column.type()) {
    case types::DataType::kBool: {
      std::vector<uint8_t> values;
      for (const Value& v : predicate.values)
        values.push_back(std::get_if<bool>(&v) && std::get<bool>(v));
      const uint8_t* data = column.bools().data();
      ApplyTyped<uint8_t>(column, op, values, keep, [data](size_t i) { return data[i]; });
      break;
    }
    case types::DataType::kInt64:
    case types::DataType::kTimestamp: {
      const int64_t* data = column.ints().data();
      if (AllIntegers(predicate.values)) {
        std::vector<int64_t> values;
        for (const Value& v : predicate.values) values.push_back(std::get<int64_t>(v));
        ApplyTyped<int64_t>(column, op, values, keep, [data](size_t i) { return data[i]; });
      } else {
        std::vector<double> values;
        for (const Value& v : predicate.values) values.push_back(AsDouble(v));
        ApplyTyped<double>(column, op, values, keep,
                           [data](size_t i) { return static_cast<double>(data[i]); });
      }
      break;
    }
    case types::DataType::kFloat64: {
      std::vector<double> values;
      for (const Value& v : predicate.values) values.push_back(AsDouble(v));
      const double* data = column.doubles().data();
      ApplyTyped<double>(column, op, values, keep, [data](size_t i) { return data[i]; });
      break;
    }
    case types::DataType::kString:
    case types::DataType::kJson: {
      std::vector<std::string_view> values;
      for (const Value& v : predicate.values) {
        const std::string* s = std::get_if<std::string>(&v);
        values.push_back(s ? std::string_view(*s) : std::string_view());
      }
      if (column.is_dictionary()) {
        // Each entry is compared once; rows look their code up.
        std::vector<uint8_t> entry_matches(column.dictionary_size());
        for (uint32_t entry = 0; entry < entry_matches.size(); ++entry) {
          entry_matches[entry] = Matches(op, values, column.DictionaryEntry(entry));
        }
        const uint32_t* codes = column.codes().data();
        const uint8_t* matches = entry_matches.data();
        ApplyRows(column, keep, [codes, matches](size_t i) { return matches[codes[i]]; });
        break;
      }
      ApplyTyped<std::string_view>(column, op, values, keep,
                                   [&column](size_t i) { return column.StringAt(i); });
      break;
    }
  }
}

bool ZoneMayMatch(const ZoneMap& zone, const types::Predicate& predicate) {
  if (!zone.has_min_max) return zone.null_count == 0;  // Only NULLs (or NaNs/long strings).
  for (const Value& value : predicate.values) {
    // A NaN literal compares with nothing: do not prune.
    if (const double* d = std::get_if<double>(&value); d != nullptr && *d != *d) return true;
    // Does [min, max] intersect { x : x op value }?
    bool intersects = true;
    switch (predicate.op) {
      case CompareOp::kEq:
      case CompareOp::kIn:
        intersects = CompareBound(zone.min, value) <= 0 && CompareBound(zone.max, value) >= 0;
        break;
      case CompareOp::kLt: intersects = CompareBound(zone.min, value) < 0; break;
      case CompareOp::kLe: intersects = CompareBound(zone.min, value) <= 0; break;
      case CompareOp::kGt: intersects = CompareBound(zone.max, value) > 0; break;
      case CompareOp::kGe: intersects = CompareBound(zone.max, value) >= 0; break;
    }
    if (intersects) return true;
  }
  return false;
}

}  // namespace strata::storage
