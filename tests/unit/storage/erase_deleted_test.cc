// Erasure of one delete on demand (DatasetStore::GetEraseProgress, EraseDeleted): progress
// counts down to zero, the rows leave storage (not only reads), appends and background
// maintenance may run alongside, and a crash mid-erasure keeps the delete in force.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "storage/env/fault_injection_env.h"
#include "storage_test_util.h"

namespace strata::storage {
namespace {

using testing::MetricsBatch;
using testing::MetricsLayout;
using testing::ScanRows;
using testing::TempDir;
using testing::TestOptions;
using types::CompareOp;
using types::Value;

const types::Predicate kHost0{2, CompareOp::kEq, {std::string("host_0")}};

class EraseDeletedTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    if (engine_ != nullptr) engine_->Close().IgnoreError();
    engine_.reset();
    ASSERT_OK_AND_ASSIGN(engine_, StorageEngine::Open(TestOptions(dir_.path()), &env_));
    ASSERT_OK(engine_->OpenDataset(MetricsLayout()));
  }

  // Rows 0..299 in three flushed segments of one partition, rows 300..349 in memory.
  void Load() {
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK(engine_->Append("metrics", MetricsBatch(i * 100, 100)).status());
      ASSERT_OK(engine_->Flush("metrics"));
    }
    ASSERT_OK(engine_->Append("metrics", MetricsBatch(300, 50)).status());
  }

  // Visible rows whose host is host_0, and all visible rows.
  std::pair<size_t, size_t> Visible() {
    Result<testing::Rows> rows = ScanRows(*engine_, "metrics");
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    if (!rows.ok()) return {0, 0};
    size_t host0 = 0;
    for (const auto& row : rows->rows) host0 += row[1] == Value(std::string("host_0"));
    return {host0, rows->rows.size()};
  }

  uint64_t StoredRows() {
    Result<DatasetStats> stats = engine_->Stats("metrics");
    EXPECT_TRUE(stats.ok());
    return stats.ok() ? stats->rows : 0;
  }

  TempDir dir_;
  FaultInjectionEnv env_{Env::Default()};
  std::unique_ptr<StorageEngine> engine_;
};

TEST_F(EraseDeletedTest, ProgressCountsDownToZeroAndTheRowsLeaveStorage) {
  Load();
  ASSERT_OK_AND_ASSIGN(int64_t seq, engine_->DeleteWhere("metrics", {kHost0}));
  ASSERT_OK_AND_ASSIGN(EraseProgress before, engine_->GetEraseProgress("metrics", seq));
  EXPECT_TRUE(before.unflushed);
  EXPECT_FALSE(before.erased);
  EXPECT_EQ(before.segments_pending, 3u);
  // Hidden at once, still stored.
  EXPECT_EQ(Visible(), std::make_pair(size_t{0}, size_t{350 - 88}));
  EXPECT_EQ(StoredRows(), 350u);

  std::vector<EraseProgress> reports;
  ASSERT_OK_AND_ASSIGN(EraseProgress last,
                       engine_->EraseDeleted("metrics", seq, [&](const EraseProgress& progress) {
                         reports.push_back(progress);
                         return true;
                       }));
  EXPECT_TRUE(last.erased);
  ASSERT_EQ(reports.size(), 4u);  // After the flush, after each of 3 rewrites.
  for (size_t i = 0; i < reports.size(); ++i) {
    EXPECT_FALSE(reports[i].unflushed);
    EXPECT_EQ(reports[i].segments_pending, 3 - i);
  }
  EXPECT_TRUE(reports.back().erased);

  // Physically gone: the stored row count excludes them, and a raw count of the segments'
  // rows (every segment, no tombstone left to hide anything) agrees.
  EXPECT_EQ(StoredRows(), 350u - 88u);
  EXPECT_EQ(Visible(), std::make_pair(size_t{0}, size_t{350 - 88}));
  ASSERT_OK_AND_ASSIGN(EraseProgress after, engine_->GetEraseProgress("metrics", seq));
  EXPECT_TRUE(after.erased);
  EXPECT_EQ(after.segments_pending, 0u);

  // Erased state survives a restart; the delete is gone from the manifest.
  Reopen();
  EXPECT_EQ(StoredRows(), 350u - 88u);
  ASSERT_OK_AND_ASSIGN(after, engine_->GetEraseProgress("metrics", seq));
  EXPECT_TRUE(after.erased);
}

TEST_F(EraseDeletedTest, RowsAppendedAfterTheDeleteStayAndAStoppedErasureContinues) {
  Load();
  ASSERT_OK_AND_ASSIGN(int64_t seq, engine_->DeleteWhere("metrics", {kHost0}));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(350, 10)).status());  // 2 of host_0.
  int calls = 0;
  ASSERT_OK_AND_ASSIGN(EraseProgress stopped,
                       engine_->EraseDeleted("metrics", seq, [&](const EraseProgress&) {
                         return ++calls < 2;  // Stop before the second rewrite.
                       }));
  EXPECT_FALSE(stopped.erased);
  EXPECT_EQ(stopped.segments_pending, 2u);
  ASSERT_OK_AND_ASSIGN(EraseProgress now, engine_->GetEraseProgress("metrics", seq));
  EXPECT_EQ(now.segments_pending, 2u);
  EXPECT_EQ(Visible(), std::make_pair(size_t{2}, size_t{350 - 88 + 10}));

  ASSERT_OK_AND_ASSIGN(EraseProgress done, engine_->EraseDeleted("metrics", seq, {}));
  EXPECT_TRUE(done.erased);
  EXPECT_EQ(Visible(), std::make_pair(size_t{2}, size_t{350 - 88 + 10}));
  EXPECT_EQ(StoredRows(), 350u - 88u + 10u);
}

TEST_F(EraseDeletedTest, UnknownSequenceNumbersAndRowSequenceNumbers) {
  Load();
  EXPECT_EQ(engine_->GetEraseProgress("metrics", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_->GetEraseProgress("metrics", 351).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_->GetEraseProgress("nope", 1).status().code(), StatusCode::kNotFound);
  // A row's seq deletes nothing: nothing to erase.
  ASSERT_OK_AND_ASSIGN(EraseProgress row, engine_->GetEraseProgress("metrics", 5));
  EXPECT_TRUE(row.erased);
  ASSERT_OK_AND_ASSIGN(row, engine_->EraseDeleted("metrics", 5, {}));
  EXPECT_TRUE(row.erased);
  EXPECT_EQ(StoredRows(), 350u);
}

TEST_F(EraseDeletedTest, AppendsFlushesAndCompactionsMayRunAlongside) {
  Load();
  ASSERT_OK_AND_ASSIGN(int64_t seq, engine_->DeleteWhere("metrics", {kHost0}));
  std::atomic<bool> stop{false};
  std::atomic<int64_t> appended{0};
  std::thread writer([&] {
    for (int64_t row = 1000; !stop.load(); row += 8) {
      if (!engine_->Append("metrics", MetricsBatch(row, 8)).ok()) return;
      appended += 8;
    }
  });
  std::thread maintenance([&] {
    while (!stop.load()) {
      engine_->Flush("metrics").IgnoreError();
      engine_->Compact("metrics", 2).IgnoreError();
    }
  });
  Result<EraseProgress> done = engine_->EraseDeleted("metrics", seq, {});
  // Let the writer and background steps go on after the erasure, too.
  while (appended.load() < 400) std::this_thread::yield();
  stop = true;
  writer.join();
  maintenance.join();
  ASSERT_OK(done.status());
  EXPECT_TRUE(done->erased);
  ASSERT_OK_AND_ASSIGN(EraseProgress after, engine_->GetEraseProgress("metrics", seq));
  EXPECT_TRUE(after.erased);
  // Every row appended after the delete is there, host_0 ones included (a quarter of them).
  const auto [host0, total] = Visible();
  EXPECT_EQ(total, static_cast<size_t>(350 - 88 + appended.load()));
  EXPECT_EQ(host0, static_cast<size_t>(appended.load() / 4));
  ASSERT_OK(engine_->Flush("metrics"));
  EXPECT_EQ(StoredRows(), static_cast<uint64_t>(350 - 88 + appended.load()));
}

TEST_F(EraseDeletedTest, ACrashBeforeOrDuringErasureKeepsTheDeleteInForce) {
  Load();
  ASSERT_OK_AND_ASSIGN(int64_t seq, engine_->DeleteWhere("metrics", {kHost0}));
  // Crash before any flush: the delete is only in the WAL, and recovery restores it.
  Reopen();
  ASSERT_OK_AND_ASSIGN(EraseProgress recovered, engine_->GetEraseProgress("metrics", seq));
  EXPECT_TRUE(recovered.unflushed);
  EXPECT_EQ(recovered.segments_pending, 3u);
  EXPECT_EQ(Visible(), std::make_pair(size_t{0}, size_t{350 - 88}));

  // Crash after one rewrite: the next manifest edit fails (as if the process died there).
  int reports = 0;
  Result<EraseProgress> failed = engine_->EraseDeleted("metrics", seq, [&](const EraseProgress&) {
    if (++reports == 2) {
      env_.SetFaultFilter("MANIFEST");
      env_.SetWriteFault(FaultInjectionEnv::Fault::kIoError);
    }
    return true;
  });
  EXPECT_FALSE(failed.ok());
  env_.SetWriteFault(FaultInjectionEnv::Fault::kNone);
  env_.SetFaultFilter("");
  Reopen();
  ASSERT_OK_AND_ASSIGN(EraseProgress midway, engine_->GetEraseProgress("metrics", seq));
  EXPECT_FALSE(midway.erased);
  EXPECT_FALSE(midway.unflushed);
  EXPECT_EQ(midway.segments_pending, 2u);
  EXPECT_EQ(Visible(), std::make_pair(size_t{0}, size_t{350 - 88}));

  ASSERT_OK_AND_ASSIGN(EraseProgress done, engine_->EraseDeleted("metrics", seq, {}));
  EXPECT_TRUE(done.erased);
  EXPECT_EQ(Visible(), std::make_pair(size_t{0}, size_t{350 - 88}));
  EXPECT_EQ(StoredRows(), 350u - 88u);
}

}  // namespace
}  // namespace strata::storage
