#include "storage/engine/storage_engine.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/time_util.h"
#include "storage_test_util.h"

namespace strata::storage {
namespace {

using testing::kHourMicros;
using testing::kT0;
using testing::MetricsBatch;
using testing::MetricsLayout;
using testing::ScanRows;
using testing::TempDir;
using testing::TestOptions;
using types::CompareOp;
using types::Value;

class StorageEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    if (engine_ != nullptr) ASSERT_OK(engine_->Close());
    engine_.reset();
    ASSERT_OK_AND_ASSIGN(engine_, StorageEngine::Open(TestOptions(dir_.path())));
    ASSERT_OK(engine_->OpenDataset(layout_));
  }

  TempDir dir_;
  types::DatasetLayout layout_ = MetricsLayout();
  std::unique_ptr<StorageEngine> engine_;
};

TEST_F(StorageEngineTest, AppendAssignsSequenceNumbersAndReadsItsWrites) {
  ASSERT_OK_AND_ASSIGN(AppendResult first, engine_->Append("metrics", MetricsBatch(0, 10)));
  EXPECT_EQ(first.first_seq, 1);
  EXPECT_EQ(first.last_seq, 10);
  ASSERT_OK_AND_ASSIGN(AppendResult second, engine_->Append("metrics", MetricsBatch(10, 5)));
  EXPECT_EQ(second.first_seq, 11);
  EXPECT_EQ(second.last_seq, 15);
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics"));
  ASSERT_EQ(rows.rows.size(), 15u);
  EXPECT_EQ(rows.rows[3][1], Value(std::string("host_3")));
  EXPECT_EQ(rows.rows[7][3], Value(std::monostate{}));
  EXPECT_EQ(rows.rows[8][3], Value(4.0));
}

TEST_F(StorageEngineTest, RowsSurviveFlushAndRestartExactlyOnce) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 250)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(250, 50)).status());  // Only in the WAL.
  Reopen();
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics"));
  ASSERT_EQ(rows.rows.size(), 300u);
  for (size_t i = 0; i < rows.rows.size(); ++i) {
    EXPECT_EQ(rows.seqs[i], static_cast<int64_t>(i) + 1);
    EXPECT_EQ(rows.rows[i][2], Value(static_cast<int64_t>(i)));
  }
  // Sequence numbers continue after a restart.
  ASSERT_OK_AND_ASSIGN(AppendResult next, engine_->Append("metrics", MetricsBatch(300, 1)));
  EXPECT_EQ(next.first_seq, 301);
}

TEST_F(StorageEngineTest, TimeRangeAndPredicatesPruneChunksAndPartitions) {
  // 3 hours of rows, one per 10 s: 1080 rows, 3 partitions, chunks of 100 rows.
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 1080, kT0, 10'000'000)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  types::ScanSpec spec;
  spec.min_time = kT0 + kHourMicros;
  spec.max_time = kT0 + kHourMicros + 600'000'000;  // 10 minutes: 60 rows.
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics", spec));
  EXPECT_EQ(rows.rows.size(), 60u);
  EXPECT_EQ(rows.stats.partitions_total, 3u);
  EXPECT_EQ(rows.stats.partitions_pruned, 2u);
  EXPECT_GT(rows.stats.chunks_pruned, 0u);
  EXPECT_LT(rows.stats.rows_scanned, 300u);

  types::ScanSpec by_usage;
  by_usage.predicates = {{3, CompareOp::kGe, {int64_t{1000}}}};
  ASSERT_OK_AND_ASSIGN(rows, ScanRows(*engine_, "metrics", by_usage));
  EXPECT_EQ(rows.rows.size(), 80u);
  EXPECT_GT(rows.stats.chunks_pruned, 0u);

  types::ScanSpec by_host;
  by_host.predicates = {{2, CompareOp::kIn, {std::string("host_1"), std::string("host_2")}}};
  by_host.field_ids = {3};
  ASSERT_OK_AND_ASSIGN(rows, ScanRows(*engine_, "metrics", by_host));
  EXPECT_EQ(rows.rows.size(), 540u);
  ASSERT_EQ(rows.rows[0].size(), 1u);  // Only the requested column.
}

TEST_F(StorageEngineTest, SnapshotSeqHidesLaterRows) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 10)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(10, 10)).status());
  types::ScanSpec spec;
  spec.snapshot_seq = 15;
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics", spec));
  EXPECT_EQ(rows.rows.size(), 15u);
  EXPECT_EQ(rows.stats.snapshot_seq, 15);
}

TEST_F(StorageEngineTest, DeleteWhereHidesRowsAndCompactionErasesThem) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 400)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(400, 100)).status());
  ASSERT_OK_AND_ASSIGN(
      int64_t tombstone,
      engine_->DeleteWhere("metrics", {{2, CompareOp::kEq, {std::string("host_0")}}}));
  EXPECT_EQ(tombstone, 501);
  // Rows appended after the delete are not affected by it.
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(500, 4)).status());
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics"));
  EXPECT_EQ(rows.rows.size(), 375u + 4u);

  // Survives restart (the tombstone is in the WAL), then flush and compaction erase.
  Reopen();
  ASSERT_OK_AND_ASSIGN(rows, ScanRows(*engine_, "metrics"));
  EXPECT_EQ(rows.rows.size(), 379u);
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Compact("metrics", 1));
  ASSERT_OK_AND_ASSIGN(DatasetStats stats, engine_->Stats("metrics"));
  EXPECT_EQ(stats.rows, 379u);
  ASSERT_OK_AND_ASSIGN(rows, ScanRows(*engine_, "metrics"));
  EXPECT_EQ(rows.rows.size(), 379u);
  int host0_after_delete = 0;
  for (const auto& row : rows.rows) host0_after_delete += row[1] == Value(std::string("host_0"));
  EXPECT_EQ(host0_after_delete, 1);  // Row 500, appended after the delete.
}

TEST_F(StorageEngineTest, CompactionMergesSegmentsAndKeepsEveryRow) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(engine_->Append("metrics", MetricsBatch(i * 100, 100)).status());
    ASSERT_OK(engine_->Flush("metrics"));
  }
  ASSERT_OK_AND_ASSIGN(DatasetStats before, engine_->Stats("metrics"));
  EXPECT_EQ(before.segments, 5u);
  ASSERT_OK(engine_->Compact("metrics", 4));
  ASSERT_OK_AND_ASSIGN(DatasetStats after, engine_->Stats("metrics"));
  EXPECT_EQ(after.segments, 1u);
  EXPECT_EQ(after.rows, 500u);
  EXPECT_EQ(after.partitions, 1u);
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics"));
  ASSERT_EQ(rows.rows.size(), 500u);
  for (size_t i = 0; i < rows.rows.size(); ++i)
    EXPECT_EQ(rows.seqs[i], static_cast<int64_t>(i) + 1);
  Reopen();
  ASSERT_OK_AND_ASSIGN(rows, ScanRows(*engine_, "metrics"));
  EXPECT_EQ(rows.rows.size(), 500u);
}

TEST_F(StorageEngineTest, SortKeyOrdersCompactedSegments) {
  layout_.sort_field_ids = {2, 1};  // (host, time)
  ASSERT_OK(engine_->UpdateLayout(layout_));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 40)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Compact("metrics", 1));
  std::vector<std::string> hosts;
  types::ScanSpec spec;
  spec.field_ids = {2};
  ASSERT_OK(engine_
                ->Scan("metrics", spec,
                       [&](types::Batch& batch) {
                         for (size_t i = 0; i < batch.num_rows; ++i)
                           hosts.emplace_back(batch.columns[0].StringAt(i));
                         return true;
                       })
                .status());
  ASSERT_EQ(hosts.size(), 40u);
  EXPECT_TRUE(std::is_sorted(hosts.begin(), hosts.end()));
}

TEST_F(StorageEngineTest, SortKeyOrdersFloatsAndStringsExactly) {
  types::DatasetLayout layout;
  layout.id = "scores";
  layout.schema.version = 1;
  layout.schema.next_field_id = 4;
  layout.schema.fields = {{1, "time", types::DataType::kTimestamp, false, {}, false, ""},
                          {2, "name", types::DataType::kString, false, {}, false, ""},
                          {3, "score", types::DataType::kFloat64, false, {}, false, ""}};
  layout.time_field_id = 1;
  layout.partition_by = types::Granularity::kDay;
  layout.sort_field_ids = {3, 2};  // (score, name)
  ASSERT_OK(engine_->OpenDataset(layout));
  const std::vector<std::pair<double, std::string>> input = {
      {2.5, "b"},    {-1.0, "z"}, {0.0, "a"}, {-0.0, "c"}, {2.5, "a"}, {1e300, "x"},
      {-1e300, "y"}, {-1.0, "a"}, {3.0, ""},  {0.5, "ab"}, {0.5, "aa"}};
  types::Batch batch = types::Batch::ForSchema(layout.schema);
  for (const auto& [score, name] : input) {
    batch.columns[0].AppendInt(kT0);
    batch.columns[1].AppendString(name);
    batch.columns[2].AppendDouble(score);
  }
  batch.num_rows = input.size();
  ASSERT_OK(engine_->Append("scores", std::move(batch)).status());
  ASSERT_OK(engine_->Flush("scores"));
  ASSERT_OK(engine_->Compact("scores", 1));
  std::vector<std::pair<double, std::string>> scanned;
  ASSERT_OK(engine_
                ->Scan("scores", {},
                       [&](types::Batch& out) {
                         for (size_t i = 0; i < out.num_rows; ++i) {
                           scanned.emplace_back(out.columns[2].DoubleAt(i),
                                                std::string(out.columns[1].StringAt(i)));
                         }
                         return true;
                       })
                .status());
  std::vector<std::pair<double, std::string>> expected = input;
  std::stable_sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    if (std::signbit(a.first) != std::signbit(b.first)) return std::signbit(a.first);
    return a.second < b.second;
  });
  ASSERT_EQ(scanned.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(scanned[i].second, expected[i].second) << i;
    EXPECT_EQ(std::signbit(scanned[i].first), std::signbit(expected[i].first)) << i;
  }
}

TEST_F(StorageEngineTest, RetentionDropsExpiredPartitions) {
  // Three hourly partitions ending in the current hour; flush keeps them all because none
  // ends 3 hours or more before now.
  const int64_t base =
      types::PartitionStart(NowMicros(), types::Granularity::kHour) - 3 * kHourMicros;
  layout_.retention_micros = 3 * kHourMicros;
  ASSERT_OK(engine_->UpdateLayout(layout_));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 360, base, 30'000'000)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK_AND_ASSIGN(DatasetStats before, engine_->Stats("metrics"));
  EXPECT_EQ(before.partitions, 3u);
  // At base + 4h30, partitions ending at or before base + 1h30 are expired: the first only.
  ASSERT_OK(engine_->ApplyRetention("metrics", base + 4 * kHourMicros + kHourMicros / 2));
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics"));
  EXPECT_EQ(rows.rows.size(), 240u);
  ASSERT_OK_AND_ASSIGN(DatasetStats after, engine_->Stats("metrics"));
  EXPECT_EQ(after.partitions, 2u);
}

TEST_F(StorageEngineTest, SchemaEvolutionReadsOldDataThroughFieldIds) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 10)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  // v2: usage widened to float64, host renamed to hostname, load dropped, region added with
  // a default.
  types::DatasetLayout v2 = layout_;
  v2.schema.version = 2;
  v2.schema.fields[1].name = "hostname";
  v2.schema.fields[2].type = types::DataType::kFloat64;
  v2.schema.fields.erase(v2.schema.fields.begin() + 3);
  v2.schema.fields.push_back(
      {5, "region", types::DataType::kString, false, std::string("eu"), false, ""});
  v2.schema.next_field_id = 6;
  ASSERT_OK(engine_->UpdateLayout(v2));
  types::Batch batch = types::Batch::ForSchema(v2.schema);
  batch.num_rows = 1;
  batch.columns[0].AppendInt(kT0);
  batch.columns[1].AppendString("new");
  batch.columns[2].AppendDouble(0.5);
  batch.columns[3].AppendString("us");
  ASSERT_OK(engine_->Append("metrics", std::move(batch)).status());
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics"));
  ASSERT_EQ(rows.rows.size(), 11u);
  ASSERT_EQ(rows.rows[0].size(), 4u);
  EXPECT_EQ(rows.rows[3][2], Value(3.0));                // Widened.
  EXPECT_EQ(rows.rows[3][3], Value(std::string("eu")));  // Default.
  EXPECT_EQ(rows.rows[10][3], Value(std::string("us")));
  // Compaction rewrites old rows in the new schema.
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Compact("metrics", 1));
  ASSERT_OK_AND_ASSIGN(rows, ScanRows(*engine_, "metrics"));
  EXPECT_EQ(rows.rows[3][2], Value(3.0));
  EXPECT_EQ(rows.rows[3][3], Value(std::string("eu")));
}

TEST_F(StorageEngineTest, DropDatasetDeletesItsFiles) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 10)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_TRUE(std::filesystem::exists(dir_.path() + "/datasets/metrics"));
  ASSERT_OK(engine_->DropDataset("metrics"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/datasets/metrics"));
  EXPECT_EQ(engine_->Append("metrics", MetricsBatch(0, 1)).status().code(), StatusCode::kNotFound);
}

TEST_F(StorageEngineTest, InvalidScansAreRejected) {
  types::ScanSpec unknown_field;
  unknown_field.field_ids = {99};
  EXPECT_EQ(ScanRows(*engine_, "metrics", unknown_field).status().code(),
            StatusCode::kInvalidArgument);
  types::ScanSpec bad_value;
  bad_value.predicates = {{2, CompareOp::kEq, {int64_t{1}}}};
  EXPECT_EQ(ScanRows(*engine_, "metrics", bad_value).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(StorageEngineTest, ParallelScanReturnsEveryRowOnce) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 2000)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(2000, 100)).status());
  types::ScanSpec spec;
  spec.parallelism = 4;
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics", spec));
  ASSERT_EQ(rows.rows.size(), 2100u);
  for (size_t i = 0; i < rows.seqs.size(); ++i)
    EXPECT_EQ(rows.seqs[i], static_cast<int64_t>(i) + 1);
}

}  // namespace
}  // namespace strata::storage

namespace strata::storage {
namespace {

TEST_F(StorageEngineTest, CommitNotesSurviveRestartsUntilConfirmed) {
  types::CommitNote note{"key-1", "outcome"};
  ASSERT_OK_AND_ASSIGN(AppendResult appended,
                       engine_->Append("metrics", testing::MetricsBatch(0, 10), &note));
  ASSERT_OK(engine_->Append("metrics", testing::MetricsBatch(10, 5)).status());  // No note.
  auto notes = engine_->UnconfirmedNotes();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].dataset, "metrics");
  EXPECT_EQ(notes[0].key, "key-1");
  EXPECT_EQ(notes[0].payload, "outcome");
  EXPECT_EQ(notes[0].first_seq, appended.first_seq);
  EXPECT_EQ(notes[0].last_seq, appended.last_seq);

  Reopen();  // From the WAL.
  notes = engine_->UnconfirmedNotes();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].last_seq, appended.last_seq);

  ASSERT_OK(engine_->Flush("metrics"));  // The WAL is gone; the manifest keeps the note.
  Reopen();
  notes = engine_->UnconfirmedNotes();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].payload, "outcome");
  EXPECT_EQ(notes[0].first_seq, appended.first_seq);

  ASSERT_OK(engine_->ConfirmNotes("metrics", {"key-1", "unknown"}));
  EXPECT_TRUE(engine_->UnconfirmedNotes().empty());
  ASSERT_OK(engine_->Append("metrics", testing::MetricsBatch(15, 1)).status());
  ASSERT_OK(engine_->Flush("metrics"));  // The next manifest drops it.
  Reopen();
  EXPECT_TRUE(engine_->UnconfirmedNotes().empty());
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics"));
  EXPECT_EQ(rows.rows.size(), 16u);
}

}  // namespace
}  // namespace strata::storage
