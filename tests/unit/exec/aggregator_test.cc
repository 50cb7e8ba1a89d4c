// Aggregators: the semantics of each aggregate function on hand-made inputs — empty groups,
// NULLs, group ids, row selections, dictionary-form strings, merges and errors.
#include "exec/aggregator.h"

#include <gtest/gtest.h>

#include <random>

#include <cmath>
#include <limits>

#include "exec/aggregator_test_util.h"

namespace strata::exec {
namespace {

using sql::AggKind;
using testing::Aggregate;
using testing::Call;
using testing::Doubles;
using testing::Ints;
using testing::kNull;
using testing::Strings;
using testing::Values;
using types::ColumnVector;
using types::DataType;
using types::Value;

constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
constexpr int64_t kMinInt = std::numeric_limits<int64_t>::min();
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

std::vector<Value> Expect(std::initializer_list<Value> values) { return values; }

TEST(CountAggregatorTest, CountsNonNullValuesPerGroupAndZeroForEmptyGroups) {
  const ColumnVector x = Ints({1, kNull, 3, 4, kNull});
  const std::vector<uint32_t> gids = {0, 0, 2, 2, 2};
  ASSERT_OK_AND_ASSIGN(auto result, Aggregate(Call(AggKind::kCount), {&x}, &gids, 4));
  EXPECT_EQ(result, Expect({int64_t{1}, int64_t{0}, int64_t{2}, int64_t{0}}));
}

TEST(CountAggregatorTest, CountStarCountsRowsIncludingNullsWithAndWithoutGroups) {
  std::unique_ptr<Aggregator> grouped = MakeAggregator(Call(AggKind::kCountStar));
  grouped->Resize(3);
  const std::vector<uint32_t> gids = {2, 2, 0, 2};
  ASSERT_OK(grouped->Update({}, nullptr, gids.data(), gids.size()));
  ASSERT_OK_AND_ASSIGN(ColumnVector out, testing::Finalize(*grouped, DataType::kInt64));
  EXPECT_EQ(Values(out), Expect({int64_t{1}, int64_t{0}, int64_t{3}}));

  std::unique_ptr<Aggregator> global = MakeAggregator(Call(AggKind::kCountStar));
  global->Resize(1);
  ASSERT_OK(global->Update({}, nullptr, nullptr, 7));
  ASSERT_OK(global->Update({}, nullptr, nullptr, 0));
  ASSERT_OK_AND_ASSIGN(ColumnVector total, testing::Finalize(*global, DataType::kInt64));
  EXPECT_EQ(Values(total), Expect({int64_t{7}}));
}

TEST(CountAggregatorTest, HonoursRowSelectionAndNullBitmapPastOneWord) {
  ColumnVector x(DataType::kInt64);
  for (int64_t row = 0; row < 200; ++row) {
    if (row % 3 == 0) {
      x.AppendNull();
    } else {
      x.AppendInt(row);
    }
  }
  // Without a selection: rows 1..199 not divisible by 3.
  ASSERT_OK_AND_ASSIGN(auto all, Aggregate(Call(AggKind::kCount), {&x}));
  EXPECT_EQ(all, Expect({int64_t{133}}));
  const std::vector<uint32_t> rows = {0, 1, 2, 3, 4, 199, 198};
  ASSERT_OK_AND_ASSIGN(auto selected, Aggregate(Call(AggKind::kCount), {&x}, nullptr, 1, &rows));
  EXPECT_EQ(selected, Expect({int64_t{4}}));  // 1, 2, 4, 199.
  const std::vector<uint32_t> gids = {0, 1, 0, 1, 0, 1, 1};
  ASSERT_OK_AND_ASSIGN(auto grouped, Aggregate(Call(AggKind::kCount), {&x}, &gids, 2, &rows));
  EXPECT_EQ(grouped, Expect({int64_t{2}, int64_t{2}}));
}

TEST(CountAggregatorTest, CountsDictionaryFormStrings) {
  const ColumnVector x = testing::DictionaryStrings({"a", kNull, "b", "a", kNull});
  ASSERT_OK_AND_ASSIGN(auto result, Aggregate(Call(AggKind::kCount, DataType::kString), {&x}));
  EXPECT_EQ(result, Expect({int64_t{3}}));
}

TEST(SumAggregatorTest, SumsIntegersPerGroupAndGivesNullWithoutValues) {
  const ColumnVector x = Ints({1, 2, kNull, 40, kNull});
  const std::vector<uint32_t> gids = {0, 0, 1, 2, 2};
  ASSERT_OK_AND_ASSIGN(auto result, Aggregate(Call(AggKind::kSum), {&x}, &gids, 4));
  EXPECT_EQ(result, Expect({int64_t{3}, kNull, int64_t{40}, kNull}));
}

TEST(SumAggregatorTest, IntegerOverflowIsAnError) {
  const ColumnVector x = Ints({kMaxInt, 1});
  auto result = Aggregate(Call(AggKind::kSum), {&x});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().problem_code(), "numeric_overflow");
  EXPECT_EQ(result.status().message(), "integer overflow in sum");

  const ColumnVector low = Ints({kMinInt, -1});
  EXPECT_FALSE(Aggregate(Call(AggKind::kSum), {&low}).ok());
}

TEST(SumAggregatorTest, OnlyTheFinalSumMustFitInt64) {
  // Running sums leave int64 on the way; the total, 3 * kMaxInt + 2 * kMinInt, fits.
  const ColumnVector x = Ints({kMaxInt, 1, -1, kMaxInt, kMaxInt, kMinInt, kMinInt});
  ASSERT_OK_AND_ASSIGN(auto result, Aggregate(Call(AggKind::kSum), {&x}));
  EXPECT_EQ(result, Expect({Value(int64_t{kMaxInt - 2})}));
}

// Groups that come in runs are summed in a 64-bit register that spills to 128 bits only on
// overflow; the outcome is that of the exact sum.
TEST(SumAggregatorTest, RunsOfAGroupSpillPastInt64Exactly) {
  const ColumnVector x =
      Ints({kMaxInt, kMaxInt, kMinInt, kMinInt, 5, kMaxInt, 1, -1, kMinInt, kMinInt, kMaxInt});
  const std::vector<uint32_t> gids = {0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2};
  ASSERT_OK_AND_ASSIGN(auto sums, Aggregate(Call(AggKind::kSum), {&x}, &gids, 3));
  EXPECT_EQ(sums, Expect({int64_t{3}, int64_t{-1}, int64_t{-1}}));
  ASSERT_OK_AND_ASSIGN(auto avgs, Aggregate(Call(AggKind::kAvg), {&x}, &gids, 3));
  EXPECT_EQ(std::get<double>(avgs[0]), 3.0 / 5.0);
  const ColumnVector over = Ints({kMaxInt, kMaxInt, 1, 1});
  const std::vector<uint32_t> one_run = {0, 0, 0, 0};
  EXPECT_EQ(Aggregate(Call(AggKind::kSum), {&over}, &one_run, 1).status().problem_code(),
            "numeric_overflow");
}

// Long runs (summed by halves, four lanes at a time) of values from the whole int64 range,
// against the exact sum.
TEST(SumAggregatorTest, LongRunsOfExtremeValuesSumExactly) {
  std::mt19937_64 rng(41);
  std::vector<Value> values;
  std::vector<uint32_t> gids;
  std::vector<__int128> exact(3, 0);
  for (uint32_t gid = 0; gid < 3; ++gid) {
    const size_t run = gid == 0 ? 3 : 1000 + 7 * gid;
    for (size_t i = 0; i < run; ++i) {
      const int64_t choices[] = {kMaxInt, kMinInt, -1, 0, static_cast<int64_t>(rng())};
      const int64_t value = choices[rng() % 5];
      values.emplace_back(value);
      gids.push_back(gid);
      exact[gid] += value;
    }
  }
  const ColumnVector x = Ints(values);
  ASSERT_OK_AND_ASSIGN(auto avgs, Aggregate(Call(AggKind::kAvg), {&x}, &gids, 3));
  for (uint32_t gid = 0; gid < 3; ++gid) {
    const int64_t count = gid == 0 ? 3 : 1000 + 7 * gid;
    // The exact quotient, rounded once (as avg documents).
    const double expected = static_cast<double>(exact[gid] / count) +
                            static_cast<double>(exact[gid] % count) / static_cast<double>(count);
    EXPECT_EQ(std::get<double>(avgs[gid]), expected) << gid;
  }
}

TEST(SumAggregatorTest, SumsDoublesWithNaNPropagating) {
  const ColumnVector x = Doubles({1.5, kNull, 2.25, kNaN, 4.0});
  const std::vector<uint32_t> gids = {0, 0, 0, 1, 1};
  ASSERT_OK_AND_ASSIGN(auto result,
                       Aggregate(Call(AggKind::kSum, DataType::kFloat64), {&x}, &gids, 3));
  EXPECT_EQ(std::get<double>(result[0]), 3.75);
  EXPECT_TRUE(std::isnan(std::get<double>(result[1])));
  EXPECT_EQ(result[2], Value(kNull));
}

TEST(AvgAggregatorTest, AveragesIntegersExactly) {
  // A double accumulator loses the 1 next to 2^53; the exact sum is 1.
  const ColumnVector x = Ints({1, int64_t{1} << 53, -(int64_t{1} << 53)});
  ASSERT_OK_AND_ASSIGN(auto result, Aggregate(Call(AggKind::kAvg), {&x}));
  EXPECT_EQ(std::get<double>(result[0]), 1.0 / 3.0);
  // Sums beyond int64 are no error for avg.
  const ColumnVector big = Ints({kMaxInt, kMaxInt, kMaxInt});
  ASSERT_OK_AND_ASSIGN(auto big_result, Aggregate(Call(AggKind::kAvg), {&big}));
  EXPECT_EQ(std::get<double>(big_result[0]), static_cast<double>(kMaxInt));
  const ColumnVector mixed = Ints({kMaxInt, kMaxInt, kMinInt});
  ASSERT_OK_AND_ASSIGN(auto mixed_result, Aggregate(Call(AggKind::kAvg), {&mixed}));
  // (2^63 - 2) / 3, exactly.
  EXPECT_EQ(std::get<double>(mixed_result[0]), static_cast<double>(int64_t{3074457345618258602}));
}

TEST(AvgAggregatorTest, AveragesDoublesAndGivesNullForEmptyGroups) {
  const ColumnVector x = Doubles({1.0, 2.0, kNull, 6.0});
  const std::vector<uint32_t> gids = {0, 0, 1, 0};
  ASSERT_OK_AND_ASSIGN(auto result,
                       Aggregate(Call(AggKind::kAvg, DataType::kFloat64), {&x}, &gids, 2));
  EXPECT_EQ(result, Expect({3.0, kNull}));
}

TEST(MinMaxAggregatorTest, IntegersPerGroup) {
  const ColumnVector x = Ints({5, -3, kNull, 9, kMaxInt, kMinInt});
  const std::vector<uint32_t> gids = {0, 0, 1, 0, 2, 2};
  ASSERT_OK_AND_ASSIGN(auto min, Aggregate(Call(AggKind::kMin), {&x}, &gids, 4));
  EXPECT_EQ(min, Expect({int64_t{-3}, kNull, kMinInt, kNull}));
  ASSERT_OK_AND_ASSIGN(auto max, Aggregate(Call(AggKind::kMax), {&x}, &gids, 4));
  EXPECT_EQ(max, Expect({int64_t{9}, kNull, kMaxInt, kNull}));
}

TEST(MinMaxAggregatorTest, NaNIsGreaterThanEveryNumber) {
  const ColumnVector x = Doubles({kNaN, 2.0, -kInf, kNaN, kNull, kNaN});
  const std::vector<uint32_t> gids = {0, 0, 0, 1, 1, 2};
  ASSERT_OK_AND_ASSIGN(auto min,
                       Aggregate(Call(AggKind::kMin, DataType::kFloat64), {&x}, &gids, 3));
  EXPECT_EQ(std::get<double>(min[0]), -kInf);
  EXPECT_TRUE(std::isnan(std::get<double>(min[1])));  // NaN is the only value.
  ASSERT_OK_AND_ASSIGN(auto max,
                       Aggregate(Call(AggKind::kMax, DataType::kFloat64), {&x}, &gids, 3));
  EXPECT_TRUE(std::isnan(std::get<double>(max[0])));
  EXPECT_TRUE(std::isnan(std::get<double>(max[2])));
  // Without group ids, and -inf alone.
  const ColumnVector low = Doubles({-kInf});
  ASSERT_OK_AND_ASSIGN(auto low_max, Aggregate(Call(AggKind::kMax, DataType::kFloat64), {&low}));
  EXPECT_EQ(std::get<double>(low_max[0]), -kInf);
}

TEST(MinMaxAggregatorTest, BoolsAndTimestampsKeepTheirType) {
  const ColumnVector b = testing::Column(DataType::kBool, {true, false, kNull, true});
  const std::vector<uint32_t> gids = {0, 0, 1, 1};
  ASSERT_OK_AND_ASSIGN(auto min, Aggregate(Call(AggKind::kMin, DataType::kBool), {&b}, &gids, 2));
  EXPECT_EQ(min, Expect({false, true}));
  ASSERT_OK_AND_ASSIGN(auto max, Aggregate(Call(AggKind::kMax, DataType::kBool), {&b}, &gids, 2));
  EXPECT_EQ(max, Expect({true, true}));
  const ColumnVector t = testing::Column(DataType::kTimestamp, {int64_t{30}, int64_t{10}});
  ASSERT_OK_AND_ASSIGN(auto earliest, Aggregate(Call(AggKind::kMin, DataType::kTimestamp), {&t}));
  EXPECT_EQ(earliest, Expect({int64_t{10}}));
}

TEST(MinMaxAggregatorTest, StringsCompareBytewiseInPlainAndDictionaryForm) {
  const std::vector<Value> values = {"pear",
                                     "apple",
                                     kNull,
                                     "Zebra",
                                     "apple pie",
                                     "\xff",
                                     "a very long string that is not stored inline",
                                     ""};
  const std::vector<uint32_t> gids = {0, 0, 0, 1, 1, 2, 2, 3};
  const std::vector<Value> min_expected = {
      "apple", "Zebra", "a very long string that is not stored inline", "", kNull};
  const std::vector<Value> max_expected = {"pear", "apple pie", "\xff", "", kNull};
  for (bool dictionary : {false, true}) {
    SCOPED_TRACE(dictionary ? "dictionary" : "plain");
    const ColumnVector x = dictionary ? testing::DictionaryStrings(values) : Strings(values);
    ASSERT_OK_AND_ASSIGN(auto min,
                         Aggregate(Call(AggKind::kMin, DataType::kString), {&x}, &gids, 5));
    EXPECT_EQ(min, min_expected);
    ASSERT_OK_AND_ASSIGN(auto max,
                         Aggregate(Call(AggKind::kMax, DataType::kString), {&x}, &gids, 5));
    EXPECT_EQ(max, max_expected);
    ASSERT_OK_AND_ASSIGN(auto global, Aggregate(Call(AggKind::kMax, DataType::kString), {&x}));
    EXPECT_EQ(global, Expect({"\xff"}));
  }
}

TEST(MinMaxAggregatorTest, LargeBatchesOfFewDistinctStringsCompareByDictionaryRank) {
  const std::vector<std::string> words = {"kiwi", "fig", "apple", "fig", "pear"};
  std::vector<Value> values;
  std::vector<uint32_t> gids;
  for (uint32_t row = 0; row < 400; ++row) {
    values.push_back(row % 7 == 3 ? Value(kNull) : Value(words[(row * 3) % words.size()]));
    gids.push_back(row % 3 == 0 ? 2 : row % 2);
  }
  for (bool dictionary : {false, true}) {
    SCOPED_TRACE(dictionary ? "dictionary" : "plain");
    const ColumnVector x = dictionary ? testing::DictionaryStrings(values) : Strings(values);
    ASSERT_OK_AND_ASSIGN(auto min,
                         Aggregate(Call(AggKind::kMin, DataType::kString), {&x}, &gids, 4));
    ASSERT_OK_AND_ASSIGN(auto max,
                         Aggregate(Call(AggKind::kMax, DataType::kString), {&x}, &gids, 4));
    for (uint32_t gid = 0; gid < 3; ++gid) {
      std::optional<std::string> lo, hi;
      for (size_t row = 0; row < values.size(); ++row) {
        if (gids[row] != gid || std::holds_alternative<std::monostate>(values[row])) continue;
        const std::string& word = std::get<std::string>(values[row]);
        if (!lo || word < *lo) lo = word;
        if (!hi || word > *hi) hi = word;
      }
      EXPECT_EQ(min[gid], Value(*lo)) << gid;
      EXPECT_EQ(max[gid], Value(*hi)) << gid;
    }
    EXPECT_EQ(min[3], Value(kNull));
    ASSERT_OK_AND_ASSIGN(auto global_min, Aggregate(Call(AggKind::kMin, DataType::kString), {&x}));
    EXPECT_EQ(global_min, Expect({"apple"}));
    ASSERT_OK_AND_ASSIGN(auto global_max, Aggregate(Call(AggKind::kMax, DataType::kString), {&x}));
    EXPECT_EQ(global_max, Expect({"pear"}));
  }
}

TEST(MinMaxAggregatorTest, StringStatesMergeAndAcrossBatches) {
  std::unique_ptr<Aggregator> a = MakeAggregator(Call(AggKind::kMin, DataType::kString));
  std::unique_ptr<Aggregator> b = MakeAggregator(Call(AggKind::kMin, DataType::kString));
  a->Resize(2);
  b->Resize(2);
  const ColumnVector first = Strings({"m", "x"});
  const ColumnVector second = testing::DictionaryStrings({"c", "c", "z"});
  const std::vector<uint32_t> gids_first = {0, 1};
  const std::vector<uint32_t> gids_second = {0, 0, 1};
  ASSERT_OK(testing::Update(*a, {&first}, nullptr, &gids_first, 2));
  ASSERT_OK(testing::Update(*b, {&second}, nullptr, &gids_second, 3));
  // b's group 0 is a's group 1 and the other way round.
  const std::vector<uint32_t> target = {1, 0};
  a->Merge(*b, target);
  ASSERT_OK_AND_ASSIGN(ColumnVector out, testing::Finalize(*a, DataType::kString));
  EXPECT_EQ(Values(out), Expect({"m", "c"}));
}

// The sample standard deviation by the two-pass formula in long double.
double TwoPassStddev(const std::vector<double>& values) {
  long double mean = 0;
  for (double v : values) mean += v;
  mean /= values.size();
  long double m2 = 0;
  for (double v : values) m2 += (v - mean) * (v - mean);
  return static_cast<double>(std::sqrt(m2 / (values.size() - 1)));
}

TEST(StddevAggregatorTest, NullBelowTwoValues) {
  const ColumnVector x = Doubles({1.0, kNull, 2.0, 4.0});
  const std::vector<uint32_t> gids = {0, 1, 1, 2};
  ASSERT_OK_AND_ASSIGN(auto result,
                       Aggregate(Call(AggKind::kStddev, DataType::kFloat64), {&x}, &gids, 4));
  EXPECT_EQ(result, Expect({kNull, kNull, kNull, kNull}));
  const ColumnVector y = Ints({2, 4, 4, 4, 5, 5, 7, 9});
  ASSERT_OK_AND_ASSIGN(auto ints, Aggregate(Call(AggKind::kStddev), {&y}));
  EXPECT_DOUBLE_EQ(std::get<double>(ints[0]), std::sqrt(32.0 / 7.0));
}

TEST(StddevAggregatorTest, MatchesTwoPassAcrossBatchesAndMergesWithLargeOffsets) {
  // Values around 1e9 with a spread of ~1: a naive sum of squares loses every digit.
  std::vector<double> values;
  for (int row = 0; row < 10000; ++row) values.push_back(1e9 + std::sin(row * 0.37) + row * 1e-4);
  const double expected = TwoPassStddev(values);
  std::unique_ptr<Aggregator> a = MakeAggregator(Call(AggKind::kStddev, DataType::kFloat64));
  std::unique_ptr<Aggregator> b = MakeAggregator(Call(AggKind::kStddev, DataType::kFloat64));
  a->Resize(1);
  b->Resize(1);
  for (size_t begin = 0; begin < values.size(); begin += 1000) {
    ColumnVector batch(DataType::kFloat64);
    for (size_t row = begin; row < begin + 1000; ++row) batch.AppendDouble(values[row]);
    Aggregator& into = begin < 3000 ? *a : *b;
    if (begin % 2000 == 0) {
      ASSERT_OK(testing::Update(into, {&batch}, nullptr, nullptr, 1000));
    } else {
      const std::vector<uint32_t> gids(1000, 0);
      ASSERT_OK(testing::Update(into, {&batch}, nullptr, &gids, 1000));
    }
  }
  const std::vector<uint32_t> target = {0};
  a->Merge(*b, target);
  ASSERT_OK_AND_ASSIGN(ColumnVector out, testing::Finalize(*a, DataType::kFloat64));
  EXPECT_NEAR(out.DoubleAt(0), expected, expected * 1e-9);
}

TEST(StddevAggregatorTest, EqualValuesGiveZeroAndNaNPropagates) {
  const ColumnVector x = Doubles({0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 1.0, kNaN});
  const std::vector<uint32_t> gids = {0, 0, 0, 0, 0, 0, 0, 1, 1};
  ASSERT_OK_AND_ASSIGN(auto result,
                       Aggregate(Call(AggKind::kStddev, DataType::kFloat64), {&x}, &gids, 2));
  EXPECT_EQ(std::get<double>(result[0]), 0.0);
  EXPECT_TRUE(std::isnan(std::get<double>(result[1])));
}

TEST(QuantileAggregatorTest, InterpolatesLinearlyBetweenRanks) {
  const ColumnVector x = Ints({4, 1, kNull, 3, 2});
  const std::vector<std::pair<double, double>> cases = {{0.0, 1.0},   {0.25, 1.75}, {0.5, 2.5},
                                                        {0.75, 3.25}, {1.0, 4.0},   {0.1, 1.3}};
  for (const auto& [q, expected] : cases) {
    ASSERT_OK_AND_ASSIGN(auto result,
                         Aggregate(Call(AggKind::kQuantile, DataType::kInt64, q), {&x}));
    EXPECT_DOUBLE_EQ(std::get<double>(result[0]), expected) << "q = " << q;
  }
}

TEST(QuantileAggregatorTest, GroupsEmptyGroupsAndSingleValues) {
  const ColumnVector x = Doubles({10.0, 7.0, kNull, 1.0, 3.0, 2.0});
  const std::vector<uint32_t> gids = {0, 2, 1, 2, 2, 2};
  ASSERT_OK_AND_ASSIGN(
      auto result, Aggregate(Call(AggKind::kQuantile, DataType::kFloat64, 0.5), {&x}, &gids, 4));
  EXPECT_EQ(result, Expect({10.0, kNull, 2.5, kNull}));
}

TEST(QuantileAggregatorTest, NaNSortsLast) {
  const ColumnVector x = Doubles({kNaN, 1.0, 2.0});
  ASSERT_OK_AND_ASSIGN(auto low,
                       Aggregate(Call(AggKind::kQuantile, DataType::kFloat64, 0.5), {&x}));
  EXPECT_EQ(std::get<double>(low[0]), 2.0);
  ASSERT_OK_AND_ASSIGN(auto high,
                       Aggregate(Call(AggKind::kQuantile, DataType::kFloat64, 1.0), {&x}));
  EXPECT_TRUE(std::isnan(std::get<double>(high[0])));
}

TEST(QuantileAggregatorTest, QuantileOutsideUnitIntervalIsAnError) {
  const ColumnVector x = Doubles({1.0});
  for (double q : {-0.1, 1.5, kNaN}) {
    auto result = Aggregate(Call(AggKind::kQuantile, DataType::kFloat64, q), {&x});
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(QuantileAggregatorTest, MergesGlobalAndGroupedPartials) {
  std::unique_ptr<Aggregator> a = MakeAggregator(Call(AggKind::kQuantile, DataType::kInt64, 0.5));
  std::unique_ptr<Aggregator> b = MakeAggregator(Call(AggKind::kQuantile, DataType::kInt64, 0.5));
  a->Resize(2);
  b->Resize(1);
  const ColumnVector first = Ints({1, 2, 3});
  ASSERT_OK(testing::Update(*a, {&first}, nullptr, nullptr, 3));  // All in group 0.
  const ColumnVector second = Ints({10, 20});
  ASSERT_OK(testing::Update(*b, {&second}, nullptr, nullptr, 2));
  const std::vector<uint32_t> target = {1};
  a->Merge(*b, target);
  ASSERT_OK_AND_ASSIGN(ColumnVector out, testing::Finalize(*a, DataType::kFloat64));
  EXPECT_EQ(Values(out), Expect({2.0, 15.0}));
}

TEST(CountDistinctAggregatorTest, CountsDistinctNonNullValues) {
  const ColumnVector x = Ints({1, 1, 2, kNull, 2, 3, 1});
  const std::vector<uint32_t> gids = {0, 0, 0, 0, 2, 2, 2};
  ASSERT_OK_AND_ASSIGN(auto result, Aggregate(Call(AggKind::kCountDistinct), {&x}, &gids, 4));
  EXPECT_EQ(result, Expect({int64_t{2}, int64_t{0}, int64_t{3}, int64_t{0}}));
}

TEST(CountDistinctAggregatorTest, ZerosAndNaNsAreOneValueEach) {
  const ColumnVector x = Doubles({0.0, -0.0, kNaN, -kNaN, 1.5, 1.5});
  ASSERT_OK_AND_ASSIGN(auto result,
                       Aggregate(Call(AggKind::kCountDistinct, DataType::kFloat64), {&x}));
  EXPECT_EQ(result, Expect({int64_t{3}}));
}

TEST(CountDistinctAggregatorTest, StringsInPlainAndDictionaryForm) {
  const std::vector<Value> values = {"a", "b", "a", kNull, "", "b", "a long string, not inline"};
  const std::vector<uint32_t> gids = {0, 0, 0, 0, 1, 1, 1};
  for (bool dictionary : {false, true}) {
    SCOPED_TRACE(dictionary ? "dictionary" : "plain");
    const ColumnVector x = dictionary ? testing::DictionaryStrings(values) : Strings(values);
    ASSERT_OK_AND_ASSIGN(
        auto grouped, Aggregate(Call(AggKind::kCountDistinct, DataType::kString), {&x}, &gids, 2));
    EXPECT_EQ(grouped, Expect({int64_t{2}, int64_t{3}}));
    ASSERT_OK_AND_ASSIGN(auto global,
                         Aggregate(Call(AggKind::kCountDistinct, DataType::kString), {&x}));
    EXPECT_EQ(global, Expect({int64_t{4}}));
  }
}

TEST(CountDistinctAggregatorTest, MergeCountsValuesSeenByBothOnce) {
  std::unique_ptr<Aggregator> a = MakeAggregator(Call(AggKind::kCountDistinct, DataType::kString));
  std::unique_ptr<Aggregator> b = MakeAggregator(Call(AggKind::kCountDistinct, DataType::kString));
  a->Resize(2);
  b->Resize(1);
  const ColumnVector first = Strings({"x", "y", "x"});
  const std::vector<uint32_t> gids = {1, 1, 0};
  ASSERT_OK(testing::Update(*a, {&first}, nullptr, &gids, 3));
  const ColumnVector second = Strings({"y", "z"});
  ASSERT_OK(testing::Update(*b, {&second}, nullptr, nullptr, 2));
  const std::vector<uint32_t> target = {1};
  a->Merge(*b, target);
  ASSERT_OK_AND_ASSIGN(ColumnVector out, testing::Finalize(*a, DataType::kInt64));
  EXPECT_EQ(Values(out), Expect({int64_t{1}, int64_t{3}}));
}

TEST(ApproxCountDistinctAggregatorTest, ExactForSmallCountsAndZeroForEmptyGroups) {
  const ColumnVector x = Strings({"a", "b", "a", kNull, "c"});
  const std::vector<uint32_t> gids = {0, 0, 0, 0, 2};
  ASSERT_OK_AND_ASSIGN(
      auto result,
      Aggregate(Call(AggKind::kApproxCountDistinct, DataType::kString), {&x}, &gids, 3));
  EXPECT_EQ(result, Expect({int64_t{2}, int64_t{0}, int64_t{1}}));
}

TEST(FirstLastAggregatorTest, ValueAtSmallestAndLargestTime) {
  const ColumnVector x = Strings({"b", "a", "c", "d", "e"});
  const ColumnVector t = testing::Column(
      DataType::kTimestamp, {int64_t{20}, int64_t{10}, int64_t{30}, int64_t{5}, kNull});
  const std::vector<uint32_t> gids = {0, 0, 0, 1, 1};
  ASSERT_OK_AND_ASSIGN(auto first,
                       Aggregate(Call(AggKind::kFirst, DataType::kString), {&x, &t}, &gids, 3));
  EXPECT_EQ(first, Expect({"a", "d", kNull}));  // A row with a NULL time is skipped.
  ASSERT_OK_AND_ASSIGN(auto last,
                       Aggregate(Call(AggKind::kLast, DataType::kString), {&x, &t}, &gids, 3));
  EXPECT_EQ(last, Expect({"c", "d", kNull}));
}

TEST(FirstLastAggregatorTest, TiesGoToFirstSeenForFirstAndLastSeenForLast) {
  const ColumnVector x = Ints({1, 2, 3, 4});
  const ColumnVector t =
      testing::Column(DataType::kTimestamp, {int64_t{7}, int64_t{7}, int64_t{9}, int64_t{9}});
  ASSERT_OK_AND_ASSIGN(auto first, Aggregate(Call(AggKind::kFirst), {&x, &t}));
  EXPECT_EQ(first, Expect({int64_t{1}}));
  ASSERT_OK_AND_ASSIGN(auto last, Aggregate(Call(AggKind::kLast), {&x, &t}));
  EXPECT_EQ(last, Expect({int64_t{4}}));
  // With group ids and a selection that visits the rows backwards.
  const std::vector<uint32_t> rows = {3, 2, 1, 0};
  const std::vector<uint32_t> gids = {0, 0, 0, 0};
  ASSERT_OK_AND_ASSIGN(auto first_back,
                       Aggregate(Call(AggKind::kFirst), {&x, &t}, &gids, 1, &rows));
  EXPECT_EQ(first_back, Expect({int64_t{2}}));
  ASSERT_OK_AND_ASSIGN(auto last_back, Aggregate(Call(AggKind::kLast), {&x, &t}, &gids, 1, &rows));
  EXPECT_EQ(last_back, Expect({int64_t{3}}));
}

TEST(FirstLastAggregatorTest, NullValuesAreKeptAsValues) {
  const ColumnVector x = Doubles({kNull, 2.0, kNull});
  const ColumnVector t =
      testing::Column(DataType::kTimestamp, {int64_t{1}, int64_t{2}, int64_t{3}});
  ASSERT_OK_AND_ASSIGN(auto first, Aggregate(Call(AggKind::kFirst, DataType::kFloat64), {&x, &t}));
  EXPECT_EQ(first, Expect({kNull}));
  ASSERT_OK_AND_ASSIGN(auto last, Aggregate(Call(AggKind::kLast, DataType::kFloat64), {&x, &t}));
  EXPECT_EQ(last, Expect({kNull}));
}

TEST(FirstLastAggregatorTest, MergeTreatsOtherRowsAsSeenLater) {
  for (AggKind kind : {AggKind::kFirst, AggKind::kLast}) {
    std::unique_ptr<Aggregator> a = MakeAggregator(Call(kind, DataType::kString));
    std::unique_ptr<Aggregator> b = MakeAggregator(Call(kind, DataType::kString));
    a->Resize(1);
    b->Resize(1);
    const ColumnVector t = testing::Column(DataType::kTimestamp, {int64_t{5}});
    const ColumnVector mine = Strings({"mine"});
    const ColumnVector theirs = Strings({"theirs"});
    ASSERT_OK(testing::Update(*a, {&mine, &t}, nullptr, nullptr, 1));
    ASSERT_OK(testing::Update(*b, {&theirs, &t}, nullptr, nullptr, 1));
    const std::vector<uint32_t> target = {0};
    a->Merge(*b, target);
    ASSERT_OK_AND_ASSIGN(ColumnVector out, testing::Finalize(*a, DataType::kString));
    EXPECT_EQ(out.StringAt(0), kind == AggKind::kFirst ? "mine" : "theirs");
  }
}

TEST(MakeAggregatorTest, UnsupportedArgumentTypesFailInsteadOfCrashing) {
  const ColumnVector x = Strings({"a"});
  auto sum = Aggregate(Call(AggKind::kSum, DataType::kString), {&x});
  ASSERT_FALSE(sum.ok());
  EXPECT_EQ(sum.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(sum.status().problem_code(), "unsupported_aggregate");
  sql::AggregateCall missing = Call(AggKind::kFirst, DataType::kString);
  missing.args.pop_back();
  EXPECT_FALSE(Aggregate(missing, {&x}).ok());
}

TEST(AggregatorTest, MemoryGrowsWithGroupsAndResizeNeverShrinks) {
  for (AggKind kind : {AggKind::kCount, AggKind::kSum, AggKind::kMin, AggKind::kStddev,
                       AggKind::kFirst, AggKind::kCountDistinct, AggKind::kApproxCountDistinct}) {
    std::unique_ptr<Aggregator> aggregator = MakeAggregator(Call(kind));
    aggregator->Resize(10);
    const size_t small = aggregator->MemoryBytes();
    aggregator->Resize(100000);
    const size_t large = aggregator->MemoryBytes();
    EXPECT_GE(large, small + 100000) << sql::AggName(kind);
    aggregator->Resize(5);
    ColumnVector out(testing::ResultType(kind, DataType::kInt64));
    ASSERT_OK(aggregator->Finalize(out));
    EXPECT_EQ(out.size(), 100000u) << sql::AggName(kind);
  }
}

}  // namespace
}  // namespace strata::exec
