// HyperLogLog and approx_count_distinct: accuracy from 1 to 10^6 distinct values, the
// sparse-to-dense switch, merges, and the memory of many small groups.
#include "exec/hyperloglog.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "exec/aggregator_test_util.h"
#include "exec/value_hash.h"

namespace strata::exec {
namespace {

using types::ColumnVector;
using types::DataType;

double RelativeError(uint64_t estimate, uint64_t exact) {
  return std::fabs(static_cast<double>(estimate) - static_cast<double>(exact)) /
         static_cast<double>(exact);
}

TEST(HyperLogLogTest, EmptySketchEstimatesZero) {
  HyperLogLog sketch;
  EXPECT_EQ(sketch.Estimate(), 0u);
  EXPECT_EQ(sketch.HeapBytes(), 0u);
}

TEST(HyperLogLogTest, WithinThreePercentFromOneToOneMillion) {
  HyperLogLog sketch;
  uint64_t added = 0;
  double worst = 0;
  for (uint64_t checkpoint : {1, 2, 3, 5, 10, 30, 100, 300, 1000, 3000, 10000, 20000, 40000, 60000,
                              80000, 100000, 200000, 500000, 1000000}) {
    for (; added < checkpoint; ++added) sketch.Add(HashInt(static_cast<int64_t>(added)));
    const double error = RelativeError(sketch.Estimate(), checkpoint);
    worst = std::max(worst, error);
    EXPECT_LE(error, 0.03) << checkpoint << " distinct, estimate " << sketch.Estimate();
    if (checkpoint <= 100) {
      // Collisions among a few values in 16384 registers are rare: (nearly) exact.
      EXPECT_NEAR(static_cast<double>(sketch.Estimate()), static_cast<double>(checkpoint), 1.0);
    }
  }
  RecordProperty("worst_relative_error", std::to_string(worst));
}

TEST(HyperLogLogTest, RepeatedValuesDoNotCount) {
  HyperLogLog sketch;
  for (int repeat = 0; repeat < 50; ++repeat) {
    for (int value = 0; value < 5000; ++value) sketch.Add(HashBytes("v" + std::to_string(value)));
  }
  EXPECT_LE(RelativeError(sketch.Estimate(), 5000), 0.03);
}

TEST(HyperLogLogTest, MergeOfSparseAndDenseEqualsOneSketch) {
  for (uint64_t left_count : {10u, 3000u, 100000u}) {
    for (uint64_t right_count : {7u, 2500u, 50000u}) {
      HyperLogLog left;
      HyperLogLog right;
      HyperLogLog both;
      for (uint64_t value = 0; value < left_count; ++value) {
        left.Add(HashInt(static_cast<int64_t>(value)));
        both.Add(HashInt(static_cast<int64_t>(value)));
      }
      // Half of right's values are left's too.
      for (uint64_t value = left_count / 2; value < left_count / 2 + right_count; ++value) {
        right.Add(HashInt(static_cast<int64_t>(value)));
        both.Add(HashInt(static_cast<int64_t>(value)));
      }
      left.Merge(right);
      EXPECT_EQ(left.Estimate(), both.Estimate()) << left_count << " + " << right_count;
    }
  }
}

TEST(HyperLogLogTest, SmallSketchesStaySmall) {
  HyperLogLog sketch;
  for (int value = 0; value < 100; ++value) sketch.Add(HashInt(value));
  EXPECT_LE(sketch.HeapBytes(), 1024u);
  for (int value = 100; value < 20000; ++value) sketch.Add(HashInt(value));
  EXPECT_LE(sketch.HeapBytes(), HyperLogLog::kRegisters);  // Dense: one byte per register.
}

TEST(ApproxCountDistinctTest, ManySmallGroupsDoNotEachCostSixteenKiB) {
  std::unique_ptr<Aggregator> aggregator =
      MakeAggregator(testing::Call(sql::AggKind::kApproxCountDistinct, DataType::kInt64));
  constexpr uint32_t kGroups = 100000;
  aggregator->Resize(kGroups);
  ColumnVector values(DataType::kInt64);
  std::vector<uint32_t> gids;
  for (uint32_t row = 0; row < 3 * kGroups; ++row) {
    values.AppendInt(row % 7);
    gids.push_back(row % kGroups);
  }
  ASSERT_OK(testing::Update(*aggregator, {&values}, nullptr, &gids, gids.size()));
  EXPECT_LE(aggregator->MemoryBytes(), size_t{kGroups} * 128);
  ColumnVector out(DataType::kInt64);
  ASSERT_OK(aggregator->Finalize(out));
  for (uint32_t gid = 0; gid < kGroups; ++gid) {
    // Rows gid, gid + 100000, gid + 200000: values gid % 7, (gid + 2) % 7, (gid + 4) % 7.
    ASSERT_EQ(out.IntAt(gid), 3) << gid;
  }
}

TEST(ApproxCountDistinctTest, WithinThreePercentThroughTheAggregator) {
  for (bool strings : {false, true}) {
    std::unique_ptr<Aggregator> aggregator = MakeAggregator(testing::Call(
        sql::AggKind::kApproxCountDistinct, strings ? DataType::kString : DataType::kFloat64));
    aggregator->Resize(1);
    constexpr int kDistinct = 250000;
    for (int begin = 0; begin < kDistinct; begin += 50000) {
      ColumnVector batch(strings ? DataType::kString : DataType::kFloat64);
      for (int value = begin; value < begin + 50000; ++value) {
        if (strings) {
          batch.AppendString("user-" + std::to_string(value));
        } else {
          batch.AppendDouble(value * 0.5);
        }
      }
      ASSERT_OK(testing::Update(*aggregator, {&batch}, nullptr, nullptr, batch.size()));
    }
    ColumnVector out(DataType::kInt64);
    ASSERT_OK(aggregator->Finalize(out));
    EXPECT_LE(RelativeError(static_cast<uint64_t>(out.IntAt(0)), kDistinct), 0.03);
  }
}

}  // namespace
}  // namespace strata::exec
