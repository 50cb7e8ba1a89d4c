// What a changes feed builds on: DatasetStats::resync_horizon (every delete and every row
// removed by retention, durable across restarts and old manifests) and scans with
// ScanSpec::min_seq (exactly the rows after a cursor, skipping older segments and chunks).
#include <gtest/gtest.h>

#include "common/time_util.h"
#include "storage/encoding/byte_io.h"
#include "storage/engine/manifest.h"
#include "storage/engine/manifest_file.h"
#include "storage/engine/storage_engine.h"
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

class ChangesCursorTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    if (engine_ != nullptr) ASSERT_OK(engine_->Close());
    engine_.reset();
    ASSERT_OK_AND_ASSIGN(engine_, StorageEngine::Open(TestOptions(dir_.path())));
    ASSERT_OK(engine_->OpenDataset(layout_));
  }

  int64_t Horizon() {
    Result<DatasetStats> stats = engine_->Stats("metrics");
    EXPECT_OK(stats.status());
    return stats.ok() ? stats.value().resync_horizon : -1;
  }

  Manifest ReadManifest() {
    Manifest manifest;
    EXPECT_OK(ReadManifestFile(Env::Default(), JoinPath(dir_.path(), "datasets/metrics"), nullptr,
                               "metrics", &manifest));
    return manifest;
  }

  // The seqs a scan with min_seq returns, in order.
  std::vector<int64_t> SeqsAfter(int64_t min_seq, types::ScanStats* stats = nullptr) {
    types::ScanSpec spec;
    spec.min_seq = min_seq;
    Result<testing::Rows> rows = ScanRows(*engine_, "metrics", spec);
    EXPECT_OK(rows.status());
    if (!rows.ok()) return {};
    if (stats != nullptr) *stats = rows.value().stats;
    return rows.value().seqs;
  }

  static std::vector<int64_t> Range(int64_t first, int64_t last) {
    std::vector<int64_t> seqs;
    for (int64_t seq = first; seq <= last; ++seq) seqs.push_back(seq);
    return seqs;
  }

  TempDir dir_;
  types::DatasetLayout layout_ = MetricsLayout();
  std::unique_ptr<StorageEngine> engine_;
};

TEST_F(ChangesCursorTest, FreshDatasetHasNoHorizonAndFlushOrCompactionSetNone) {
  EXPECT_EQ(Horizon(), 0);
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 300)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(300, 300)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Compact("metrics", 1));
  EXPECT_EQ(Horizon(), 0);
  Reopen();
  EXPECT_EQ(Horizon(), 0);
  EXPECT_EQ(ReadManifest().resync_horizon, 0);
}

TEST_F(ChangesCursorTest, DeleteSetsHorizonToItsSeqThroughWalFlushCompactionAndRestarts) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 400)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK_AND_ASSIGN(
      int64_t delete_seq,
      engine_->DeleteWhere("metrics", {{2, CompareOp::kEq, {std::string("host_1")}}}));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(400, 10)).status());
  EXPECT_EQ(Horizon(), delete_seq);  // Only in the memtable and WAL.

  Reopen();  // Replayed from the WAL.
  EXPECT_EQ(Horizon(), delete_seq);

  ASSERT_OK(engine_->Flush("metrics"));
  EXPECT_EQ(Horizon(), delete_seq);
  ASSERT_OK(engine_->Compact("metrics", 1));
  // Compaction erased the rows and collected the tombstone; the horizon outlives it.
  EXPECT_TRUE(ReadManifest().tombstones.empty());
  EXPECT_EQ(ReadManifest().resync_horizon, delete_seq);
  EXPECT_EQ(Horizon(), delete_seq);
  Reopen();
  EXPECT_EQ(Horizon(), delete_seq);

  // A later delete, even one that matches no row, moves it on.
  ASSERT_OK_AND_ASSIGN(
      int64_t second,
      engine_->DeleteWhere("metrics", {{2, CompareOp::kEq, {std::string("no_such_host")}}}));
  EXPECT_GT(second, delete_seq);
  EXPECT_EQ(Horizon(), second);
  Reopen();
  EXPECT_EQ(Horizon(), second);
}

TEST_F(ChangesCursorTest, RetentionRaisesHorizonToTheDroppedSegmentsMaxSeq) {
  // Three hourly partitions ending in the current hour, 120 rows each (seqs 1..360); none is
  // expired at flush.
  const int64_t base =
      types::PartitionStart(NowMicros(), types::Granularity::kHour) - 3 * kHourMicros;
  layout_.retention_micros = 3 * kHourMicros;
  ASSERT_OK(engine_->UpdateLayout(layout_));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 360, base, 30'000'000)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  EXPECT_EQ(Horizon(), 0);
  // The first partition expires: its segment held seqs 1..120.
  ASSERT_OK(engine_->ApplyRetention("metrics", base + 4 * kHourMicros + kHourMicros / 2));
  EXPECT_EQ(SeqsAfter(0), Range(121, 360));
  EXPECT_EQ(Horizon(), 120);
  Reopen();
  EXPECT_EQ(Horizon(), 120);

  // A delete before the dropped rows' seqs does not lower it.
  ASSERT_OK_AND_ASSIGN(int64_t delete_seq,
                       engine_->DeleteWhere("metrics", {{3, CompareOp::kEq, {int64_t{200}}}}));
  EXPECT_EQ(Horizon(), delete_seq);
}

TEST_F(ChangesCursorTest, RowsExpiredAtFlushCountAsRemovedByRetention) {
  layout_.retention_micros = kHourMicros;  // Rows of 2016 are long expired.
  ASSERT_OK(engine_->UpdateLayout(layout_));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 50)).status());
  EXPECT_EQ(SeqsAfter(0).size(), 50u);  // Readable until flushed.
  EXPECT_EQ(Horizon(), 0);
  ASSERT_OK(engine_->Flush("metrics"));
  EXPECT_TRUE(SeqsAfter(0).empty());
  EXPECT_EQ(Horizon(), 50);
  Reopen();
  EXPECT_EQ(Horizon(), 50);
}

TEST_F(ChangesCursorTest, PartitionsExpiredAtCompactionCountAsRemovedByRetention) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 80)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  layout_.retention_micros = kHourMicros;
  ASSERT_OK(engine_->UpdateLayout(layout_));
  ASSERT_OK(engine_->Compact("metrics", 1));  // Writes nothing for the expired partition.
  EXPECT_TRUE(SeqsAfter(0).empty());
  EXPECT_EQ(Horizon(), 80);
  Reopen();
  EXPECT_EQ(Horizon(), 80);
}

TEST_F(ChangesCursorTest, MinSeqReadsExactlyTheLaterRowsAcrossSegmentsMemtableAndCompaction) {
  // Two flushed segments of 250 and 150 rows (chunks of 100), then two memtable chunks.
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 250)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(250, 150)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(400, 25)).status());
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(425, 25)).status());

  for (int64_t min_seq : {0, 1, 99, 100, 101, 249, 250, 251, 399, 400, 425, 449, 450, 1000}) {
    SCOPED_TRACE(min_seq);
    EXPECT_EQ(SeqsAfter(min_seq), Range(min_seq + 1, 450));
  }
  types::ScanStats stats;
  // Both segments (3 and 2 chunks) and the first memtable chunk are skipped unread.
  EXPECT_EQ(SeqsAfter(425, &stats), Range(426, 450));
  EXPECT_EQ(stats.chunks_total, 3u + 2u + 2u);
  EXPECT_EQ(stats.chunks_pruned, 3u + 2u + 1u);
  EXPECT_EQ(stats.rows_scanned, 25u);
  // The first segment and the second's first chunk (seqs 251..350) are skipped.
  EXPECT_EQ(SeqsAfter(350, &stats), Range(351, 450));
  EXPECT_EQ(stats.chunks_pruned, 3u + 1u);
  EXPECT_EQ(stats.rows_scanned, 50u + 50u);
  EXPECT_EQ(SeqsAfter(0, &stats).size(), 450u);
  EXPECT_EQ(stats.chunks_pruned, 0u);

  // One compacted segment (in time order, which is seq order here): chunk zone maps prune.
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Compact("metrics", 1));
  for (int64_t min_seq : {0, 50, 199, 200, 201, 449, 450}) {
    SCOPED_TRACE(min_seq);
    EXPECT_EQ(SeqsAfter(min_seq), Range(min_seq + 1, 450));
  }
  EXPECT_EQ(SeqsAfter(250, &stats), Range(251, 450));
  EXPECT_EQ(stats.chunks_total, 5u);
  EXPECT_EQ(stats.chunks_pruned, 2u);
  EXPECT_EQ(SeqsAfter(450, &stats), std::vector<int64_t>{});
  EXPECT_EQ(stats.chunks_pruned, stats.chunks_total);
}

TEST_F(ChangesCursorTest, MinSeqCombinesWithSnapshotPredicatesDeletesAndParallelism) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 300)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(300, 100)).status());
  // Deletes usage 150..159 (seqs 151..160) and 350 (seq 351).
  ASSERT_OK(engine_
                ->DeleteWhere("metrics", {{3, CompareOp::kGe, {int64_t{150}}},
                                          {3, CompareOp::kLt, {int64_t{160}}}})
                .status());
  ASSERT_OK(engine_->DeleteWhere("metrics", {{3, CompareOp::kEq, {int64_t{350}}}}).status());

  types::ScanSpec spec;
  spec.min_seq = 100;
  spec.snapshot_seq = 320;
  spec.parallelism = 3;
  spec.predicates = {{2, CompareOp::kEq, {std::string("host_2")}}};  // usage % 4 == 2.
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics", spec));
  std::vector<int64_t> expected;
  for (int64_t seq = 101; seq <= 320; ++seq) {
    if ((seq - 1) % 4 == 2) expected.push_back(seq);  // Deletes are after the snapshot.
  }
  EXPECT_EQ(rows.seqs, expected);

  spec = {};
  spec.min_seq = 140;
  ASSERT_OK_AND_ASSIGN(rows, ScanRows(*engine_, "metrics", spec));
  expected.clear();
  for (int64_t seq = 141; seq <= 400; ++seq) {
    if ((seq < 151 || seq > 160) && seq != 351) expected.push_back(seq);
  }
  EXPECT_EQ(rows.seqs, expected);
}

// Manifest payloads as older code wrote them: without notes, and with notes but without the
// horizon.
TEST(ManifestResyncHorizonTest, OldPayloadsReadAsZeroAndNewOnesRoundTrip) {
  ByteWriter old;
  old.PutVarint64(7);    // version
  old.PutZigzag64(40);   // flushed_seq
  old.PutZigzag64(41);   // last_seq
  old.PutVarint64(3);    // next_file_id
  old.PutZigzag64(123);  // last_ingest
  old.PutVarint64(0);    // segments
  old.PutVarint64(0);    // tombstones
  Manifest decoded;
  decoded.resync_horizon = 99;
  ASSERT_OK(DecodeManifestPayload(old.buffer(), &decoded));
  EXPECT_EQ(decoded.version, 7u);
  EXPECT_EQ(decoded.resync_horizon, 0);
  // Without notes and horizon, this code writes what older code wrote.
  EXPECT_EQ(EncodeManifestPayload(decoded), old.buffer());

  old.PutVarint64(1);  // notes
  old.PutLengthPrefixed("key");
  old.PutLengthPrefixed("payload");
  old.PutZigzag64(5);
  old.PutZigzag64(9);
  decoded.resync_horizon = 99;
  ASSERT_OK(DecodeManifestPayload(old.buffer(), &decoded));
  ASSERT_EQ(decoded.notes.size(), 1u);
  EXPECT_EQ(decoded.resync_horizon, 0);

  // A horizon without notes, and with them.
  Manifest manifest;
  manifest.version = 2;
  manifest.resync_horizon = 1234;
  decoded = {};
  ASSERT_OK(DecodeManifestPayload(EncodeManifestPayload(manifest), &decoded));
  EXPECT_TRUE(decoded.notes.empty());
  EXPECT_EQ(decoded.resync_horizon, 1234);
  manifest.notes.push_back({"", "k", "p", 1, 2});
  decoded = {};
  ASSERT_OK(DecodeManifestPayload(EncodeManifestPayload(manifest), &decoded));
  ASSERT_EQ(decoded.notes.size(), 1u);
  EXPECT_EQ(decoded.notes[0].key, "k");
  EXPECT_EQ(decoded.resync_horizon, 1234);

  // Bytes after the horizon are damage.
  EXPECT_FALSE(DecodeManifestPayload(EncodeManifestPayload(manifest) + "x", &decoded).ok());
}

}  // namespace
}  // namespace strata::storage
