// abs, round(x[, digits]), floor, ceil. The result has the argument's type: int64 stays
// int64 (abs(INT64_MIN) overflows; round with negative digits rounds to tens, hundreds...),
// float64 stays float64. Rounding is half away from zero.
#include <cmath>

#include "exec/kernel_util.h"
#include "exec/kernels.h"

namespace strata::exec::internal {
namespace {

using sql::FuncId;

template <typename T, typename Fn>
void MapFixed(const Datum& arg, DataType type, size_t rows, ColumnVector& out, Fn fn) {
  T* __restrict result = StartFixedWidth<T>(out, type, rows);
  VisitUnary<T>(arg, [&](auto a) {
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) result[row_idx] = fn(a[row_idx]);
  });
}

Status IntAbs(KernelArgs args, size_t rows, ColumnVector& out) {
  bool overflow = false;
  MapFixed<int64_t>(args[0], DataType::kInt64, rows, out, [&](int64_t x) {
    overflow |= x == INT64_MIN;  // A NULL slot holds 0: any overflow is in a valid row.
    return x < 0 && x != INT64_MIN ? -x : x;
  });
  if (overflow) return OverflowError("abs");
  PropagateValidity(args, rows, out);
  FinishFixedWidth(out, rows);
  return Status();
}

// x rounded to a multiple of 10^places, half away from zero; false on int64 overflow.
bool RoundIntToPlaces(int64_t x, int64_t places, int64_t& result) {
  if (places > 38) {  // 10^39 > 2 * |x| for every int64: rounds to 0.
    result = 0;
    return true;
  }
  __int128 power = 1;
  for (int64_t i = 0; i < places; ++i) power *= 10;
  __int128 quotient = x / power;
  const __int128 remainder = x % power;
  if (2 * (remainder < 0 ? -remainder : remainder) >= power) quotient += x < 0 ? -1 : 1;
  const __int128 rounded = quotient * power;
  if (rounded < INT64_MIN || rounded > INT64_MAX) return false;
  result = static_cast<int64_t>(rounded);
  return true;
}

double RoundFloatToDigits(double x, int64_t digits) {
  if (!std::isfinite(x) || digits > 330) return x;
  if (digits < -330) return std::copysign(0.0, x);
  if (digits >= 0) {
    const double scale = std::pow(10.0, static_cast<double>(digits));
    const double scaled = x * scale;
    // Beyond 2^52 every float64 is an integer: nothing to round at this scale.
    if (!std::isfinite(scaled) || std::fabs(scaled) >= 4503599627370496.0) return x;
    return std::round(scaled) / scale;
  }
  const double scale = std::pow(10.0, static_cast<double>(-digits));
  return std::round(x / scale) * scale;
}

Status RoundWithDigits(KernelArgs args, DataType type, size_t rows, ColumnVector& out) {
  if (type == DataType::kFloat64) {
    double* result = StartFixedWidth<double>(out, type, rows);
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      result[row_idx] = RoundFloatToDigits(DoubleAt(args[0], row_idx), IntAt(args[1], row_idx));
    }
    PropagateValidity(args, rows, out);
  } else {
    int64_t* result = StartFixedWidth<int64_t>(out, type, rows);
    PropagateValidity(args, rows, out);
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      const int64_t value = IntAt(args[0], row_idx), digits = IntAt(args[1], row_idx);
      if (digits >= 0 || !IsValidRow(out, row_idx)) {
        result[row_idx] = value;
      } else if (!RoundIntToPlaces(value, digits < -38 ? 39 : -digits, result[row_idx])) {
        return OverflowError("round");
      }
    }
  }
  FinishFixedWidth(out, rows);
  return Status();
}

}  // namespace

Status EvalMath(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  const bool with_digits = expr.func == FuncId::kRound && args.size() == 2;
  if (args.empty() || args.size() > (with_digits ? 2u : 1u) || TypeOf(args[0]) != expr.type ||
      (expr.type != DataType::kInt64 && expr.type != DataType::kFloat64) ||
      (with_digits && TypeOf(args[1]) != DataType::kInt64)) {
    return UnsupportedTypes(expr, args);
  }
  if (with_digits) return RoundWithDigits(args, expr.type, rows, out);
  if (expr.type == DataType::kInt64) {
    if (expr.func == FuncId::kAbs) return IntAbs(args, rows, out);
    MapFixed<int64_t>(args[0], expr.type, rows, out, [](int64_t x) { return x; });
  } else {
    switch (expr.func) {
      case FuncId::kAbs:
        MapFixed<double>(args[0], expr.type, rows, out, [](double x) { return std::fabs(x); });
        break;
      case FuncId::kRound:
        MapFixed<double>(args[0], expr.type, rows, out, [](double x) { return std::round(x); });
        break;
      case FuncId::kFloor:
        MapFixed<double>(args[0], expr.type, rows, out, [](double x) { return std::floor(x); });
        break;
      default:
        MapFixed<double>(args[0], expr.type, rows, out, [](double x) { return std::ceil(x); });
        break;
    }
  }
  PropagateValidity(args, rows, out);
  FinishFixedWidth(out, rows);
  return Status();
}

}  // namespace strata::exec::internal
