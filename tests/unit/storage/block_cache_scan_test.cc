// Scans and the block cache: a small scan keeps its decoded chunks for the next one; a scan
// that would decode more than half of the cache reads through it without adding any (so it
// neither evicts what small scans keep using nor pays for copies), with the same rows. A
// read-through scan decodes only the rows its predicates keep from the other columns.
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
  void Open(size_t cache_bytes) { Open(cache_bytes, dir_.path()); }
  void Open(size_t cache_bytes, const std::string& path) {
    StorageOptions options = TestOptions(path);
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

// The same filtered scan, reading through a tiny cache (rows decoded one by one) and
// filling a large one (whole chunks), over flushed chunks and the memtable, gives the same
// rows, NULLs included.
// Kept rows in long runs (copied run by run from cached chunks) and scattered ones
// (gathered row by row) alike.
TEST_F(BlockCacheScanTest, ReadThroughScansDecodeOnlyTheKeptRowsAlike) {
  types::ScanSpec runs;
  runs.predicates = {{3, types::CompareOp::kGe, {int64_t{250}}},
                     {3, types::CompareOp::kLt, {int64_t{1100}}}};
  types::Predicate in;
  in.field_id = 3;
  in.op = types::CompareOp::kIn;
  for (int64_t usage = 3; usage < 1150; usage += 37) in.values.emplace_back(usage);
  types::ScanSpec scattered;
  scattered.predicates.push_back(std::move(in));
  std::vector<Rows> answers;
  for (const size_t cache_bytes : {size_t{1} << 10, size_t{64} << 20}) {
    TempDir dir;
    Open(cache_bytes, dir.path());
    ASSERT_OK(engine_->Append("metrics", testing::MetricsBatch(1000, 150)).status());
    for (const types::ScanSpec* spec : {&runs, &scattered}) {
      ASSERT_OK_AND_ASSIGN(Rows rows, ScanRows(*engine_, "metrics", *spec));
      answers.push_back(std::move(rows));
    }
    EXPECT_EQ(engine_->BlockCacheBytes() > 0, cache_bytes > (size_t{1} << 10));
    engine_.reset();
  }
  ASSERT_EQ(answers[0].rows.size(), 850u);
  ASSERT_EQ(answers[1].rows.size(), 31u);  // 3, 40, ..., 1113.
  EXPECT_EQ(answers[0].rows, answers[2].rows);
  EXPECT_EQ(answers[0].seqs, answers[2].seqs);
  EXPECT_EQ(answers[1].rows, answers[3].rows);
  EXPECT_EQ(answers[0].rows[2][3], types::Value());  // Row 252: NULL load.
  EXPECT_EQ(answers[1].rows[1][2], types::Value(int64_t{40}));
}

// A scan that fills the cache decodes its output columns whole and caches them only where
// it keeps more than a quarter of a chunk's rows; for fewer, only the kept rows are
// decoded and the cache holds the predicate column alone.
TEST_F(BlockCacheScanTest, OutputColumnsAreCachedOnlyWhenMostRowsAreKept) {
  Open(size_t{64} << 20);
  const auto every = [](int64_t step) {
    types::Predicate in;
    in.field_id = 3;
    in.op = types::CompareOp::kIn;
    for (int64_t usage = 0; usage < 1000; usage += step) in.values.emplace_back(usage);
    types::ScanSpec spec;
    spec.field_ids = {2};
    spec.predicates.push_back(std::move(in));
    return spec;
  };
  ASSERT_OK_AND_ASSIGN(Rows sparse, ScanRows(*engine_, "metrics", every(10)));
  ASSERT_EQ(sparse.rows.size(), 100u);
  EXPECT_EQ(sparse.rows[3][0], types::Value(std::string("host_2")));  // Row 30.
  const size_t predicate_only = engine_->BlockCacheBytes();
  EXPECT_GT(predicate_only, 0u);
  ASSERT_OK_AND_ASSIGN(Rows again, ScanRows(*engine_, "metrics", every(10)));
  EXPECT_EQ(again.rows, sparse.rows);
  EXPECT_EQ(engine_->BlockCacheBytes(), predicate_only);
  ASSERT_OK_AND_ASSIGN(Rows dense, ScanRows(*engine_, "metrics", every(2)));
  ASSERT_EQ(dense.rows.size(), 500u);
  EXPECT_GT(engine_->BlockCacheBytes(), predicate_only);  // Now the host column too.
}

// Rows decoded one by one are converted to the field's current type like whole chunks.
TEST_F(BlockCacheScanTest, ReadThroughScansConvertWidenedFields) {
  Open(size_t{1} << 10);
  types::DatasetLayout v2 = testing::MetricsLayout();
  v2.schema.version = 2;
  v2.schema.fields[2].type = types::DataType::kFloat64;
  ASSERT_OK(engine_->UpdateLayout(v2));
  types::ScanSpec spec;
  spec.field_ids = {1, 3};
  spec.predicates = {{1, types::CompareOp::kGe, {testing::kT0 + 990 * 1'000'000}}};
  ASSERT_OK_AND_ASSIGN(Rows rows, ScanRows(*engine_, "metrics", spec));
  ASSERT_EQ(rows.rows.size(), 10u);
  EXPECT_EQ(rows.rows[0][1], types::Value(990.0));
  EXPECT_EQ(rows.rows[9][1], types::Value(999.0));
}

}  // namespace
}  // namespace strata::storage
