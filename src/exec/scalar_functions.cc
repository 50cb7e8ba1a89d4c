#include "exec/scalar_functions.h"

#include "exec/kernel_util.h"
#include "exec/kernels.h"

namespace strata::exec {
namespace {

using sql::FuncId;

// How many leading arguments make the result NULL when one is NULL: all of them for most
// functions; only the tested value for IN; none for the functions that look at NULLs.
size_t NullPropagatingArgs(const sql::BoundExpr& expr, size_t arg_count) {
  switch (expr.func) {
    case FuncId::kAnd:
    case FuncId::kOr:
    case FuncId::kIsNull:
    case FuncId::kIsNotNull:
    case FuncId::kCase:
    case FuncId::kCoalesce:
    case FuncId::kConcat: return 0;
    case FuncId::kIn: return 1;
    default: return arg_count;
  }
}

Status Dispatch(const sql::BoundExpr& expr, std::span<const Datum> args, size_t rows,
                types::ColumnVector& out) {
  switch (expr.func) {
    case FuncId::kAdd:
    case FuncId::kSub:
    case FuncId::kMul:
    case FuncId::kDiv:
    case FuncId::kMod:
    case FuncId::kNeg: return internal::EvalArithmetic(expr, args, rows, out);
    case FuncId::kEq:
    case FuncId::kNe:
    case FuncId::kLt:
    case FuncId::kLe:
    case FuncId::kGt:
    case FuncId::kGe: return internal::EvalComparison(expr, args, rows, out);
    case FuncId::kAnd:
    case FuncId::kOr:
    case FuncId::kNot:
    case FuncId::kIsNull:
    case FuncId::kIsNotNull:
    case FuncId::kIn:
    case FuncId::kLike: return internal::EvalLogic(expr, args, rows, out);
    case FuncId::kCase:
    case FuncId::kCoalesce: return internal::EvalConditional(expr, args, rows, out);
    case FuncId::kCast: return internal::EvalCast(expr, args, rows, out);
    case FuncId::kAbs:
    case FuncId::kRound:
    case FuncId::kFloor:
    case FuncId::kCeil: return internal::EvalMath(expr, args, rows, out);
    case FuncId::kLower:
    case FuncId::kUpper:
    case FuncId::kLength:
    case FuncId::kSubstring:
    case FuncId::kConcat: return internal::EvalString(expr, args, rows, out);
    case FuncId::kTimeBucket:
    case FuncId::kDateTrunc:
    case FuncId::kExtract: return internal::EvalTime(expr, args, rows, out);
    case FuncId::kJsonGet:
    case FuncId::kJsonGetText: return internal::EvalJson(expr, args, rows, out);
    case FuncId::kTransform: return internal::EvalTransform(expr, args, rows, out);
  }
  return Status::Internal("unknown scalar function");
}

}  // namespace

Status EvalScalarFunction(const sql::BoundExpr& expr, std::span<const Datum> args, size_t rows,
                          types::ColumnVector& out) {
  if (expr.kind != sql::BoundKind::kFunction || args.size() != expr.args.size()) {
    return Status::Internal("EvalScalarFunction: arguments do not match the expression");
  }
  for (const Datum& arg : args) {
    if (!arg.is_scalar() && arg.vector->size() != rows) {
      return Status::Internal("EvalScalarFunction: an argument vector does not hold `rows` rows");
    }
  }
  if (rows == 0) {
    out = types::ColumnVector(expr.type);
    return Status();
  }
  const size_t propagating = NullPropagatingArgs(expr, args.size());
  for (size_t arg_idx = 0; arg_idx < propagating; ++arg_idx) {
    if (args[arg_idx].is_null_scalar()) {
      internal::FillNull(out, expr.type, rows);
      return Status();
    }
  }
  bool all_scalar = true;
  for (const Datum& arg : args) all_scalar = all_scalar && arg.is_scalar();
  if (!all_scalar || rows == 1) return Dispatch(expr, args, rows, out);
  // Constants are evaluated once, then repeated.
  types::ColumnVector one(expr.type);
  STRATA_RETURN_IF_ERROR(Dispatch(expr, args, 1, one));
  internal::Broadcast(one, rows, out);
  return Status();
}

}  // namespace strata::exec
