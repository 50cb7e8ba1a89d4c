// Scans and the block cache: a small scan keeps its decoded chunks for the next one; a scan
// that would decode more than half of the cache reads through it without adding any (so it
// neither evicts what small scans keep using nor pays for copies), with the same rows.
#include <gtest/gtest.h>

#include "storage/engine/storage_engine.h"
#include "storage_test_util.h"

namespace strata::storage {
namespace {

using testing::MetricsBatch;
using testing::MetricsLayout;
using testing::Rows;
using testing::ScanRows;
using testing::TempDir;
using testing::TestOptions;

class BlockCacheScanTest : public ::testing::Test {
 protected:
  void Open(size_t cache_bytes) {
    StorageOptions options = TestOptions(dir_.path());
    options.block_cache_bytes = cache_bytes;
    ASSERT_OK_AND_ASSIGN(engine_, StorageEngine::Open(options));
    ASSERT_OK(engine_->OpenDataset(MetricsLayout()));
    ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 1000)).status());
    ASSERT_OK(engine_->Flush("metrics"));
  }

  TempDir dir_;
  std::unique_ptr<StorageEngine> engine_;
};

TEST_F(BlockCacheScanTest, SmallScansFillTheCache) {
  Open(size_t{64} << 20);
  types::ScanSpec spec;
  spec.field_ids = {2, 3};
  ASSERT_OK_AND_ASSIGN(Rows first, ScanRows(*engine_, "metrics", spec));
  EXPECT_GT(engine_->BlockCacheBytes(), 0u);
  const size_t cached = engine_->BlockCacheBytes();
  ASSERT_OK_AND_ASSIGN(Rows second, ScanRows(*engine_, "metrics", spec));
  EXPECT_EQ(engine_->BlockCacheBytes(), cached);
  EXPECT_EQ(first.rows, second.rows);
  EXPECT_EQ(first.rows.size(), 1000u);
}

TEST_F(BlockCacheScanTest, LargeScansReadThroughWithoutFillingIt) {
  // 1000 rows x (4 fields + seq) x 8 bytes = 40 KB decoded > 64 KB / 2.
  Open(size_t{64} << 10);
  ASSERT_OK_AND_ASSIGN(Rows all, ScanRows(*engine_, "metrics"));
  EXPECT_EQ(engine_->BlockCacheBytes(), 0u);
  ASSERT_EQ(all.rows.size(), 1000u);
  for (size_t i = 0; i < all.rows.size(); ++i) {
    EXPECT_EQ(all.rows[i][2], types::Value(static_cast<int64_t>(i)));  // usage = row number.
  }
  // A small one still fills it, and answers the same rows.
  types::ScanSpec spec;
  spec.field_ids = {3};
  spec.predicates = {{3, types::CompareOp::kLt, {int64_t{100}}}};
  ASSERT_OK_AND_ASSIGN(Rows few, ScanRows(*engine_, "metrics", spec));
  EXPECT_EQ(few.rows.size(), 100u);
  EXPECT_GT(engine_->BlockCacheBytes(), 0u);
}

TEST_F(BlockCacheScanTest, APredicateOnAnOutputColumnCountsOnce) {
  // 1000 rows x (fields 2 and 3 + seq) x 8 bytes = 24 KB decoded = 48 KB / 2: fills.
  Open(size_t{48} << 10);
  types::ScanSpec spec;
  spec.field_ids = {2, 3};
  spec.predicates = {{3, types::CompareOp::kLt, {int64_t{100}}}};
  ASSERT_OK_AND_ASSIGN(Rows few, ScanRows(*engine_, "metrics", spec));
  EXPECT_EQ(few.rows.size(), 100u);
  EXPECT_GT(engine_->BlockCacheBytes(), 0u);
}

}  // namespace
}  // namespace strata::storage
