// Failed writes and syncs, full disks, damaged files and interrupted manifest edits: the
// engine never acknowledges what is not durable, never returns wrong rows, and recovers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/env/fault_injection_env.h"
#include "storage_test_util.h"

namespace strata::storage {
namespace {

using testing::MetricsBatch;
using testing::MetricsLayout;
using testing::ScanRows;
using testing::TempDir;
using testing::TestOptions;

class StorageFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen(StorageOptions options) {
    if (engine_ != nullptr) engine_->Close().IgnoreError();
    engine_.reset();
    ASSERT_OK_AND_ASSIGN(engine_, StorageEngine::Open(options, &env_));
    open_status_ = engine_->OpenDataset(MetricsLayout());
  }
  void Reopen() {
    Reopen(TestOptions(dir_.path()));
    ASSERT_OK(open_status_);
  }

  std::string DatasetDir() const { return dir_.path() + "/datasets/metrics"; }
  std::vector<std::string> Files(std::string_view prefix) const {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(DatasetDir())) {
      if (entry.path().filename().string().starts_with(prefix)) out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  static void FlipByte(const std::string& path, uint64_t offset) {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    file.read(&c, 1);
    c = static_cast<char>(c ^ 0x40);
    file.seekp(static_cast<std::streamoff>(offset));
    file.write(&c, 1);
  }

  TempDir dir_;
  FaultInjectionEnv env_{Env::Default()};
  std::unique_ptr<StorageEngine> engine_;
  Status open_status_;
};

TEST_F(StorageFaultsTest, FailedSyncIsNeverAckedAndStopsWritesUntilReopen) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 10)).status());
  env_.SetSyncFault(true);
  Result<AppendResult> failed = engine_->Append("metrics", MetricsBatch(10, 10));
  EXPECT_EQ(failed.status().code(), StatusCode::kIoError);
  env_.SetSyncFault(false);
  // The file's state after a failed fsync is unknown: no more writes until recovery.
  Result<AppendResult> refused = engine_->Append("metrics", MetricsBatch(20, 10));
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("failed earlier"), std::string_view::npos)
      << refused.status().ToString();
  Reopen();
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics"));
  // The acked rows are there once; the unacked batch may or may not be (it reached the file).
  ASSERT_GE(rows.rows.size(), 10u);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(rows.rows[i][2], types::Value(int64_t(i)));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(30, 1)).status());
}

TEST_F(StorageFaultsTest, DiskFullIsInsufficientStorageAndWritesResumeAfterwards) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 10)).status());
  env_.SetWriteFault(FaultInjectionEnv::Fault::kNoSpace);
  Result<AppendResult> full = engine_->Append("metrics", MetricsBatch(10, 10));
  EXPECT_EQ(full.status().code(), StatusCode::kInsufficientStorage);
  // A flush cannot write segments either; the rows stay in the memtable and WAL.
  EXPECT_EQ(engine_->Flush("metrics").code(), StatusCode::kInsufficientStorage);
  env_.SetWriteFault(FaultInjectionEnv::Fault::kNone);
  // The failed write left no partial record behind: writing resumes in place.
  ASSERT_OK_AND_ASSIGN(AppendResult next, engine_->Append("metrics", MetricsBatch(20, 10)));
  EXPECT_EQ(next.last_seq - next.first_seq, 9);
  ASSERT_OK(engine_->Flush("metrics"));
  Reopen();
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics"));
  ASSERT_EQ(rows.rows.size(), 20u);
  EXPECT_EQ(rows.rows[10][2], types::Value(int64_t{20}));
}

TEST_F(StorageFaultsTest, TornWalTailIsTruncated) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 10)).status());
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(10, 10)).status());
  ASSERT_OK(engine_->Close());
  engine_.reset();
  const std::string wal = Files("wal-").back();
  std::filesystem::resize_file(wal, std::filesystem::file_size(wal) - 7);
  Reopen();
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics"));
  EXPECT_EQ(rows.rows.size(), 10u);
  ASSERT_OK_AND_ASSIGN(AppendResult next, engine_->Append("metrics", MetricsBatch(10, 1)));
  EXPECT_EQ(next.first_seq, 11);  // The torn record was never acked; its seqs are free.
}

TEST_F(StorageFaultsTest, DamageBeforeTheWalTailStopsTheDatasetWithGuidance) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 10)).status());
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(10, 10)).status());
  ASSERT_OK(engine_->Close());
  engine_.reset();
  FlipByte(Files("wal-").back(), 20);
  Reopen(TestOptions(dir_.path()));
  EXPECT_EQ(open_status_.code(), StatusCode::kCorruption);
  EXPECT_NE(open_status_.message().find("storage.wal_recovery"), std::string_view::npos)
      << open_status_.ToString();
  StorageOptions truncate = TestOptions(dir_.path());
  truncate.wal_recovery = WalRecovery::kTruncate;
  Reopen(truncate);
  ASSERT_OK(open_status_);
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics"));
  EXPECT_EQ(rows.rows.size(), 0u);  // Everything from the damaged record on is dropped.
}

TEST_F(StorageFaultsTest, DamagedSegmentIsCorruptionNamingTheFileNeverWrongRows) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 300)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  const std::string segment = Files("seg-").front();
  FlipByte(segment, 100);  // Inside the first data block.
  Result<testing::Rows> rows = ScanRows(*engine_, "metrics");
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), StatusCode::kCorruption);
  EXPECT_NE(rows.status().message().find(segment), std::string_view::npos)
      << rows.status().ToString();
  // A damaged footer fails at open, naming the file.
  FlipByte(segment, std::filesystem::file_size(segment) - 20);
  Reopen(TestOptions(dir_.path()));
  EXPECT_EQ(open_status_.code(), StatusCode::kCorruption);
  EXPECT_NE(open_status_.message().find(segment), std::string_view::npos);
}

// Crash points of a flush: a segment written but not yet in the manifest, and a manifest
// replacement that stopped before its rename. The old state wins and nothing is doubled.
TEST_F(StorageFaultsTest, InterruptedManifestEditsLeaveTheOldStateAndNoDuplicates) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 50)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(50, 50)).status());
  ASSERT_OK(engine_->Close());
  engine_.reset();
  // An orphan segment (as if the crash came between writing it and the manifest) holding a
  // copy of the first segment, and a half-written manifest replacement.
  const std::string orphan = DatasetDir() + "/seg-000000000099.seg";
  std::filesystem::copy_file(Files("seg-").front(), orphan);
  std::ofstream(DatasetDir() + "/MANIFEST.tmp") << "partial";
  Reopen();
  EXPECT_FALSE(std::filesystem::exists(orphan));
  EXPECT_FALSE(std::filesystem::exists(DatasetDir() + "/MANIFEST.tmp"));
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics"));
  ASSERT_EQ(rows.rows.size(), 100u);
  for (size_t i = 0; i < rows.seqs.size(); ++i)
    EXPECT_EQ(rows.seqs[i], static_cast<int64_t>(i) + 1);
}

TEST_F(StorageFaultsTest, DamagedManifestStopsTheDataset) {
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 50)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Close());
  engine_.reset();
  FlipByte(DatasetDir() + "/MANIFEST", 20);
  Reopen(TestOptions(dir_.path()));
  EXPECT_EQ(open_status_.code(), StatusCode::kCorruption);
  EXPECT_NE(open_status_.message().find("MANIFEST"), std::string_view::npos);
}

TEST_F(StorageFaultsTest, AppendsStallThenFailWhenFlushingFallsBehind) {
  StorageOptions options = TestOptions(dir_.path());
  options.max_unflushed_bytes = 16 << 10;
  options.write_stall_timeout_ms = 50;  // Manual maintenance: nothing flushes by itself.
  Reopen(options);
  ASSERT_OK(open_status_);
  Status overloaded;
  for (int i = 0; i < 100 && overloaded.ok(); ++i) {
    overloaded = engine_->Append("metrics", MetricsBatch(i * 100, 100)).status();
  }
  ASSERT_EQ(overloaded.code(), StatusCode::kUnavailable);
  EXPECT_EQ(overloaded.problem_code(), "overloaded");
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Append("metrics", MetricsBatch(0, 1)).status());
}

TEST_F(StorageFaultsTest, StalledAppendsProceedOnceTheBackgroundFlushCatchesUp) {
  StorageOptions options = TestOptions(dir_.path());
  options.manual_maintenance = false;
  options.maintenance_interval_ms = 60'000;  // Only a stalled append wakes the flush.
  options.max_unflushed_bytes = 16 << 10;
  Reopen(options);
  ASSERT_OK(open_status_);
  for (int i = 0; i < 50; ++i) {
    ASSERT_OK(engine_->Append("metrics", MetricsBatch(i * 100, 100)).status());
  }
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics"));
  EXPECT_EQ(rows.rows.size(), 5000u);
}

}  // namespace
}  // namespace strata::storage
