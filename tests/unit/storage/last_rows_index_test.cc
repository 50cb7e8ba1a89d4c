// The last-rows index of a segment (segment_format.h LastRowsIndex) and the scans that read
// it in place of the chunks (ScanSpec::latest_per_key): the index holds every row that is the
// latest of its key, and a scan with the hint returns a superset of each key's latest rows of
// exactly the rows a plain scan returns, whatever the snapshot, tombstones, memtable and
// predicates.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "storage/engine/row_order.h"
#include "storage/engine/storage_engine.h"
#include "storage/segment/segment_reader.h"
#include "storage/segment/segment_writer.h"
#include "storage_test_util.h"

namespace strata::storage {
namespace {

using testing::kT0;
using testing::MetricsBatch;
using testing::MetricsLayout;
using testing::Rows;
using testing::ScanRows;
using testing::TempDir;
using testing::TestOptions;

// NULL orders above every value, as for ORDER BY ... DESC (NULLS FIRST).
bool OrderLess(const types::Value& a, const types::Value& b) {
  const bool null_a = std::holds_alternative<std::monostate>(a);
  const bool null_b = std::holds_alternative<std::monostate>(b);
  if (null_a || null_b) return !null_a && null_b;
  return a < b;
}

// The seqs of the rows that hold the greatest order value of their key.
std::set<int64_t> LatestSeqs(const std::vector<std::vector<types::Value>>& rows,
                             const std::vector<int64_t>& seqs, size_t key_col, size_t order_col) {
  std::map<types::Value, types::Value> greatest;
  for (const auto& row : rows) {
    auto [it, inserted] = greatest.emplace(row[key_col], row[order_col]);
    if (!inserted && OrderLess(it->second, row[order_col])) it->second = row[order_col];
  }
  std::set<int64_t> latest;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!OrderLess(rows[i][order_col], greatest.at(rows[i][key_col]))) latest.insert(seqs[i]);
  }
  return latest;
}

// The hinted scan returns only rows of the plain scan, unchanged, and all of its latest rows.
void ExpectLatestSuperset(const Rows& plain, const Rows& hinted, size_t key_col, size_t order_col) {
  std::map<int64_t, const std::vector<types::Value>*> by_seq;
  for (size_t i = 0; i < plain.rows.size(); ++i) by_seq[plain.seqs[i]] = &plain.rows[i];
  std::set<int64_t> returned;
  for (size_t i = 0; i < hinted.rows.size(); ++i) {
    auto it = by_seq.find(hinted.seqs[i]);
    ASSERT_NE(it, by_seq.end()) << "seq " << hinted.seqs[i] << " is not a row of the plain scan";
    EXPECT_EQ(*it->second, hinted.rows[i]);
    EXPECT_TRUE(returned.insert(hinted.seqs[i]).second) << "seq " << hinted.seqs[i] << " twice";
  }
  for (int64_t seq : LatestSeqs(plain.rows, plain.seqs, key_col, order_col)) {
    EXPECT_TRUE(returned.count(seq)) << "latest row seq " << seq << " missing";
  }
}

types::Schema KeySchema() {
  types::Schema schema;
  schema.fields = {{1, "name", types::DataType::kString, true, {}, false, ""},
                   {2, "n", types::DataType::kInt64, false, {}, false, ""},
                   {3, "v", types::DataType::kInt64, false, {}, false, ""}};
  return schema;
}

// Random rows sorted by (name, n, seq): NULL names, and many ties of (name, n).
types::Batch RandomSortedRows(std::mt19937& rng, size_t rows) {
  types::Batch batch = types::Batch::ForSchema(KeySchema());
  for (size_t i = 0; i < rows; ++i) {
    if (rng() % 10 == 0) {
      batch.columns[0].AppendNull();
    } else {
      batch.columns[0].AppendString("k" + std::to_string(rng() % 9));
    }
    batch.columns[1].AppendInt(static_cast<int64_t>(rng() % 6));
    batch.columns[2].AppendInt(static_cast<int64_t>(i));
    batch.seqs.push_back(static_cast<int64_t>(i) + 1);
  }
  batch.num_rows = rows;
  std::vector<uint32_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  SortRows(batch, {0, 1}, order);
  return Gather(batch, order);
}

TEST(LastRowsIndexTest, HoldsEveryLatestRowOfEveryKeyWhateverTheChunking) {
  TempDir dir;
  std::mt19937 rng(11);
  for (int round = 0; round < 60; ++round) {
    const types::Batch rows = RandomSortedRows(rng, 1 + rng() % 400);
    SegmentWriteOptions options;
    options.chunk_rows = 1 + rng() % 40;
    options.last_rows = LastRowsKey{1, 2};
    const std::string path = dir.path() + "/seg" + std::to_string(round);
    ASSERT_OK(WriteSegment(Env::Default(), path, rows, SegmentFooter{}, options).status());
    ASSERT_OK_AND_ASSIGN(auto reader, SegmentReader::Open(Env::Default(), path, nullptr, "d"));
    const SegmentFooter& footer = reader->footer();
    ASSERT_TRUE(footer.last_rows.has_value());
    EXPECT_EQ(footer.last_rows->key_field_id, 1u);
    EXPECT_EQ(footer.last_rows->order_field_id, 2u);
    ASSERT_EQ(footer.last_rows->blocks.size(), footer.columns.size());

    Rows all;
    for (size_t i = 0; i < rows.num_rows; ++i) {
      all.rows.push_back(
          {rows.columns[0].ValueAt(i), rows.columns[1].ValueAt(i), rows.columns[2].ValueAt(i)});
      all.seqs.push_back(rows.seqs[i]);
    }
    Rows indexed;
    std::vector<types::ColumnVector> columns(footer.columns.size());
    for (size_t col_idx = 0; col_idx < footer.columns.size(); ++col_idx) {
      ASSERT_OK(reader->ReadLastRows(col_idx, &columns[col_idx]));
      ASSERT_EQ(columns[col_idx].size(), footer.last_rows->rows);
    }
    for (size_t i = 0; i < footer.last_rows->rows; ++i) {
      indexed.seqs.push_back(columns[0].IntAt(i));
      indexed.rows.push_back({columns[1].ValueAt(i), columns[2].ValueAt(i), columns[3].ValueAt(i)});
    }
    ExpectLatestSuperset(all, indexed, 0, 1);
    // At most the chunk's run ends and their ties: never more rows than the segment.
    EXPECT_LE(footer.last_rows->rows, rows.num_rows);
  }
}

TEST(LastRowsIndexTest, FooterWithoutIndexAndOlderFormatsStillDecode) {
  SegmentFooter footer;
  footer.columns.push_back(ColumnMeta{kSeqFieldId, types::DataType::kInt64, {}});
  SegmentFooter decoded;
  ASSERT_OK(DecodeSegmentFooter(EncodeSegmentFooter(footer), &decoded));
  EXPECT_FALSE(decoded.last_rows.has_value());
  footer.format_version = 2;  // No last-rows byte at all.
  ASSERT_OK(DecodeSegmentFooter(EncodeSegmentFooter(footer), &decoded));
  EXPECT_FALSE(decoded.last_rows.has_value());
  // An index naming a column the segment lacks is corruption.
  footer.format_version = kSegmentFormatVersion;
  footer.last_rows = LastRowsIndex{9, 0, 0, {ChunkMeta{}}};
  EXPECT_EQ(DecodeSegmentFooter(EncodeSegmentFooter(footer), &decoded).code(),
            StatusCode::kCorruption);
}

class LatestPerKeyScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(engine_, StorageEngine::Open(TestOptions(dir_.path())));
    layout_.sort_field_ids = {2, 1};  // (host, time)
    layout_.partition_by = types::Granularity::kDay;
    ASSERT_OK(engine_->OpenDataset(layout_));
  }

  // Appends `rows` rows of 5 hosts, 1 s apart, continuing from the last call.
  void AppendRows(size_t rows) {
    ASSERT_OK(
        engine_->Append("metrics", MetricsBatch(next_row_, rows, kT0, 1'000'000, 5)).status());
    next_row_ += static_cast<int64_t>(rows);
  }

  // Scans with and without the hint (host by time) and checks the contract; returns the
  // hinted scan's stats.
  types::ScanStats Check(types::ScanSpec spec = {}) {
    spec.field_ids = {1, 2, 3, 4};
    Result<Rows> plain = ScanRows(*engine_, "metrics", spec);
    EXPECT_OK(plain.status());
    spec.latest_per_key = types::ScanSpec::LatestPerKey{2, 1};
    Result<Rows> hinted = ScanRows(*engine_, "metrics", spec);
    EXPECT_OK(hinted.status());
    if (!plain.ok() || !hinted.ok()) return {};
    ExpectLatestSuperset(*plain, *hinted, 1, 0);
    plain_stats_ = plain->stats;
    return hinted->stats;
  }

  TempDir dir_;
  types::DatasetLayout layout_ = MetricsLayout();
  std::unique_ptr<StorageEngine> engine_;
  int64_t next_row_ = 0;
  types::ScanStats plain_stats_;  // Of the last Check's scan without the hint.
};

TEST_F(LatestPerKeyScanTest, ReadsOnlyTheIndexesOfSegmentsAndTheMemtable) {
  for (int flush = 0; flush < 3; ++flush) {
    AppendRows(1000);
    ASSERT_OK(engine_->Flush("metrics"));
  }
  AppendRows(37);  // Newer rows still in the memtable.
  const types::ScanStats stats = Check();
  // 3 segments of 10 chunks: every chunk skipped, each index holds a few rows per chunk.
  EXPECT_EQ(stats.chunks_pruned, 30u);
  EXPECT_LT(stats.rows_scanned, 3u * 10 * 6 + 37);
  ASSERT_OK(engine_->Compact("metrics", 1));
  EXPECT_EQ(Check().chunks_pruned, 30u);
}

TEST_F(LatestPerKeyScanTest, FallsBackToChunksWhereTheIndexCannotAnswer) {
  AppendRows(1000);
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK_AND_ASSIGN(DatasetStats first, engine_->Stats("metrics"));
  AppendRows(1000);
  ASSERT_OK(engine_->Flush("metrics"));

  // A snapshot older than the second segment: that segment is read chunk by chunk.
  types::ScanSpec old;
  old.snapshot_seq = first.last_seq;
  Check(old);

  // An upper time bound could reject a key's latest row: no index at all.
  types::ScanSpec bounded;
  bounded.max_time = kT0 + 1500LL * 1'000'000;
  EXPECT_EQ(Check(bounded).rows_scanned, plain_stats_.rows_scanned);
  // A lower bound on the order field and a predicate on the key keep it.
  types::ScanSpec recent;
  recent.min_time = kT0 + 500LL * 1'000'000;
  recent.predicates = {{2, types::CompareOp::kIn, {std::string("host_1"), std::string("host_3")}}};
  EXPECT_LT(Check(recent).rows_scanned, plain_stats_.rows_scanned);
  // A predicate on another field could reject the latest row: no index.
  types::ScanSpec other;
  other.predicates = {{3, types::CompareOp::kLt, {int64_t{1990}}}};
  EXPECT_EQ(Check(other).rows_scanned, plain_stats_.rows_scanned);

  // A tombstone that deletes each host's newest rows: the segments it reaches are read in full.
  types::Predicate newest{1, types::CompareOp::kGe, {kT0 + 1990LL * 1'000'000}};
  ASSERT_OK(engine_->DeleteWhere("metrics", {newest}).status());
  EXPECT_EQ(Check().rows_scanned, plain_stats_.rows_scanned);
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Compact("metrics", 1));  // Rewritten without them: the index applies again.
  EXPECT_GT(Check().chunks_pruned, 0u);
}

TEST_F(LatestPerKeyScanTest, NullOrderValuesAreReadFromTheChunks) {
  // Ordered by load (NULL every 7th row): NULL counts as greatest, so no index is used.
  ASSERT_OK(engine_->Close());
  engine_.reset();
  ASSERT_OK_AND_ASSIGN(engine_, StorageEngine::Open(TestOptions(dir_.path() + "/nulls")));
  layout_.sort_field_ids = {2, 4};
  ASSERT_OK(engine_->OpenDataset(layout_));
  AppendRows(700);
  ASSERT_OK(engine_->Flush("metrics"));
  types::ScanSpec spec;
  spec.field_ids = {1, 2, 3, 4};
  ASSERT_OK_AND_ASSIGN(Rows plain, ScanRows(*engine_, "metrics", spec));
  spec.latest_per_key = types::ScanSpec::LatestPerKey{2, 4};
  ASSERT_OK_AND_ASSIGN(Rows hinted, ScanRows(*engine_, "metrics", spec));
  ExpectLatestSuperset(plain, hinted, 1, 3);
  EXPECT_EQ(hinted.stats.chunks_pruned, 0u);
}

}  // namespace
}  // namespace strata::storage
