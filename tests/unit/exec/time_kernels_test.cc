// time_bucket, date_trunc, extract against known dates, and the civil calendar arithmetic.
#include <gtest/gtest.h>

#include "exec/civil_time.h"
#include "kernel_test_util.h"

namespace strata::exec::testing {
namespace {

constexpr DataType kInt = DataType::kInt64;
constexpr DataType kTs = DataType::kTimestamp;
constexpr DataType kFloat = DataType::kFloat64;
constexpr int64_t kMinute = 60'000'000;

std::vector<Value> Bucket(int64_t interval, const std::vector<Value>& ts,
                          std::optional<Value> origin = std::nullopt) {
  BoundExprPtr expr = origin ? Call(FuncId::kTimeBucket, kTs, Lit(I(interval), kInt), Col(0, kTs),
                                    Lit(*origin, kTs))
                             : Call(FuncId::kTimeBucket, kTs, Lit(I(interval), kInt), Col(0, kTs));
  return Eval(*expr, {MakeVector(kTs, ts)});
}

TEST(TimeKernelsTest, TimeBucketFloorsToTheInterval) {
  EXPECT_EQ(Bucket(5 * kMinute, {Ts("2024-05-01T12:07:31.5Z"), Ts("2024-05-01T12:05:00Z"), kNull}),
            (std::vector<Value>{Ts("2024-05-01T12:05:00Z"), Ts("2024-05-01T12:05:00Z"), kNull}));
}

TEST(TimeKernelsTest, TimeBucketFloorsNegativeTimestamps) {
  EXPECT_EQ(Bucket(kMinute, {I(-1), I(-kMinute), I(-kMinute - 1)}),
            (std::vector<Value>{I(-kMinute), I(-kMinute), I(-2 * kMinute)}));
  EXPECT_EQ(Bucket(86'400'000'000, {Ts("1969-12-31T23:59:59Z")}),
            (std::vector<Value>{Ts("1969-12-31T00:00:00Z")}));
}

TEST(TimeKernelsTest, TimeBucketWithOrigin) {
  // Hour buckets starting at :30.
  EXPECT_EQ(Bucket(60 * kMinute, {Ts("2024-05-01T12:10:00Z"), Ts("2024-05-01T12:40:00Z")},
                   Ts("2000-01-01T00:30:00Z")),
            (std::vector<Value>{Ts("2024-05-01T11:30:00Z"), Ts("2024-05-01T12:30:00Z")}));
  // Origin after the timestamp.
  EXPECT_EQ(Bucket(7 * 24 * 60 * kMinute, {Ts("2024-01-03T00:00:00Z")}, Ts("2024-01-08T00:00:00Z")),
            (std::vector<Value>{Ts("2024-01-01T00:00:00Z")}));
}

TEST(TimeKernelsTest, TimeBucketWithIntervalPerRow) {
  EXPECT_EQ(Eval(*Call(FuncId::kTimeBucket, kTs, Col(0, kInt), Col(1, kTs)),
                 {MakeVector(kInt, {I(kMinute), I(60 * kMinute), kNull}),
                  MakeVector(kTs, {Ts("2024-05-01T12:07:31Z"), Ts("2024-05-01T12:07:31Z"),
                                   Ts("2024-05-01T12:07:31Z")})}),
            (std::vector<Value>{Ts("2024-05-01T12:07:00Z"), Ts("2024-05-01T12:00:00Z"), kNull}));
}

TEST(TimeKernelsTest, TimeBucketRejectsNonPositiveInterval) {
  const Status status = EvalError(*Call(FuncId::kTimeBucket, kTs, Lit(I(0), kInt), Col(0, kTs)),
                                  {MakeVector(kTs, {I(1)})});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
}

TEST(TimeKernelsTest, TimeBucketOverflowIsAnError) {
  EXPECT_EQ(EvalError(*Call(FuncId::kTimeBucket, kTs, Lit(I(1000), kInt), Col(0, kTs)),
                      {MakeVector(kTs, {I(INT64_MIN)})})
                .problem_code(),
            "numeric_overflow");
}

std::vector<Value> Trunc(std::string unit, const std::vector<Value>& ts) {
  BoundExprPtr expr = Call(FuncId::kDateTrunc, kTs, Col(0, kTs));
  expr->unit = std::move(unit);
  return Eval(*expr, {MakeVector(kTs, ts)});
}

TEST(TimeKernelsTest, DateTruncEveryUnit) {
  const std::vector<Value> ts = {Ts("2016-01-01T13:45:12.345678Z"),
                                 Ts("2024-02-29T23:59:59.999999Z"), Ts("1969-12-31T23:59:59Z"),
                                 kNull};
  EXPECT_EQ(Trunc("microsecond", ts), ts);
  EXPECT_EQ(Trunc("millisecond", ts),
            (std::vector<Value>{Ts("2016-01-01T13:45:12.345Z"), Ts("2024-02-29T23:59:59.999Z"),
                                Ts("1969-12-31T23:59:59Z"), kNull}));
  EXPECT_EQ(Trunc("second", ts),
            (std::vector<Value>{Ts("2016-01-01T13:45:12Z"), Ts("2024-02-29T23:59:59Z"),
                                Ts("1969-12-31T23:59:59Z"), kNull}));
  EXPECT_EQ(Trunc("minute", ts),
            (std::vector<Value>{Ts("2016-01-01T13:45:00Z"), Ts("2024-02-29T23:59:00Z"),
                                Ts("1969-12-31T23:59:00Z"), kNull}));
  EXPECT_EQ(Trunc("hour", ts),
            (std::vector<Value>{Ts("2016-01-01T13:00:00Z"), Ts("2024-02-29T23:00:00Z"),
                                Ts("1969-12-31T23:00:00Z"), kNull}));
  EXPECT_EQ(Trunc("day", ts),
            (std::vector<Value>{Ts("2016-01-01T00:00:00Z"), Ts("2024-02-29T00:00:00Z"),
                                Ts("1969-12-31T00:00:00Z"), kNull}));
  // ISO weeks start on Monday: 2016-01-01 was a Friday, 2024-02-29 a Thursday, 1969-12-31 a
  // Wednesday.
  EXPECT_EQ(Trunc("week", ts),
            (std::vector<Value>{Ts("2015-12-28T00:00:00Z"), Ts("2024-02-26T00:00:00Z"),
                                Ts("1969-12-29T00:00:00Z"), kNull}));
  EXPECT_EQ(Trunc("month", ts),
            (std::vector<Value>{Ts("2016-01-01T00:00:00Z"), Ts("2024-02-01T00:00:00Z"),
                                Ts("1969-12-01T00:00:00Z"), kNull}));
  EXPECT_EQ(Trunc("quarter", ts),
            (std::vector<Value>{Ts("2016-01-01T00:00:00Z"), Ts("2024-01-01T00:00:00Z"),
                                Ts("1969-10-01T00:00:00Z"), kNull}));
  EXPECT_EQ(Trunc("year", ts),
            (std::vector<Value>{Ts("2016-01-01T00:00:00Z"), Ts("2024-01-01T00:00:00Z"),
                                Ts("1969-01-01T00:00:00Z"), kNull}));
}

TEST(TimeKernelsTest, DateTruncUnknownUnitIsAnError) {
  BoundExprPtr expr = Call(FuncId::kDateTrunc, kTs, Col(0, kTs));
  expr->unit = "fortnight";
  EXPECT_EQ(EvalError(*expr, {MakeVector(kTs, {I(0)})}).code(), StatusCode::kInvalidArgument);
}

// extract(field FROM ts) for each of `ts`, as float64.
std::vector<Value> Extract(std::string field, const std::vector<Value>& ts,
                           DataType type = kFloat) {
  BoundExprPtr expr = Call(FuncId::kExtract, type, Col(0, kTs));
  expr->unit = std::move(field);
  return Eval(*expr, {MakeVector(kTs, ts)});
}

TEST(TimeKernelsTest, ExtractFields) {
  const std::vector<Value> ts = {Ts("2016-01-01T13:45:12.345678Z"), Ts("2024-02-29T00:00:00Z"),
                                 Ts("1969-12-31T23:59:59Z")};
  EXPECT_EQ(Extract("epoch", ts), (std::vector<Value>{D(1451655912.345678), D(1709164800), D(-1)}));
  EXPECT_EQ(Extract("year", ts), (std::vector<Value>{D(2016), D(2024), D(1969)}));
  EXPECT_EQ(Extract("quarter", ts), (std::vector<Value>{D(1), D(1), D(4)}));
  EXPECT_EQ(Extract("month", ts), (std::vector<Value>{D(1), D(2), D(12)}));
  EXPECT_EQ(Extract("day", ts), (std::vector<Value>{D(1), D(29), D(31)}));
  EXPECT_EQ(Extract("hour", ts), (std::vector<Value>{D(13), D(0), D(23)}));
  EXPECT_EQ(Extract("minute", ts), (std::vector<Value>{D(45), D(0), D(59)}));
  EXPECT_EQ(Extract("second", ts), (std::vector<Value>{D(12.345678), D(0), D(59)}));
  EXPECT_EQ(Extract("millisecond", ts), (std::vector<Value>{D(12345.678), D(0), D(59000)}));
  EXPECT_EQ(Extract("microsecond", ts), (std::vector<Value>{D(12345678), D(0), D(59000000)}));
  EXPECT_EQ(Extract("dow", ts), (std::vector<Value>{D(5), D(4), D(3)}));  // Sunday = 0.
  EXPECT_EQ(Extract("isodow", ts), (std::vector<Value>{D(5), D(4), D(3)}));
  EXPECT_EQ(Extract("doy", ts), (std::vector<Value>{D(1), D(60), D(365)}));
  // ISO weeks: 2016-01-01 is in 2015-W53; 1969-12-31 is in 1970-W01.
  EXPECT_EQ(Extract("week", ts), (std::vector<Value>{D(53), D(9), D(1)}));
  EXPECT_EQ(Extract("isoyear", ts), (std::vector<Value>{D(2015), D(2024), D(1970)}));
}

TEST(TimeKernelsTest, ExtractSundayAndNull) {
  EXPECT_EQ(Extract("dow", {Ts("2024-03-03T10:00:00Z"), kNull}), (std::vector<Value>{D(0), kNull}));
  EXPECT_EQ(Extract("isodow", {Ts("2024-03-03T10:00:00Z")}), (std::vector<Value>{D(7)}));
}

TEST(TimeKernelsTest, ExtractAsInt64FloorsWholeUnits) {
  const std::vector<Value> ts = {Ts("1969-12-31T23:59:59.5Z"), Ts("2016-01-01T13:45:12.345678Z")};
  EXPECT_EQ(Extract("epoch", ts, kInt), (std::vector<Value>{I(-1), I(1451655912)}));
  EXPECT_EQ(Extract("second", ts, kInt), (std::vector<Value>{I(59), I(12)}));
  EXPECT_EQ(Extract("year", ts, kInt), (std::vector<Value>{I(1969), I(2016)}));
}

TEST(TimeKernelsTest, ExtractUnknownFieldIsAnError) {
  BoundExprPtr expr = Call(FuncId::kExtract, kFloat, Col(0, kTs));
  expr->unit = "century";
  EXPECT_EQ(EvalError(*expr, {MakeVector(kTs, {I(0)})}).code(), StatusCode::kInvalidArgument);
}

TEST(CivilTimeTest, DaysRoundTripAndAgreeWithRfc3339) {
  using exec::internal::CivilFromDays;
  using exec::internal::DaysFromCivil;
  for (int64_t days = -1'000'000; days <= 1'000'000; days += 997) {
    const exec::internal::CivilDate date = CivilFromDays(days);
    ASSERT_EQ(DaysFromCivil(date.year, date.month, date.day), days);
  }
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  const exec::internal::CivilDate leap = CivilFromDays(DaysFromCivil(2024, 2, 29));
  EXPECT_EQ(leap.year, 2024);
  EXPECT_EQ(leap.month, 2);
  EXPECT_EQ(leap.day, 29);
  const exec::internal::CivilDate old = CivilFromDays(DaysFromCivil(-4713, 11, 24));
  EXPECT_EQ(old.year, -4713);
  EXPECT_EQ(old.month, 11);
  EXPECT_EQ(old.day, 24);
}

}  // namespace
}  // namespace strata::exec::testing
