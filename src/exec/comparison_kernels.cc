// = <> < <= > >= over bool (false < true), int64, timestamp, float64 (IEEE: NaN is unequal to
// everything) and string/json (bytewise, i.e. by code point for UTF-8). A dictionary-form
// string vector compared with a scalar is compared once per dictionary entry.
#include <functional>
#include <optional>

#include "exec/kernel_util.h"
#include "exec/kernels.h"

namespace strata::exec::internal {
namespace {

using sql::FuncId;

template <typename A, typename B, typename Cmp>
void CompareLoop(A a, B b, Cmp cmp, uint8_t* __restrict result, size_t rows) {
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) result[row_idx] = cmp(a[row_idx], b[row_idx]);
}

// Calls body(cmp) with the comparison functor of `func`.
template <typename Body>
void WithComparator(FuncId func, Body&& body) {
  switch (func) {
    case FuncId::kEq: body(std::equal_to<>{}); break;
    case FuncId::kNe: body(std::not_equal_to<>{}); break;
    case FuncId::kLt: body(std::less<>{}); break;
    case FuncId::kLe: body(std::less_equal<>{}); break;
    case FuncId::kGt: body(std::greater<>{}); break;
    default: body(std::greater_equal<>{}); break;
  }
}

template <typename T>
void CompareFixed(FuncId func, KernelArgs args, uint8_t* result, size_t rows) {
  VisitBinary<T>(args[0], args[1], [&](auto a, auto b) {
    WithComparator(func, [&](auto cmp) { CompareLoop(a, b, cmp, result, rows); });
  });
}

// The comparison that holds for (b, a) exactly when `func` holds for (a, b).
FuncId Mirror(FuncId func) {
  switch (func) {
    case FuncId::kLt: return FuncId::kGt;
    case FuncId::kLe: return FuncId::kGe;
    case FuncId::kGt: return FuncId::kLt;
    case FuncId::kGe: return FuncId::kLe;
    default: return func;
  }
}

// vector <func> scalar for a dictionary-form vector: one comparison per entry, then a
// gather by code.
void CompareDictionaryWithScalar(FuncId func, const ColumnVector& vector, std::string_view scalar,
                                 uint8_t* __restrict result, size_t rows) {
  std::vector<uint8_t> per_entry(vector.dictionary_size());
  WithComparator(func, [&](auto cmp) {
    for (uint32_t entry = 0; entry < per_entry.size(); ++entry) {
      per_entry[entry] = cmp(vector.DictionaryEntry(entry), scalar);
    }
  });
  const uint32_t* __restrict codes = vector.codes().data();
  const uint8_t* __restrict lookup = per_entry.data();
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) result[row_idx] = lookup[codes[row_idx]];
}

// vector <func> scalar for a plain-form vector, straight from the offsets and bytes.
void ComparePlainWithScalar(FuncId func, const ColumnVector& vector, std::string_view scalar,
                            uint8_t* __restrict result, size_t rows) {
  const uint32_t* __restrict offsets = vector.offsets().data();
  const char* chars = vector.chars().data();
  WithComparator(func, [&](auto cmp) {
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      const std::string_view value(chars + offsets[row_idx],
                                   offsets[row_idx + 1] - offsets[row_idx]);
      result[row_idx] = cmp(value, scalar);
    }
  });
}

void CompareVectorWithScalar(FuncId func, const ColumnVector& vector, std::string_view scalar,
                             uint8_t* result, size_t rows) {
  if (!vector.is_dictionary()) {
    ComparePlainWithScalar(func, vector, scalar, result, rows);
  } else if (PreferDictionary(vector)) {
    CompareDictionaryWithScalar(func, vector, scalar, result, rows);
  } else {
    WithComparator(func, [&](auto cmp) {
      for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
        result[row_idx] = cmp(vector.StringAt(row_idx), scalar);
      }
    });
  }
}

void CompareStrings(FuncId func, KernelArgs args, uint8_t* result, size_t rows) {
  const Datum& lhs = args[0];
  const Datum& rhs = args[1];
  if (!lhs.is_scalar() && rhs.is_scalar()) {
    CompareVectorWithScalar(func, *lhs.vector, StringAt(rhs, 0), result, rows);
    return;
  }
  if (lhs.is_scalar() && !rhs.is_scalar()) {
    CompareVectorWithScalar(Mirror(func), *rhs.vector, StringAt(lhs, 0), result, rows);
    return;
  }
  WithComparator(func, [&](auto cmp) {
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      result[row_idx] = cmp(StringAt(lhs, row_idx), StringAt(rhs, row_idx));
    }
  });
}

// The payload both arguments share, or nullopt when they cannot be compared.
std::optional<DataType> CommonStorage(DataType a, DataType b) {
  if (types::IsIntegerStored(a) && types::IsIntegerStored(b)) return DataType::kInt64;
  if (types::IsStringStored(a) && types::IsStringStored(b)) return DataType::kString;
  if (a == b) return a;
  return std::nullopt;
}

}  // namespace

Status EvalComparison(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  if (args.size() != 2) return UnsupportedTypes(expr, args);
  const std::optional<DataType> storage = CommonStorage(TypeOf(args[0]), TypeOf(args[1]));
  if (!storage || expr.type != DataType::kBool) return UnsupportedTypes(expr, args);
  uint8_t* result = StartFixedWidth<uint8_t>(out, DataType::kBool, rows);
  switch (*storage) {
    case DataType::kBool: CompareFixed<uint8_t>(expr.func, args, result, rows); break;
    case DataType::kFloat64: CompareFixed<double>(expr.func, args, result, rows); break;
    case DataType::kString: CompareStrings(expr.func, args, result, rows); break;
    default: CompareFixed<int64_t>(expr.func, args, result, rows); break;
  }
  PropagateValidity(args, rows, out);
  FinishFixedWidth(out, rows);
  return Status();
}

}  // namespace strata::exec::internal
