// time_bucket, date_trunc and extract over timestamps (int64 µs since the epoch, UTC).
#include <string_view>

#include "exec/civil_time.h"
#include "exec/kernel_util.h"
#include "exec/kernels.h"

namespace strata::exec::internal {
namespace {

using sql::FuncId;

// `value` when it fits in int64.
std::optional<int64_t> ToInt64(__int128 value) {
  if (value < INT64_MIN || value > INT64_MAX) return std::nullopt;
  return static_cast<int64_t>(value);
}

// ---- time_bucket(interval, ts[, origin]) ----

// floor((ts - origin) / interval) * interval + origin, exact for negative differences:
// ts minus the floored remainder of (ts - origin). REQUIRES: interval > 0.
std::optional<int64_t> Bucket(int64_t interval, int64_t ts, int64_t origin) {
  int64_t offset;
  int64_t remainder;
  if (!__builtin_sub_overflow(ts, origin, &offset)) {
    remainder = FloorMod(offset, interval);
  } else {
    const __int128 wide = (static_cast<__int128>(ts) - origin) % interval;
    remainder = static_cast<int64_t>(wide < 0 ? wide + interval : wide);
  }
  int64_t bucket;
  if (__builtin_sub_overflow(ts, remainder, &bucket)) return std::nullopt;
  return bucket;
}

Status NonPositiveInterval(int64_t interval) {
  return Status::InvalidArgument("time_bucket: the interval must be positive, got " +
                                 std::to_string(interval) + " µs");
}

// The common call: constant interval and origin over a vector of timestamps. Rows in the
// bucket of the row before (runs of one host's ticks) take it with two comparisons.
Status BucketVector(int64_t interval, const ColumnVector& ts, int64_t origin, int64_t* result) {
  const int64_t* values = ts.ints().data();
  int64_t low = 1;  // The last bucket is [low, high); empty at first.
  int64_t high = 0;
  for (size_t row_idx = 0; row_idx < ts.size(); ++row_idx) {
    const int64_t value = values[row_idx];
    if (value >= low && value < high) {
      result[row_idx] = low;
      continue;
    }
    const std::optional<int64_t> bucket = Bucket(interval, value, origin);
    if (bucket) {
      result[row_idx] = *bucket;
      low = *bucket;
      if (__builtin_add_overflow(low, interval, &high)) high = low;  // Not cached.
    } else if (!ts.IsNull(row_idx)) {
      return OverflowError("time_bucket");
    }
  }
  return Status();
}

Status EvalTimeBucket(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  const bool has_origin = args.size() == 3;
  if (args.size() < 2 || args.size() > 3 || TypeOf(args[0]) != DataType::kInt64 ||
      !types::IsIntegerStored(TypeOf(args[1])) ||
      (has_origin && !types::IsIntegerStored(TypeOf(args[2])))) {
    return UnsupportedTypes(expr, args);
  }
  int64_t* result = StartFixedWidth<int64_t>(out, expr.type, rows);
  PropagateValidity(args, rows, out);
  if (args[0].is_scalar() && !args[1].is_scalar() && (!has_origin || args[2].is_scalar())) {
    const int64_t interval = IntAt(args[0], 0);
    if (interval <= 0) return NonPositiveInterval(interval);
    STRATA_RETURN_IF_ERROR(
        BucketVector(interval, *args[1].vector, has_origin ? IntAt(args[2], 0) : 0, result));
  } else {
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      if (!IsValidRow(out, row_idx)) continue;
      const int64_t interval = IntAt(args[0], row_idx);
      if (interval <= 0) return NonPositiveInterval(interval);
      const int64_t origin = has_origin ? IntAt(args[2], row_idx) : 0;
      const std::optional<int64_t> bucket = Bucket(interval, IntAt(args[1], row_idx), origin);
      if (!bucket) return OverflowError("time_bucket");
      result[row_idx] = *bucket;
    }
  }
  FinishFixedWidth(out, rows);
  return Status();
}

// ---- date_trunc(unit, ts) ----

enum class TruncUnit { kFixed, kWeek, kMonth, kQuarter, kYear };

struct Truncation {
  TruncUnit unit;
  int64_t micros;  // kFixed: the length of the unit.
};

std::optional<Truncation> ParseTruncUnit(std::string_view unit) {
  if (unit == "microsecond") return Truncation{TruncUnit::kFixed, 1};
  if (unit == "millisecond") return Truncation{TruncUnit::kFixed, 1000};
  if (unit == "second") return Truncation{TruncUnit::kFixed, kMicrosPerSecond};
  if (unit == "minute") return Truncation{TruncUnit::kFixed, 60 * kMicrosPerSecond};
  if (unit == "hour") return Truncation{TruncUnit::kFixed, 3600 * kMicrosPerSecond};
  if (unit == "day") return Truncation{TruncUnit::kFixed, kMicrosPerDay};
  if (unit == "week") return Truncation{TruncUnit::kWeek, 0};
  if (unit == "month") return Truncation{TruncUnit::kMonth, 0};
  if (unit == "quarter") return Truncation{TruncUnit::kQuarter, 0};
  if (unit == "year") return Truncation{TruncUnit::kYear, 0};
  return std::nullopt;
}

std::optional<int64_t> Truncate(const Truncation& trunc, int64_t ts) {
  if (trunc.unit == TruncUnit::kFixed) {
    return ToInt64(static_cast<__int128>(FloorDiv(ts, trunc.micros)) * trunc.micros);
  }
  int64_t days = FloorDiv(ts, kMicrosPerDay);
  if (trunc.unit == TruncUnit::kWeek) {
    days -= MondayBasedWeekday(days);  // ISO weeks start on Monday.
  } else {
    const CivilDate date = CivilFromDays(days);
    const int month = trunc.unit == TruncUnit::kYear      ? 1
                      : trunc.unit == TruncUnit::kQuarter ? (date.month - 1) / 3 * 3 + 1
                                                          : date.month;
    days = DaysFromCivil(date.year, month, 1);
  }
  return ToInt64(static_cast<__int128>(days) * kMicrosPerDay);
}

Status EvalDateTrunc(const sql::BoundExpr& expr, const ColumnVector& in, size_t rows,
                     ColumnVector& out) {
  const std::optional<Truncation> trunc = ParseTruncUnit(expr.unit);
  if (!trunc) return Status::InvalidArgument("date_trunc: unknown unit '" + expr.unit + "'");
  int64_t* result = StartFixedWidth<int64_t>(out, expr.type, rows);
  const int64_t* values = in.ints().data();
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    const std::optional<int64_t> truncated = Truncate(*trunc, values[row_idx]);
    if (truncated) {
      result[row_idx] = *truncated;
    } else if (!in.IsNull(row_idx)) {
      return OverflowError("date_trunc");
    }
  }
  out.mutable_validity() = in.validity();
  FinishFixedWidth(out, rows);
  return Status();
}

// ---- extract(field FROM ts) ----

enum class Field {
  kEpoch,
  kYear,
  kIsoYear,
  kQuarter,
  kMonth,
  kWeek,
  kDay,
  kHour,
  kMinute,
  kSecond,
  kMillisecond,
  kMicrosecond,
  kDow,
  kIsoDow,
  kDoy,
};

std::optional<Field> ParseField(std::string_view name) {
  static constexpr std::pair<std::string_view, Field> kFields[] = {
      {"epoch", Field::kEpoch},
      {"year", Field::kYear},
      {"isoyear", Field::kIsoYear},
      {"quarter", Field::kQuarter},
      {"month", Field::kMonth},
      {"week", Field::kWeek},
      {"day", Field::kDay},
      {"hour", Field::kHour},
      {"minute", Field::kMinute},
      {"second", Field::kSecond},
      {"millisecond", Field::kMillisecond},
      {"microsecond", Field::kMicrosecond},
      {"dow", Field::kDow},
      {"isodow", Field::kIsoDow},
      {"doy", Field::kDoy},
  };
  for (const auto& [field_name, field] : kFields) {
    if (field_name == name) return field;
  }
  return std::nullopt;
}

double ExtractField(Field field, int64_t ts) {
  const int64_t days = FloorDiv(ts, kMicrosPerDay);
  const int64_t micros_of_day = ts - days * kMicrosPerDay;
  const int64_t micros_of_minute = micros_of_day % (60 * kMicrosPerSecond);
  switch (field) {
    case Field::kEpoch: return static_cast<double>(ts) / kMicrosPerSecond;
    case Field::kHour: return static_cast<double>(micros_of_day / (3600 * kMicrosPerSecond));
    case Field::kMinute: return static_cast<double>(micros_of_day / (60 * kMicrosPerSecond) % 60);
    case Field::kSecond: return static_cast<double>(micros_of_minute) / kMicrosPerSecond;
    case Field::kMillisecond: return static_cast<double>(micros_of_minute) / 1000;
    case Field::kMicrosecond: return static_cast<double>(micros_of_minute);
    case Field::kDow: return static_cast<double>(FloorMod(days + 4, 7));  // Sunday = 0.
    case Field::kIsoDow: return static_cast<double>(MondayBasedWeekday(days) + 1);
    default: break;
  }
  const CivilDate date = CivilFromDays(days);
  switch (field) {
    case Field::kYear: return static_cast<double>(date.year);
    case Field::kQuarter: return (date.month - 1) / 3 + 1;
    case Field::kMonth: return date.month;
    case Field::kDay: return date.day;
    case Field::kDoy: return static_cast<double>(days - DaysFromCivil(date.year, 1, 1) + 1);
    default: break;
  }
  // ISO 8601 week: the week (Monday to Sunday) belongs to the year of its Thursday.
  const int64_t thursday = days - MondayBasedWeekday(days) + 3;
  const int64_t iso_year = CivilFromDays(thursday).year;
  if (field == Field::kIsoYear) return static_cast<double>(iso_year);
  return static_cast<double>((thursday - DaysFromCivil(iso_year, 1, 1)) / 7 + 1);
}

Status EvalExtract(const sql::BoundExpr& expr, const ColumnVector& in, size_t rows,
                   ColumnVector& out) {
  const std::optional<Field> field = ParseField(expr.unit);
  if (!field) return Status::InvalidArgument("extract: unknown field '" + expr.unit + "'");
  const int64_t* values = in.ints().data();
  if (expr.type == DataType::kFloat64) {
    double* result = StartFixedWidth<double>(out, expr.type, rows);
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      result[row_idx] = ExtractField(*field, values[row_idx]);
    }
  } else if (expr.type == DataType::kInt64) {
    int64_t* result = StartFixedWidth<int64_t>(out, expr.type, rows);
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      const int64_t ts = values[row_idx];
      // Whole units: epoch seconds and seconds are floored rather than read from a double.
      result[row_idx] = *field == Field::kEpoch ? FloorDiv(ts, kMicrosPerSecond)
                        : *field == Field::kSecond
                            ? FloorMod(ts, 60 * kMicrosPerSecond) / kMicrosPerSecond
                            : static_cast<int64_t>(ExtractField(*field, ts));
    }
  } else {
    return Status::Internal("extract: result must be float64 or int64");
  }
  out.mutable_validity() = in.validity();
  FinishFixedWidth(out, rows);
  return Status();
}

}  // namespace

Status EvalTime(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  if (expr.func == FuncId::kTimeBucket) return EvalTimeBucket(expr, args, rows, out);
  if (args.size() != 1 || TypeOf(args[0]) != DataType::kTimestamp) {
    return UnsupportedTypes(expr, args);
  }
  ColumnVector scratch;
  const ColumnVector& in = AsVector(args[0], scratch);
  if (expr.func == FuncId::kDateTrunc) return EvalDateTrunc(expr, in, rows, out);
  return EvalExtract(expr, in, rows, out);
}

}  // namespace strata::exec::internal
