// + - * / % and unary minus over int64 (and timestamps, stored as int64 µs) and float64.
// Integer overflow is an error; x / 0 and x % 0 are NULL (bound_expr.h, docs/query.md).
#include <cmath>

#include "exec/kernel_util.h"
#include "exec/kernels.h"

namespace strata::exec::internal {
namespace {

using sql::FuncId;

bool IsIntegerStored(const Datum& arg) { return types::IsIntegerStored(TypeOf(arg)); }
bool IsFloat(const Datum& arg) { return TypeOf(arg) == DataType::kFloat64; }

// Returns whether `op` overflowed, writing the wrapped result to `result`.
bool IntOp(FuncId func, int64_t a, int64_t b, int64_t* result) {
  switch (func) {
    case FuncId::kAdd: return __builtin_add_overflow(a, b, result);
    case FuncId::kSub: return __builtin_sub_overflow(a, b, result);
    default: return __builtin_mul_overflow(a, b, result);
  }
}

// One tight loop per (operation, vector/scalar combination). Returns whether any row
// overflowed, NULL rows included (the caller rechecks those). + and - test the sign bits
// (overflow iff the result's sign differs from what both operands imply), which the compiler
// vectorizes; __builtin_*_overflow does not vectorize. * has no such test.
template <FuncId kFunc, typename A, typename B>
bool IntLoop(A a, B b, int64_t* __restrict result, size_t rows) {
  if constexpr (kFunc == FuncId::kMul) {
    bool overflow = false;
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      overflow |= __builtin_mul_overflow(a[row_idx], b[row_idx], &result[row_idx]);
    }
    return overflow;
  } else {
    uint64_t sign_flags = 0;
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      const auto x = static_cast<uint64_t>(a[row_idx]), y = static_cast<uint64_t>(b[row_idx]);
      const uint64_t r = kFunc == FuncId::kAdd ? x + y : x - y;  // Wraps, never UB.
      sign_flags |= kFunc == FuncId::kAdd ? (x ^ r) & (y ^ r) : (x ^ y) & (x ^ r);
      result[row_idx] = static_cast<int64_t>(r);
    }
    return (sign_flags >> 63) != 0;
  }
}

// + - * on integers. A NULL row holds 0, which can still overflow (0 - INT64_MIN), so an
// overflow is an error only when it happened in a valid row.
Status IntAddSubMul(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  int64_t* result = StartFixedWidth<int64_t>(out, expr.type, rows);
  bool overflow = false;
  VisitBinary<int64_t>(args[0], args[1], [&](auto a, auto b) {
    switch (expr.func) {
      case FuncId::kAdd: overflow = IntLoop<FuncId::kAdd>(a, b, result, rows); break;
      case FuncId::kSub: overflow = IntLoop<FuncId::kSub>(a, b, result, rows); break;
      default: overflow = IntLoop<FuncId::kMul>(a, b, result, rows); break;
    }
  });
  PropagateValidity(args, rows, out);
  if (overflow) {
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      int64_t ignored;
      if (IsValidRow(out, row_idx) &&
          IntOp(expr.func, IntAt(args[0], row_idx), IntAt(args[1], row_idx), &ignored)) {
        return OverflowError(sql::FuncName(expr.func));
      }
    }
  }
  FinishFixedWidth(out, rows);
  return Status();
}

// / and % on integers: division truncates toward zero; a zero divisor gives NULL;
// INT64_MIN / -1 overflows; INT64_MIN % -1 is 0.
Status IntDivMod(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  int64_t* result = StartFixedWidth<int64_t>(out, expr.type, rows);
  PropagateValidity(args, rows, out);
  const bool is_div = expr.func == FuncId::kDiv;
  bool overflow = false;
  VisitBinary<int64_t>(args[0], args[1], [&](auto a, auto b) {
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      const int64_t x = a[row_idx], y = b[row_idx];
      if (y == 0) {
        SetNull(out, rows, row_idx);
      } else if (y == -1) {
        if (is_div && x == INT64_MIN) {
          overflow = overflow || IsValidRow(out, row_idx);
        } else {
          result[row_idx] = is_div ? -x : 0;
        }
      } else {
        result[row_idx] = is_div ? x / y : x % y;
      }
    }
  });
  if (overflow) return OverflowError(sql::FuncName(expr.func));
  FinishFixedWidth(out, rows);
  return Status();
}

Status FloatBinary(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  double* result = StartFixedWidth<double>(out, expr.type, rows);
  const FuncId func = expr.func;
  VisitBinary<double>(args[0], args[1], [&](auto a, auto b) {
    switch (func) {
      case FuncId::kAdd:
        for (size_t row_idx = 0; row_idx < rows; ++row_idx)
          result[row_idx] = a[row_idx] + b[row_idx];
        break;
      case FuncId::kSub:
        for (size_t row_idx = 0; row_idx < rows; ++row_idx)
          result[row_idx] = a[row_idx] - b[row_idx];
        break;
      case FuncId::kMul:
        for (size_t row_idx = 0; row_idx < rows; ++row_idx)
          result[row_idx] = a[row_idx] * b[row_idx];
        break;
      case FuncId::kDiv:
        for (size_t row_idx = 0; row_idx < rows; ++row_idx)
          result[row_idx] = a[row_idx] / b[row_idx];
        break;
      default:
        for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
          result[row_idx] = std::fmod(a[row_idx], b[row_idx]);
        }
        break;
    }
  });
  PropagateValidity(args, rows, out);
  if (func == FuncId::kDiv || func == FuncId::kMod) {
    VisitUnary<double>(args[1], [&](auto b) {
      for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
        if (b[row_idx] == 0.0) SetNull(out, rows, row_idx);
      }
    });
  }
  FinishFixedWidth(out, rows);
  return Status();
}

Status Negate(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  if (IsFloat(args[0])) {
    double* result = StartFixedWidth<double>(out, expr.type, rows);
    VisitUnary<double>(args[0], [&](auto a) {
      for (size_t row_idx = 0; row_idx < rows; ++row_idx) result[row_idx] = -a[row_idx];
    });
    PropagateValidity(args, rows, out);
    FinishFixedWidth(out, rows);
    return Status();
  }
  int64_t* result = StartFixedWidth<int64_t>(out, expr.type, rows);
  uint64_t sign_flags = 0;  // Both x and -x negative: x == INT64_MIN.
  VisitUnary<int64_t>(args[0], [&](auto a) {
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      const auto x = static_cast<uint64_t>(a[row_idx]);
      sign_flags |= x & (0 - x);
      result[row_idx] = static_cast<int64_t>(0 - x);
    }
  });
  const bool overflow = (sign_flags >> 63) != 0;
  PropagateValidity(args, rows, out);
  // A NULL slot holds 0, which negates fine: any overflow is in a valid row.
  if (overflow) return OverflowError("-");
  FinishFixedWidth(out, rows);
  return Status();
}

}  // namespace

Status EvalArithmetic(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  if (expr.func == FuncId::kNeg) {
    if (args.size() != 1 || !(IsFloat(args[0]) || IsIntegerStored(args[0]))) {
      return UnsupportedTypes(expr, args);
    }
    return Negate(expr, args, rows, out);
  }
  if (args.size() != 2) return UnsupportedTypes(expr, args);
  if (expr.type == DataType::kFloat64) {
    if (!IsFloat(args[0]) || !IsFloat(args[1])) return UnsupportedTypes(expr, args);
    return FloatBinary(expr, args, rows, out);
  }
  if (!IsIntegerStored(args[0]) || !IsIntegerStored(args[1]) ||
      !types::IsIntegerStored(expr.type)) {
    return UnsupportedTypes(expr, args);
  }
  if (expr.func == FuncId::kDiv || expr.func == FuncId::kMod) {
    return IntDivMod(expr, args, rows, out);
  }
  return IntAddSubMul(expr, args, rows, out);
}

}  // namespace strata::exec::internal
