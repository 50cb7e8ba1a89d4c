// BoundExpr: a resolved, typed expression — what the binder makes of an ast::Expr and what
// the executor evaluates. Column references point at a slot of the stage's input (a scan
// column, or a group key / aggregate result after aggregation); functions are resolved to a
// FuncId whose argument types the binder has checked and coerced.
// Thread safety: plain values; immutable once planned.
// NULL semantics (docs/query.md): every function returns NULL when an argument is NULL,
// except AND/OR (three-valued logic), IS [NOT] NULL, COALESCE and CASE.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sql/value_transform.h"
#include "types/data_type.h"

namespace strata::sql {

enum class FuncId {
  // Arithmetic on int64 (overflow is an error), float64 and timestamp ± interval (int64 µs).
  kAdd,
  kSub,
  kMul,
  kDiv,  // int64 / int64 truncates toward zero; x / 0 is NULL.
  kMod,  // x % 0 is NULL.
  kNeg,
  // Comparison: both arguments have the same type (the binder casts int64 to float64).
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  // Logic (bool, three-valued).
  kAnd,
  kOr,
  kNot,
  kIsNull,
  kIsNotNull,
  // args[0] IN (args[1..]); every list element is a constant of args[0]'s type.
  kIn,
  // args[0] LIKE args[1] (a string constant); `case_insensitive` for ILIKE.
  kLike,
  // args: when1, then1, when2, then2, ..., [else]; `has_else` says whether the last is ELSE.
  kCase,
  // args[0] converted to `type`; a string that does not parse is an error.
  kCast,
  kCoalesce,
  // Math.
  kAbs,
  kRound,  // round(x) or round(x, digits); half away from zero.
  kFloor,
  kCeil,
  // Strings (UTF-8; lengths and positions count code points).
  kLower,
  kUpper,
  kLength,
  kSubstring,  // substring(s, start[, count]), start 1-based.
  kConcat,     // concat(a, b, ...) and a || b: NULL arguments are skipped (never NULL).
  // Time (timestamps are int64 µs UTC).
  kTimeBucket,  // time_bucket(interval µs constant, ts[, origin]) -> timestamp.
  kDateTrunc,   // date_trunc(unit, ts): args = [ts], `unit` microsecond..year.
  kExtract,     // extract(field FROM ts): args = [ts], `unit` the field -> float64: epoch, year,
                // month, day, hour, minute, second, millisecond, microsecond, dow, doy.
  // JSON: args[0] json, args[1] string key (or int64 index for arrays).
  kJsonGet,      // -> : json.
  kJsonGetText,  // ->> : string (the text of strings, JSON text of other values).
  // A field policy's transform of args[0] (a column): `transform` -> string; NULL stays NULL.
  kTransform,
};

enum class BoundKind {
  kConstant,  // value (monostate: NULL) of `type`.
  kColumn,    // slot of the stage input.
  kFunction,  // func(args).
};

struct BoundExpr;
using BoundExprPtr = std::unique_ptr<BoundExpr>;

struct BoundExpr {
  BoundKind kind = BoundKind::kConstant;
  types::DataType type = types::DataType::kInt64;

  types::Value value;  // kConstant.
  int slot = -1;       // kColumn.

  FuncId func = FuncId::kAdd;  // kFunction.
  std::vector<BoundExprPtr> args;
  bool case_insensitive = false;                      // kLike.
  bool has_else = false;                              // kCase.
  types::DataType cast_to = types::DataType::kInt64;  // kCast (== type).
  std::string unit;                                   // kDateTrunc, kExtract: lower-cased.
  std::shared_ptr<const ValueTransform> transform;    // kTransform.

  static BoundExprPtr Constant(types::Value value, types::DataType type);
  static BoundExprPtr Column(int slot, types::DataType type);
  static BoundExprPtr Function(FuncId func, types::DataType type, std::vector<BoundExprPtr> args);

  BoundExprPtr Clone() const;
  bool IsConstant() const { return kind == BoundKind::kConstant; }
  bool IsNullConstant() const {
    return kind == BoundKind::kConstant && std::holds_alternative<std::monostate>(value);
  }
};

std::string_view FuncName(FuncId func);

// A canonical text form, e.g. "(#2 > 90.0)", "time_bucket(60000000, #0)", "mask(#3)".
// `slot_names` names the slots (else "#n"). Used by EXPLAIN and for plan-cache keys (which
// also carry the policy fingerprint, since "hash(#1)" does not say under which key).
std::string ToString(const BoundExpr& expr, const std::vector<std::string>* slot_names = nullptr);

}  // namespace strata::sql
