// Helpers shared by the scalar function kernels (src/exec/*_kernels.cc): typed reads of
// Datums, tight-loop adapters over raw payloads, and result builders that keep ColumnVector's
// invariants (NULL slots hold zero values; validity is empty unless some row is NULL).
// Internal to src/exec. Thread safety: stateless, except DictionaryBuilder (one per result).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/status.h"
#include "exec/datum.h"
#include "sql/bound_expr.h"
#include "types/column_vector.h"

namespace strata::exec::internal {

using types::ColumnVector;
using types::DataType;

// ---- Reading arguments. Row reads REQUIRE a non-NULL row; scalars stand for every row. ----

// The argument's type: its vector's, or the Datum's for a scalar.
inline DataType TypeOf(const Datum& arg) { return arg.is_scalar() ? arg.type : arg.vector->type(); }
// Whether values of the two types share a payload (int64 and timestamp; string and json).
inline bool SameStorage(DataType a, DataType b) {
  return a == b || (types::IsIntegerStored(a) && types::IsIntegerStored(b)) ||
         (types::IsStringStored(a) && types::IsStringStored(b));
}
bool IsNullAt(const Datum& arg, size_t row_idx);
// A NULL scalar, or a vector with at least one NULL row.
bool HasNulls(const Datum& arg);
bool BoolAt(const Datum& arg, size_t row_idx);
int64_t IntAt(const Datum& arg, size_t row_idx);
// Accepts int64 scalars too (a float64 constant may hold an integer Value).
double DoubleAt(const Datum& arg, size_t row_idx);
std::string_view StringAt(const Datum& arg, size_t row_idx);

inline bool BitIsSet(const uint8_t* bits, size_t row_idx) {
  return (bits[row_idx >> 3] >> (row_idx & 7)) & 1;
}

// The payload array of a vector for element type T: uint8_t (bools), int64_t (int64 and
// timestamp) or double (float64).
template <typename T>
const T* Payload(const ColumnVector& vector);
template <>
inline const uint8_t* Payload<uint8_t>(const ColumnVector& vector) {
  return vector.bools().data();
}
template <>
inline const int64_t* Payload<int64_t>(const ColumnVector& vector) {
  return vector.ints().data();
}
template <>
inline const double* Payload<double>(const ColumnVector& vector) {
  return vector.doubles().data();
}

// The value of a non-NULL scalar as element type T (a NULL scalar reads as zero).
template <typename T>
T ScalarAs(const Datum& arg) {
  if (arg.is_null_scalar()) return T{};
  if constexpr (std::is_same_v<T, double>) {
    return DoubleAt(arg, 0);
  } else if constexpr (std::is_same_v<T, uint8_t>) {
    return BoolAt(arg, 0) ? 1 : 0;
  } else {
    return IntAt(arg, 0);
  }
}

// Adapters that let one loop body read a vector or a scalar argument by row index; each
// combination instantiates its own loop, so the compiler can vectorize the vector cases.
template <typename T>
struct VectorArg {
  const T* __restrict data;
  T operator[](size_t row_idx) const { return data[row_idx]; }
};
template <typename T>
struct ScalarArg {
  T value;
  T operator[](size_t) const { return value; }
};

// Calls body(a) with a VectorArg<T> or ScalarArg<T> for `arg`.
template <typename T, typename Body>
void VisitUnary(const Datum& arg, Body&& body) {
  if (arg.is_scalar()) {
    body(ScalarArg<T>{ScalarAs<T>(arg)});
  } else {
    body(VectorArg<T>{Payload<T>(*arg.vector)});
  }
}

// Calls body(a, b) with a VectorArg<T> or ScalarArg<T> for each side.
template <typename T, typename Body>
void VisitBinary(const Datum& lhs, const Datum& rhs, Body&& body) {
  VisitUnary<T>(lhs, [&](auto a) { VisitUnary<T>(rhs, [&](auto b) { body(a, b); }); });
}

// ---- Building results. ----

// Starts a fixed-width result: `out` becomes an empty vector of `type` whose payload (of
// element type T) has `rows` zeroed slots; returns that payload. Finish with
// FinishFixedWidth.
template <typename T>
T* StartFixedWidth(ColumnVector& out, DataType type, size_t rows) {
  out = ColumnVector(type);
  if constexpr (std::is_same_v<T, uint8_t>) {
    out.mutable_bools().resize(rows);
    return out.mutable_bools().data();
  } else if constexpr (std::is_same_v<T, double>) {
    out.mutable_doubles().resize(rows, 0.0);
    return out.mutable_doubles().data();
  } else {
    out.mutable_ints().resize(rows, 0);
    return out.mutable_ints().data();
  }
}

// Sets the validity of `out` (a result of `rows` rows) to the AND of the arguments'
// validity: empty when no argument has a NULL; all NULL when a scalar is NULL.
void PropagateValidity(std::span<const Datum> args, size_t rows, ColumnVector& out);
// Marks one row of a result under construction NULL (materializing the bitmap first).
void SetNull(ColumnVector& out, size_t rows, size_t row_idx);
// Whether row `row_idx` of a result under construction is valid.
bool IsValidRow(const ColumnVector& out, size_t row_idx);
// Completes a fixed-width result of `rows` rows: sets the size, zeroes NULL slots
// (invariant 2) and drops an all-valid bitmap (invariant 3).
void FinishFixedWidth(ColumnVector& out, size_t rows);

// `out` = `rows` NULLs of `type`.
void FillNull(ColumnVector& out, DataType type, size_t rows);
// `out` = `rows` copies of row 0 of `one` (strings in dictionary form, one entry).
// REQUIRES: one.size() == 1.
void Broadcast(const ColumnVector& one, size_t rows, ColumnVector& out);

// A 1-row vector holding a scalar argument, or the argument's own vector. Unary kernels
// use it: the dispatcher evaluates an all-scalar call with rows == 1.
const ColumnVector& AsVector(const Datum& arg, ColumnVector& scratch);

// Whether to evaluate a string function once per dictionary entry rather than per row:
// the vector is in dictionary form and its dictionary is no larger than its rows.
inline bool PreferDictionary(const ColumnVector& vector) {
  return vector.is_dictionary() && vector.dictionary_size() <= vector.size();
}

// Builds a string-stored result in dictionary form with distinct entries (invariant 5).
class DictionaryBuilder {
 public:
  // Clears `out` and makes it an empty vector of `type`.
  DictionaryBuilder(ColumnVector& out, DataType type);
  // The entry holding `value`, added when new.
  uint32_t Entry(std::string_view value);
  // Completes the result from one entry per row; a NULL row (per `validity`, which is
  // empty or a bitmap of codes.size() rows) is pointed at the "" entry.
  void Finish(std::vector<uint32_t> codes, std::vector<uint8_t> validity);

 private:
  ColumnVector& out_;
  std::unordered_map<std::string, uint32_t> index_;
};

// Applies `transform(value, std::string& result)` to each non-NULL row of the string-stored
// vector `in`, writing a result of `type` into `out` (NULL stays NULL). A dictionary-form
// input is transformed once per entry and gives a dictionary-form result.
template <typename Transform>
void MapStrings(const ColumnVector& in, DataType type, ColumnVector& out, Transform&& transform) {
  std::string result;
  if (PreferDictionary(in)) {
    DictionaryBuilder builder(out, type);
    std::vector<uint32_t> translation(in.dictionary_size());
    for (uint32_t entry = 0; entry < translation.size(); ++entry) {
      result.clear();
      transform(in.DictionaryEntry(entry), result);
      translation[entry] = builder.Entry(result);
    }
    std::vector<uint32_t> codes(in.size());
    const uint32_t* in_codes = in.codes().data();
    for (size_t row_idx = 0; row_idx < codes.size(); ++row_idx) {
      codes[row_idx] = translation[in_codes[row_idx]];
    }
    builder.Finish(std::move(codes), in.validity());
    return;
  }
  out = ColumnVector(type);
  out.Reserve(in.size(), in.chars().size());
  for (size_t row_idx = 0; row_idx < in.size(); ++row_idx) {
    if (in.IsNull(row_idx)) {
      out.AppendNull();
      continue;
    }
    result.clear();
    transform(in.StringAt(row_idx), result);
    out.AppendString(result);
  }
}

// ---- Errors. ----

// Internal "no kernel for f(t1, t2)": argument types the binder should have rejected.
Status UnsupportedTypes(const sql::BoundExpr& expr, std::span<const Datum> args);

// InvalidArgument "integer overflow in <op>", problem code "numeric_overflow".
Status OverflowError(std::string_view op);
// `text` in double quotes for an error message, cut to 64 bytes with "..." when longer.
std::string QuoteForMessage(std::string_view text);

}  // namespace strata::exec::internal
