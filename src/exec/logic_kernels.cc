// AND / OR (three-valued), NOT, IS [NOT] NULL, IN and LIKE / ILIKE. IN looks the value up in
// a hash set of the list's constants; IN and LIKE evaluate a dictionary-form string vector
// once per entry.
#include <unordered_set>

#include "exec/kernel_util.h"
#include "exec/kernels.h"
#include "exec/like_pattern.h"

namespace strata::exec::internal {
namespace {

using sql::FuncId;

// Three-valued reads of a bool argument: valid(row), and value(row) for valid rows.
struct BoolVector {
  const uint8_t* __restrict values;
  const uint8_t* validity;  // Null when every row is valid.
  bool valid(size_t row_idx) const { return validity == nullptr || BitIsSet(validity, row_idx); }
  bool value(size_t row_idx) const { return values[row_idx] != 0; }
};
struct BoolScalar {
  bool is_valid;
  bool is_true;
  bool valid(size_t) const { return is_valid; }
  bool value(size_t) const { return is_true; }
};

template <typename Body>
void VisitBool(const Datum& arg, Body&& body) {
  if (arg.is_scalar()) {
    body(BoolScalar{!arg.is_null_scalar(), !arg.is_null_scalar() && BoolAt(arg, 0)});
  } else {
    const ColumnVector& vector = *arg.vector;
    body(
        BoolVector{vector.bools().data(), vector.has_nulls() ? vector.validity().data() : nullptr});
  }
}

// AND: false if either side is false, else NULL if either is NULL, else true.
// OR:  true if either side is true, else NULL if either is NULL, else false.
void AndOr(bool is_and, const Datum& lhs, const Datum& rhs, size_t rows, ColumnVector& out) {
  uint8_t* result = StartFixedWidth<uint8_t>(out, DataType::kBool, rows);
  out.mutable_validity().assign((rows + 7) / 8, 0);
  uint8_t* validity = out.mutable_validity().data();
  VisitBool(lhs, [&](auto a) {
    VisitBool(rhs, [&](auto b) {
      for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
        const bool a_valid = a.valid(row_idx), b_valid = b.valid(row_idx);
        const bool a_true = a_valid && a.value(row_idx), b_true = b_valid && b.value(row_idx);
        const bool decided =
            is_and ? (a_valid && !a_true) || (b_valid && !b_true) : a_true || b_true;
        const bool valid = (a_valid && b_valid) || decided;
        result[row_idx] = is_and ? a_true && b_true : a_true || b_true;
        validity[row_idx >> 3] |= static_cast<uint8_t>(valid << (row_idx & 7));
      }
    });
  });
  FinishFixedWidth(out, rows);
}

Status EvalAndOr(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  if (args.size() < 2) return UnsupportedTypes(expr, args);
  for (const Datum& arg : args) {
    if (!arg.is_null_scalar() && TypeOf(arg) != DataType::kBool) {
      return UnsupportedTypes(expr, args);
    }
  }
  const bool is_and = expr.func == FuncId::kAnd;
  AndOr(is_and, args[0], args[1], rows, out);
  for (size_t arg_idx = 2; arg_idx < args.size(); ++arg_idx) {  // Left fold of a longer list.
    ColumnVector partial = std::move(out);
    AndOr(is_and, Datum{&partial, nullptr, DataType::kBool}, args[arg_idx], rows, out);
  }
  return Status();
}

void Not(KernelArgs args, size_t rows, ColumnVector& out) {
  uint8_t* result = StartFixedWidth<uint8_t>(out, DataType::kBool, rows);
  VisitUnary<uint8_t>(args[0], [&](auto a) {
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) result[row_idx] = a[row_idx] == 0;
  });
  PropagateValidity(args, rows, out);
  FinishFixedWidth(out, rows);
}

void IsNull(bool want_null, const Datum& arg, size_t rows, ColumnVector& out) {
  uint8_t* result = StartFixedWidth<uint8_t>(out, DataType::kBool, rows);
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    result[row_idx] = IsNullAt(arg, row_idx) == want_null;
  }
  FinishFixedWidth(out, rows);
}

// ---- IN ----

// Whether every list element is a constant; `has_null` tells whether one of them is NULL.
bool ConstantList(KernelArgs args, bool& has_null) {
  has_null = false;
  for (size_t arg_idx = 1; arg_idx < args.size(); ++arg_idx) {
    if (!args[arg_idx].is_scalar()) return false;
    has_null = has_null || args[arg_idx].is_null_scalar();
  }
  return true;
}

// Writes `member(row)` for each row; a row that is not a member is NULL when the list holds
// a NULL (x IN (1, NULL) is true or NULL, never false).
template <typename Member>
void WriteMembership(KernelArgs args, bool list_has_null, size_t rows, ColumnVector& out,
                     Member&& member) {
  uint8_t* result = StartFixedWidth<uint8_t>(out, DataType::kBool, rows);
  PropagateValidity(args.first(1), rows, out);
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    result[row_idx] = member(row_idx);
    if (list_has_null && !result[row_idx]) SetNull(out, rows, row_idx);
  }
  FinishFixedWidth(out, rows);
}

template <typename T, typename Read>
void InFixed(KernelArgs args, bool list_has_null, size_t rows, ColumnVector& out, Read read) {
  std::unordered_set<T> set;
  for (size_t arg_idx = 1; arg_idx < args.size(); ++arg_idx) {
    if (!args[arg_idx].is_null_scalar()) set.insert(read(args[arg_idx], 0));
  }
  WriteMembership(args, list_has_null, rows, out,
                  [&](size_t row_idx) { return set.contains(read(args[0], row_idx)); });
}

void InStrings(KernelArgs args, bool list_has_null, size_t rows, ColumnVector& out) {
  std::unordered_set<std::string_view> set;
  for (size_t arg_idx = 1; arg_idx < args.size(); ++arg_idx) {
    if (!args[arg_idx].is_null_scalar()) set.insert(StringAt(args[arg_idx], 0));
  }
  const Datum& value = args[0];
  if (!value.is_scalar() && PreferDictionary(*value.vector)) {
    const ColumnVector& vector = *value.vector;
    std::vector<uint8_t> per_entry(vector.dictionary_size());
    for (uint32_t entry = 0; entry < per_entry.size(); ++entry) {
      per_entry[entry] = set.contains(vector.DictionaryEntry(entry));
    }
    const uint32_t* codes = vector.codes().data();
    WriteMembership(args, list_has_null, rows, out,
                    [&](size_t row_idx) { return per_entry[codes[row_idx]] != 0; });
    return;
  }
  WriteMembership(args, list_has_null, rows, out,
                  [&](size_t row_idx) { return set.contains(StringAt(value, row_idx)); });
}

bool EqualAt(const Datum& a, const Datum& b, size_t row_idx) {
  switch (TypeOf(a)) {
    case DataType::kBool: return BoolAt(a, row_idx) == BoolAt(b, row_idx);
    case DataType::kFloat64: return DoubleAt(a, row_idx) == DoubleAt(b, row_idx);
    case DataType::kString:
    case DataType::kJson: return StringAt(a, row_idx) == StringAt(b, row_idx);
    default: return IntAt(a, row_idx) == IntAt(b, row_idx);
  }
}

// A list with non-constant elements: compared row by row.
void InRowByRow(KernelArgs args, size_t rows, ColumnVector& out) {
  uint8_t* result = StartFixedWidth<uint8_t>(out, DataType::kBool, rows);
  PropagateValidity(args.first(1), rows, out);
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    bool saw_null = false;
    for (size_t arg_idx = 1; arg_idx < args.size() && !result[row_idx]; ++arg_idx) {
      if (IsNullAt(args[arg_idx], row_idx)) {
        saw_null = true;
      } else {
        result[row_idx] = EqualAt(args[0], args[arg_idx], row_idx);
      }
    }
    if (saw_null && !result[row_idx]) SetNull(out, rows, row_idx);
  }
  FinishFixedWidth(out, rows);
}

Status EvalIn(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  if (args.empty()) return UnsupportedTypes(expr, args);
  const DataType type = TypeOf(args[0]);
  for (const Datum& arg : args) {
    if (!arg.is_null_scalar() && !SameStorage(type, TypeOf(arg))) {
      return UnsupportedTypes(expr, args);
    }
  }
  bool list_has_null = false;
  if (!ConstantList(args, list_has_null)) {
    InRowByRow(args, rows, out);
    return Status();
  }
  switch (type) {
    case DataType::kBool: InFixed<bool>(args, list_has_null, rows, out, BoolAt); break;
    case DataType::kFloat64: InFixed<double>(args, list_has_null, rows, out, DoubleAt); break;
    case DataType::kString:
    case DataType::kJson: InStrings(args, list_has_null, rows, out); break;
    default: InFixed<int64_t>(args, list_has_null, rows, out, IntAt); break;
  }
  return Status();
}

// ---- LIKE ----

// A constant pattern (the usual case) is compiled once; a per-row pattern once per row.
Status EvalLike(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  if (args.size() != 2 || !types::IsStringStored(TypeOf(args[0])) ||
      !types::IsStringStored(TypeOf(args[1]))) {
    return UnsupportedTypes(expr, args);
  }
  uint8_t* result = StartFixedWidth<uint8_t>(out, DataType::kBool, rows);
  PropagateValidity(args, rows, out);
  const Datum& text = args[0];
  if (args[1].is_scalar()) {
    STRATA_ASSIGN_OR_RETURN(LikePattern pattern,
                            LikePattern::Compile(StringAt(args[1], 0), expr.case_insensitive));
    if (!text.is_scalar() && PreferDictionary(*text.vector)) {
      const ColumnVector& vector = *text.vector;
      std::vector<uint8_t> per_entry(vector.dictionary_size());
      for (uint32_t entry = 0; entry < per_entry.size(); ++entry) {
        per_entry[entry] = pattern.Matches(vector.DictionaryEntry(entry));
      }
      const uint32_t* codes = vector.codes().data();
      for (size_t row_idx = 0; row_idx < rows; ++row_idx)
        result[row_idx] = per_entry[codes[row_idx]];
    } else {
      for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
        result[row_idx] = pattern.Matches(StringAt(text, row_idx));
      }
    }
  } else {
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      if (!IsValidRow(out, row_idx)) continue;
      STRATA_ASSIGN_OR_RETURN(LikePattern pattern, LikePattern::Compile(StringAt(args[1], row_idx),
                                                                        expr.case_insensitive));
      result[row_idx] = pattern.Matches(StringAt(text, row_idx));
    }
  }
  FinishFixedWidth(out, rows);
  return Status();
}

}  // namespace

Status EvalLogic(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  switch (expr.func) {
    case FuncId::kAnd:
    case FuncId::kOr: return EvalAndOr(expr, args, rows, out);
    case FuncId::kNot:
      if (args.size() != 1 || TypeOf(args[0]) != DataType::kBool) {
        return UnsupportedTypes(expr, args);
      }
      Not(args, rows, out);
      return Status();
    case FuncId::kIsNull:
    case FuncId::kIsNotNull:
      if (args.size() != 1) return UnsupportedTypes(expr, args);
      IsNull(expr.func == FuncId::kIsNull, args[0], rows, out);
      return Status();
    case FuncId::kIn: return EvalIn(expr, args, rows, out);
    default: return EvalLike(expr, args, rows, out);
  }
}

}  // namespace strata::exec::internal
