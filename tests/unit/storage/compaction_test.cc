// Compaction as a streaming merge: the k-way merge of sorted runs, the sort order recorded
// per segment in the manifest, and merges of segments in and out of the sort order.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "storage/engine/manifest.h"
#include "storage/engine/merge_runs.h"
#include "storage/engine/row_order.h"
#include "storage/engine/storage_engine.h"
#include "storage_test_util.h"

namespace strata::storage {
namespace {

using testing::kT0;
using testing::MetricsBatch;
using testing::MetricsLayout;
using testing::ScanRows;
using testing::TempDir;
using testing::TestOptions;

types::Schema KeySchema() {
  types::Schema schema;
  schema.fields = {{1, "name", types::DataType::kString, true, {}, false, ""},
                   {2, "n", types::DataType::kInt64, false, {}, false, ""}};
  return schema;
}

// A run of `rows` random rows (names with NULLs, small ints), sorted by (name, n, seq).
types::Batch RandomSortedRun(std::mt19937& rng, size_t rows, int64_t& next_seq) {
  types::Batch batch = types::Batch::ForSchema(KeySchema());
  for (size_t i = 0; i < rows; ++i) {
    if (rng() % 10 == 0) {
      batch.columns[0].AppendNull();
    } else {
      batch.columns[0].AppendString("k" + std::to_string(rng() % 13));
    }
    batch.columns[1].AppendInt(static_cast<int64_t>(rng() % 5) - 2);
    batch.seqs.push_back(next_seq++);
  }
  batch.num_rows = rows;
  std::vector<uint32_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  SortRows(batch, {0, 1}, order);
  return Gather(batch, order);
}

TEST(MergeRunsTest, MergesRunsIntoExactChunksInTotalOrder) {
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    int64_t next_seq = 1;
    std::vector<types::Batch> inputs;
    const size_t run_count = 1 + rng() % 6;
    for (size_t i = 0; i < run_count; ++i) {
      inputs.push_back(RandomSortedRun(rng, rng() % 300, next_seq));
    }
    // Expected: all rows, sorted.
    types::Batch all = types::Batch::ForSchema(KeySchema());
    for (const types::Batch& input : inputs) {
      for (size_t c = 0; c < 2; ++c)
        all.columns[c].AppendRange(input.columns[c], 0, input.num_rows);
      all.seqs.insert(all.seqs.end(), input.seqs.begin(), input.seqs.end());
      all.num_rows += input.num_rows;
    }
    std::vector<uint32_t> order(all.num_rows);
    std::iota(order.begin(), order.end(), 0);
    SortRows(all, {0, 1}, order);
    const types::Batch expected = Gather(all, order);

    std::vector<std::unique_ptr<SortedRun>> runs;
    for (types::Batch& input : inputs) runs.push_back(MakeBatchRun(std::move(input)));
    const size_t chunk_rows = 1 + rng() % 64;
    std::vector<size_t> chunk_sizes;
    std::vector<int64_t> merged_seqs;
    ASSERT_OK(MergeRuns(std::move(runs), {0, 1}, chunk_rows, types::Batch::ForSchema(KeySchema()),
                        [&](const types::Batch& chunk) {
                          EXPECT_EQ(chunk.Validate(), "");
                          chunk_sizes.push_back(chunk.num_rows);
                          merged_seqs.insert(merged_seqs.end(), chunk.seqs.begin(),
                                             chunk.seqs.end());
                          return Status();
                        }));
    EXPECT_EQ(merged_seqs, expected.seqs) << "round " << round;
    for (size_t i = 0; i + 1 < chunk_sizes.size(); ++i) EXPECT_EQ(chunk_sizes[i], chunk_rows);
    if (!chunk_sizes.empty()) {
      EXPECT_GT(chunk_sizes.back(), 0u);
      EXPECT_LE(chunk_sizes.back(), chunk_rows);
    }
  }
}

TEST(MergeRunsTest, StopsAtTheFirstEmitError) {
  int64_t seq = 1;
  std::mt19937 rng(1);
  std::vector<std::unique_ptr<SortedRun>> runs;
  runs.push_back(MakeBatchRun(RandomSortedRun(rng, 100, seq)));
  int calls = 0;
  Status status = MergeRuns(std::move(runs), {0, 1}, 10, types::Batch::ForSchema(KeySchema()),
                            [&](const types::Batch&) {
                              ++calls;
                              return Status::IoError("disk gone");
                            });
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_EQ(calls, 1);
}

TEST(ManifestTest, RecordsEachSegmentsOrderKey) {
  Manifest manifest;
  manifest.segments.resize(3);
  manifest.segments[0].id = 1;
  manifest.segments[0].order_key = std::vector<uint32_t>{1};
  manifest.segments[1].id = 2;
  manifest.segments[1].compacted = true;
  manifest.segments[1].order_key = std::vector<uint32_t>{2, 1};
  manifest.segments[2].id = 3;  // Order unknown.
  Manifest decoded;
  ASSERT_OK(DecodeManifestPayload(EncodeManifestPayload(manifest), &decoded));
  ASSERT_EQ(decoded.segments.size(), 3u);
  EXPECT_EQ(decoded.segments[0].order_key, std::vector<uint32_t>{1});
  EXPECT_FALSE(decoded.segments[0].compacted);
  EXPECT_EQ(decoded.segments[1].order_key, (std::vector<uint32_t>{2, 1}));
  EXPECT_TRUE(decoded.segments[1].compacted);
  EXPECT_FALSE(decoded.segments[2].order_key.has_value());
}

class CompactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(engine_, StorageEngine::Open(TestOptions(dir_.path())));
    layout_.sort_field_ids = {2, 1};  // (host, time)
    ASSERT_OK(engine_->OpenDataset(layout_));
  }

  // Every row's (host, time), in stored order, and the rows' usage sum.
  void ScanInOrder(std::vector<std::pair<std::string, int64_t>>& keys, int64_t& usage_sum) {
    types::ScanSpec spec;
    spec.field_ids = {2, 1, 3};
    usage_sum = 0;
    ASSERT_OK(engine_
                  ->Scan("metrics", spec,
                         [&](types::Batch& batch) {
                           for (size_t i = 0; i < batch.num_rows; ++i) {
                             keys.emplace_back(std::string(batch.columns[0].StringAt(i)),
                                               batch.columns[1].IntAt(i));
                             usage_sum += batch.columns[2].IntAt(i);
                           }
                           return true;
                         })
                  .status());
  }

  TempDir dir_;
  types::DatasetLayout layout_ = MetricsLayout();
  std::unique_ptr<StorageEngine> engine_;
};

TEST_F(CompactionTest, MergesSortedSegmentsWithoutLosingOrDuplicatingRows) {
  // Four rounds of four flushes, each round compacted with the sorted segment of the rounds
  // before (streamed chunk by chunk: chunk_rows is 100) into one sorted segment.
  int64_t row = 0;
  for (int round = 0; round < 4; ++round) {
    for (int flush = 0; flush < 4; ++flush) {
      ASSERT_OK(engine_->Append("metrics", MetricsBatch(row, 250, kT0, 1000, 7)).status());
      row += 250;
      ASSERT_OK(engine_->Flush("metrics"));
    }
    ASSERT_OK(engine_->Compact("metrics", 4));
  }
  ASSERT_OK_AND_ASSIGN(DatasetStats after, engine_->Stats("metrics"));
  EXPECT_EQ(after.segments, 1u);
  EXPECT_EQ(after.rows, 4000u);

  std::vector<std::pair<std::string, int64_t>> keys;
  int64_t usage_sum = 0;
  ScanInOrder(keys, usage_sum);
  ASSERT_EQ(keys.size(), 4000u);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_EQ(std::adjacent_find(keys.begin(), keys.end()), keys.end());  // No duplicates.
  EXPECT_EQ(usage_sum, 3999LL * 4000 / 2);
}

TEST_F(CompactionTest, AppliesDeletesWhileMerging) {
  for (int flush = 0; flush < 4; ++flush) {
    ASSERT_OK(engine_->Append("metrics", MetricsBatch(flush * 300, 300, kT0, 1000, 5)).status());
    ASSERT_OK(engine_->Flush("metrics"));
  }
  types::Predicate host_2{2, types::CompareOp::kEq, {std::string("host_2")}};
  ASSERT_OK(engine_->DeleteWhere("metrics", {host_2}).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Compact("metrics", 1));
  std::vector<std::pair<std::string, int64_t>> keys;
  int64_t usage_sum = 0;
  ScanInOrder(keys, usage_sum);
  ASSERT_EQ(keys.size(), 960u);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_TRUE(std::none_of(keys.begin(), keys.end(),
                           [](const auto& key) { return key.first == "host_2"; }));
}

TEST_F(CompactionTest, ResortsSegmentsCompactedUnderAnotherSortKey) {
  for (int flush = 0; flush < 2; ++flush) {
    ASSERT_OK(engine_->Append("metrics", MetricsBatch(flush * 500, 500, kT0, 1000, 9)).status());
    ASSERT_OK(engine_->Flush("metrics"));
  }
  ASSERT_OK(engine_->Compact("metrics", 1));  // Sorted by (host, time).
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(1000, 500, kT0, 1000, 9)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  layout_.sort_field_ids = {3};  // usage
  ASSERT_OK(engine_->UpdateLayout(layout_));
  ASSERT_OK(engine_->Compact("metrics", 1));
  std::vector<int64_t> usage;
  types::ScanSpec spec;
  spec.field_ids = {3};
  ASSERT_OK(engine_
                ->Scan("metrics", spec,
                       [&](types::Batch& batch) {
                         for (size_t i = 0; i < batch.num_rows; ++i)
                           usage.push_back(batch.columns[0].IntAt(i));
                         return true;
                       })
                .status());
  ASSERT_EQ(usage.size(), 1500u);
  std::vector<int64_t> expected(1500);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(usage, expected);
}

}  // namespace
}  // namespace strata::storage
