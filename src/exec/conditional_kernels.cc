// CASE WHEN ... THEN ... [ELSE ...] END and COALESCE: each row copies the value of the one
// argument it selects. A WHEN that is NULL counts as false; CASE without a matching WHEN and
// without ELSE is NULL; COALESCE is NULL only when every argument is.
#include "exec/kernel_util.h"
#include "exec/kernels.h"

namespace strata::exec::internal {
namespace {

using sql::FuncId;

constexpr size_t kNoArg = SIZE_MAX;

// Whether `arg` can be copied into a result of `type` (a NULL constant always can).
bool Copyable(const Datum& arg, DataType type) {
  if (arg.is_null_scalar()) return true;
  if (type == DataType::kFloat64 && arg.is_scalar()) {
    return TypeOf(arg) == DataType::kFloat64 || TypeOf(arg) == DataType::kInt64;
  }
  return SameStorage(TypeOf(arg), type);
}

// Appends row `row_idx` of `arg` (kNoArg: NULL) to `out`.
void AppendRow(KernelArgs args, size_t arg_idx, size_t row_idx, ColumnVector& out) {
  if (arg_idx == kNoArg || IsNullAt(args[arg_idx], row_idx)) {
    out.AppendNull();
    return;
  }
  const Datum& arg = args[arg_idx];
  switch (out.type()) {
    case DataType::kBool: out.AppendBool(BoolAt(arg, row_idx)); break;
    case DataType::kInt64:
    case DataType::kTimestamp: out.AppendInt(IntAt(arg, row_idx)); break;
    case DataType::kFloat64: out.AppendDouble(DoubleAt(arg, row_idx)); break;
    case DataType::kString:
    case DataType::kJson: out.AppendString(StringAt(arg, row_idx)); break;
  }
}

Status EvalCase(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  const size_t pairs = (args.size() - (expr.has_else ? 1 : 0)) / 2;
  if (args.size() != pairs * 2 + (expr.has_else ? 1 : 0) || pairs == 0) {
    return UnsupportedTypes(expr, args);
  }
  for (size_t pair = 0; pair < pairs; ++pair) {
    if (!args[2 * pair].is_null_scalar() && TypeOf(args[2 * pair]) != DataType::kBool) {
      return UnsupportedTypes(expr, args);
    }
    if (!Copyable(args[2 * pair + 1], expr.type)) return UnsupportedTypes(expr, args);
  }
  if (expr.has_else && !Copyable(args.back(), expr.type)) return UnsupportedTypes(expr, args);
  const size_t otherwise = expr.has_else ? args.size() - 1 : kNoArg;
  out = ColumnVector(expr.type);
  out.Reserve(rows);
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    size_t chosen = otherwise;
    for (size_t pair = 0; pair < pairs; ++pair) {
      const Datum& when = args[2 * pair];
      if (!IsNullAt(when, row_idx) && BoolAt(when, row_idx)) {
        chosen = 2 * pair + 1;
        break;
      }
    }
    AppendRow(args, chosen, row_idx, out);
  }
  return Status();
}

Status EvalCoalesce(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  for (const Datum& arg : args) {
    if (!Copyable(arg, expr.type)) return UnsupportedTypes(expr, args);
  }
  out = ColumnVector(expr.type);
  out.Reserve(rows);
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    size_t chosen = kNoArg;
    for (size_t arg_idx = 0; arg_idx < args.size() && chosen == kNoArg; ++arg_idx) {
      if (!IsNullAt(args[arg_idx], row_idx)) chosen = arg_idx;
    }
    AppendRow(args, chosen, row_idx, out);
  }
  return Status();
}

}  // namespace

Status EvalConditional(const sql::BoundExpr& expr, KernelArgs args, size_t rows,
                       ColumnVector& out) {
  return expr.func == FuncId::kCase ? EvalCase(expr, args, rows, out)
                                    : EvalCoalesce(expr, args, rows, out);
}

}  // namespace strata::exec::internal
