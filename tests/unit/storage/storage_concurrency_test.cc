// Readers running during appends, flushes and compactions see consistent snapshots: every
// scan returns exactly the rows with seq 1..snapshot_seq, each once. Also run under TSan
// (`make tsan`).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "storage_test_util.h"

namespace strata::storage {
namespace {

using testing::MetricsBatch;
using testing::MetricsLayout;
using testing::TempDir;
using testing::TestOptions;

TEST(StorageConcurrencyTest, SnapshotsStayConsistentDuringFlushAndCompaction) {
  TempDir dir;
  StorageOptions options = TestOptions(dir.path());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StorageEngine> engine, StorageEngine::Open(options));
  ASSERT_OK(engine->OpenDataset(MetricsLayout()));

  constexpr int kWriters = 2;
  constexpr int kBatchesPerWriter = 60;
  std::atomic<bool> writers_done{false};
  std::atomic<int> scans{0};
  std::atomic<int> failures{0};

  std::vector<std::thread> threads;
  for (int writer = 0; writer < kWriters; ++writer) {
    threads.emplace_back([&, writer] {
      for (int i = 0; i < kBatchesPerWriter; ++i) {
        const int64_t first = (writer * kBatchesPerWriter + i) * 20;
        if (!engine->Append("metrics", MetricsBatch(first, 1 + i % 20)).ok()) ++failures;
      }
    });
  }
  threads.emplace_back([&] {  // Maintenance: flush and compact continuously.
    while (!writers_done.load()) {
      if (!engine->Flush("metrics").ok()) ++failures;
      if (!engine->Compact("metrics", 2).ok()) ++failures;
    }
  });
  for (int reader = 0; reader < 2; ++reader) {
    threads.emplace_back([&, reader] {
      while (!writers_done.load() || scans.load() < 10) {
        types::ScanSpec spec;
        spec.parallelism = 1 + reader;
        spec.field_ids = {3};
        Result<testing::Rows> rows = testing::ScanRows(*engine, "metrics", spec);
        if (!rows.ok()) {
          ++failures;
          continue;
        }
        const testing::Rows& r = rows.value();
        bool ok = static_cast<int64_t>(r.seqs.size()) == r.stats.snapshot_seq;
        for (size_t i = 0; ok && i < r.seqs.size(); ++i)
          ok = r.seqs[i] == static_cast<int64_t>(i) + 1;
        if (!ok) ++failures;
        ++scans;
      }
    });
  }
  for (int writer = 0; writer < kWriters; ++writer) threads[writer].join();
  writers_done = true;
  for (size_t i = kWriters; i < threads.size(); ++i) threads[i].join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(scans.load(), 10);

  ASSERT_OK_AND_ASSIGN(testing::Rows rows, testing::ScanRows(*engine, "metrics"));
  int64_t expected = 0;
  for (int i = 0; i < kBatchesPerWriter; ++i) expected += kWriters * (1 + i % 20);
  EXPECT_EQ(static_cast<int64_t>(rows.rows.size()), expected);
}

TEST(StorageConcurrencyTest, ConcurrentAppendsShareFsyncsAndGetDisjointSeqs) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StorageEngine> engine,
                       StorageEngine::Open(TestOptions(dir.path())));
  ASSERT_OK(engine->OpenDataset(MetricsLayout()));
  std::mutex mu;
  std::vector<AppendResult> results;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        Result<AppendResult> result = engine->Append("metrics", MetricsBatch(t * 1000 + i * 3, 3));
        ASSERT_TRUE(result.ok());
        std::lock_guard lock(mu);
        results.push_back(result.value());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::sort(results.begin(), results.end(),
            [](const AppendResult& a, const AppendResult& b) { return a.first_seq < b.first_seq; });
  ASSERT_EQ(results.size(), 100u);
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].first_seq, static_cast<int64_t>(i) * 3 + 1);
    EXPECT_EQ(results[i].last_seq, static_cast<int64_t>(i) * 3 + 3);
  }
}

}  // namespace
}  // namespace strata::storage
