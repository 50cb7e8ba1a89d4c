#include "audit/audit_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "audit_test_util.h"
#include "common/json.h"
#include "storage/env/fault_injection_env.h"
#include "test_util.h"

namespace strata::audit {
namespace {

using ::testing::HasSubstr;
using namespace testing;  // NOLINT: the helpers of audit_test_util.h

class AuditLogTest : public ::testing::Test {
 protected:
  AuditLogOptions Options() const {
    AuditLogOptions options;
    options.dir = dir_.path();
    return options;
  }

  std::unique_ptr<AuditLog> Open(AuditLogOptions options) {
    Result<std::unique_ptr<AuditLog>> log = AuditLog::Open(std::move(options), TestPrivateKey());
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }

  VerifyReport VerifyOffline(const std::string& dir) {
    VerifyOptions options;
    options.public_key = TestPublicKey();
    Result<VerifyReport> report = VerifyAuditLog(storage::Env::Default(), dir, options);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : VerifyReport();
  }

  // Every entry, oldest first, parsed.
  std::vector<AuditEntry> AllEntries(const AuditLog& log) {
    std::vector<AuditEntry> entries;
    AuditQuery query;
    query.ascending = true;
    query.limit = 1000;
    for (;;) {
      Result<AuditPage> page = log.List(query);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      for (const std::string& line : page->entries) {
        Result<AuditLine> parsed = ParseAuditLine(line);
        EXPECT_TRUE(parsed.ok());
        if (parsed.ok()) entries.push_back(std::get<AuditEntry>(*parsed));
      }
      if (!page->next) break;
      query.after = *page->next;
    }
    return entries;
  }

  TempDir dir_;
};

TEST_F(AuditLogTest, AppendsAChainThatVerifiesAndContinuesAfterReopening) {
  {
    std::unique_ptr<AuditLog> log = Open(Options());
    ASSERT_NE(log, nullptr);
    for (int n = 1; n <= 10; ++n) ASSERT_OK(log->Append(NumberedEvent(n)));
    ASSERT_OK_AND_ASSIGN(VerifyReport report, log->Verify());
    EXPECT_TRUE(report.ok) << report.reason;
    EXPECT_EQ(report.entries, 10u);
    ASSERT_OK(log->Close());
    EXPECT_FALSE(log->Append(NumberedEvent(11)).ok());  // Closed.
  }
  EXPECT_EQ(ReadWholeFile(dir_.Sub("signing.pub")), EncodePublicKeyFile(TestPublicKey()));
  std::unique_ptr<AuditLog> log = Open(Options());
  ASSERT_NE(log, nullptr);
  ASSERT_OK(log->Append(NumberedEvent(11)));
  const std::vector<AuditEntry> entries = AllEntries(*log);
  ASSERT_EQ(entries.size(), 11u);
  for (size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(entries[i].seq, i + 1);
  EXPECT_EQ(entries[10].event.request_id, "req-11");
  EXPECT_EQ(entries[10].prev_hash, entries[9].hash);
  ASSERT_OK(log->Close());
  const VerifyReport report = VerifyOffline(dir_.path());
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.head->seq, 11u);  // Close() signed the end of the log.
}

TEST_F(AuditLogTest, ConcurrentAppendsShareFsyncsAndStayGapFree) {
  storage::FaultInjectionEnv env(storage::Env::Default());
  AuditLogOptions options = Options();
  options.env = &env;
  std::unique_ptr<AuditLog> log = Open(options);
  ASSERT_NE(log, nullptr);
  const int64_t syncs_at_open = env.sync_count();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 150;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!log->Append(NumberedEvent(t * 1000 + i, "key:t" + std::to_string(t))).ok()) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  // Group commit: appends that arrive during a write share the next fsync.
  EXPECT_LT(env.sync_count() - syncs_at_open, kThreads * kPerThread);
  const std::vector<AuditEntry> entries = AllEntries(*log);
  ASSERT_EQ(entries.size(), static_cast<size_t>(kThreads * kPerThread));
  std::set<std::string> request_ids;
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].seq, i + 1);
    if (i > 0) {
      EXPECT_GE(entries[i].time_micros, entries[i - 1].time_micros);
    }
    request_ids.insert(entries[i].event.request_id + "/" + entries[i].event.principal);
  }
  EXPECT_EQ(request_ids.size(), entries.size());  // Each append exactly once.
  ASSERT_OK(log->Close());
  EXPECT_TRUE(VerifyOffline(dir_.path()).ok);
}

TEST_F(AuditLogTest, CheckpointsEveryNEntriesAndAtClose) {
  AuditLogOptions options = Options();
  options.checkpoint_entries = 4;
  std::unique_ptr<AuditLog> log = Open(options);
  ASSERT_NE(log, nullptr);
  for (int n = 1; n <= 10; ++n) ASSERT_OK(log->Append(NumberedEvent(n)));
  ASSERT_OK_AND_ASSIGN(VerifyReport before, log->Verify());
  EXPECT_EQ(before.checkpoints, 2u);  // After entries 4 and 8.
  EXPECT_EQ(before.head->seq, 8u);
  ASSERT_OK(log->Close());
  const VerifyReport after = VerifyOffline(dir_.path());
  EXPECT_EQ(after.checkpoints, 3u);
  EXPECT_EQ(after.head->seq, 10u);
}

TEST_F(AuditLogTest, CheckpointsAfterTheIntervalWhenIdle) {
  AuditLogOptions options = Options();
  options.checkpoint_interval_ms = 50;
  std::unique_ptr<AuditLog> log = Open(options);
  ASSERT_NE(log, nullptr);
  ASSERT_OK(log->Append(NumberedEvent(1)));
  for (int attempt = 0; attempt < 200; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_OK_AND_ASSIGN(VerifyReport report, log->Verify());
    if (report.head && report.head->seq == 1) return;
  }
  FAIL() << "no checkpoint of entry 1 within 2 s";
}

TEST_F(AuditLogTest, RotatesSegmentsAndEachEndsSigned) {
  AuditLogOptions options = Options();
  options.segment_bytes = 4096;
  std::unique_ptr<AuditLog> log = Open(options);
  ASSERT_NE(log, nullptr);
  for (int n = 1; n <= 60; ++n) ASSERT_OK(log->Append(NumberedEvent(n)));
  const std::vector<std::string> segments = Segments(dir_.path());
  ASSERT_GE(segments.size(), 3u);
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    const std::vector<std::string> lines = SplitLines(ReadWholeFile(dir_.Sub(segments[i])));
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.back().rfind("{\"checkpoint\":", 0), 0u) << segments[i];
  }
  EXPECT_EQ(AllEntries(*log).size(), 60u);
  ASSERT_OK(log->Close());
  log = Open(options);
  ASSERT_NE(log, nullptr);
  ASSERT_OK(log->Append(NumberedEvent(61)));
  EXPECT_EQ(AllEntries(*log).size(), 61u);
  ASSERT_OK(log->Close());
  EXPECT_TRUE(VerifyOffline(dir_.path()).ok);
}

TEST_F(AuditLogTest, TornTailIsTruncatedAndRecorded) {
  {
    std::unique_ptr<AuditLog> log = Open(Options());
    ASSERT_NE(log, nullptr);
    for (int n = 1; n <= 3; ++n) ASSERT_OK(log->Append(NumberedEvent(n)));
  }
  const std::string segment = dir_.Sub(Segments(dir_.path()).back());
  const std::string intact = ReadWholeFile(segment);
  WriteWholeFile(segment, intact + "{\"seq\":4,\"time\":\"2024-");  // A crash mid-write.
  EXPECT_FALSE(VerifyOffline(dir_.path()).ok);

  std::unique_ptr<AuditLog> log = Open(Options());
  ASSERT_NE(log, nullptr);
  const std::vector<AuditEntry> entries = AllEntries(*log);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[3].event.action, "audit.tail_truncated");
  EXPECT_EQ(entries[3].event.principal, "system");
  EXPECT_EQ(entries[3].event.details.Find("dropped_bytes")->int64_value(), 22);
  ASSERT_OK_AND_ASSIGN(VerifyReport report, log->Verify());
  EXPECT_TRUE(report.ok) << report.reason;
}

TEST_F(AuditLogTest, DamagedLogRefusesToOpenInStrictMode) {
  {
    std::unique_ptr<AuditLog> log = Open(Options());
    ASSERT_NE(log, nullptr);
    for (int n = 1; n <= 5; ++n) ASSERT_OK(log->Append(NumberedEvent(n)));
  }
  const std::string segment = dir_.Sub(Segments(dir_.path()).back());
  std::vector<std::string> lines = SplitLines(ReadWholeFile(segment));
  lines[2].replace(lines[2].find("key:tester"), 10, "key:intrud");
  WriteWholeFile(segment, JoinLines(lines));

  Result<std::unique_ptr<AuditLog>> refused = AuditLog::Open(Options(), TestPrivateKey());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kCorruption);
  EXPECT_THAT(refused.status().message(), HasSubstr("damaged at entry 3"));
  EXPECT_THAT(refused.status().message(), HasSubstr("audit.recovery=restart"));
  EXPECT_EQ(ReadWholeFile(segment), JoinLines(lines));  // Nothing was changed.
}

TEST_F(AuditLogTest, RestartRecoveryMovesTheDamagedLogAsideAndRecordsWhy) {
  {
    std::unique_ptr<AuditLog> log = Open(Options());
    ASSERT_NE(log, nullptr);
    for (int n = 1; n <= 5; ++n) ASSERT_OK(log->Append(NumberedEvent(n)));
  }
  const std::string segment = dir_.Sub(Segments(dir_.path()).back());
  std::vector<std::string> lines = SplitLines(ReadWholeFile(segment));
  lines.erase(lines.begin() + 3);  // Entry 4.
  WriteWholeFile(segment, JoinLines(lines));

  AuditLogOptions options = Options();
  options.recovery = AuditRecovery::kRestart;
  std::unique_ptr<AuditLog> log = Open(options);
  ASSERT_NE(log, nullptr);
  const std::vector<AuditEntry> entries = AllEntries(*log);
  ASSERT_EQ(entries.size(), 1u);
  const AuditEntry& restarted = entries[0];
  EXPECT_EQ(restarted.seq, 1u);
  EXPECT_EQ(restarted.event.action, "audit.chain_restarted");
  EXPECT_EQ(restarted.event.details.Find("first_broken_seq")->int64_value(), 4);
  EXPECT_EQ(restarted.event.details.Find("last_intact_seq")->int64_value(), 3);
  const std::string moved = restarted.event.details.Find("moved_to")->string_value();
  ASSERT_EQ(moved.rfind("broken-", 0), 0u);
  const VerifyReport old = VerifyOffline(dir_.Sub(moved));
  EXPECT_FALSE(old.ok);
  EXPECT_EQ(old.first_broken_seq, 4u);
  ASSERT_OK_AND_ASSIGN(VerifyReport report, log->Verify());
  EXPECT_TRUE(report.ok) << report.reason;
  ASSERT_TRUE(report.previous_chain.has_value());
  EXPECT_EQ(report.previous_chain->Find("first_broken_seq")->int64_value(), 4);
}

TEST_F(AuditLogTest, RemovedLogIsDamageWhenOneWasExpected) {
  AuditLogOptions options = Options();
  options.expect_existing = true;
  Result<std::unique_ptr<AuditLog>> refused = AuditLog::Open(options, TestPrivateKey());
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("missing"));
  options.recovery = AuditRecovery::kRestart;
  std::unique_ptr<AuditLog> log = Open(options);
  ASSERT_NE(log, nullptr);
  const std::vector<AuditEntry> entries = AllEntries(*log);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].event.action, "audit.chain_restarted");
}

TEST_F(AuditLogTest, FailsClosedAfterAFailedFsync) {
  storage::FaultInjectionEnv env(storage::Env::Default());
  AuditLogOptions options = Options();
  options.env = &env;
  std::unique_ptr<AuditLog> log = Open(options);
  ASSERT_NE(log, nullptr);
  ASSERT_OK(log->Append(NumberedEvent(1)));
  env.SetSyncFault(true);
  const Status failed = log->Append(NumberedEvent(2));
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable);
  EXPECT_EQ(failed.problem_code(), "audit_unavailable");
  EXPECT_FALSE(log->Health().ok());
  env.SetSyncFault(false);
  // The kernel may have dropped the unsynced pages: no retry, until a restart.
  EXPECT_EQ(log->Append(NumberedEvent(3)).problem_code(), "audit_unavailable");
  EXPECT_FALSE(log->Close().ok());
  log.reset();
  log = Open(Options());
  ASSERT_NE(log, nullptr);
  EXPECT_OK(log->Health());
  ASSERT_OK(log->Append(NumberedEvent(4)));
}

TEST_F(AuditLogTest, ListsWithFiltersNewestFirstAndPages) {
  std::unique_ptr<AuditLog> log = Open(Options());
  ASSERT_NE(log, nullptr);
  for (int n = 1; n <= 30; ++n) {
    ASSERT_OK(log->Append(NumberedEvent(n, n <= 10 ? "key:a" : "key:b")));
  }
  auto seqs = [](const AuditPage& page) {
    std::vector<uint64_t> out;
    for (const std::string& line : page.entries) {
      out.push_back(std::get<AuditEntry>(*ParseAuditLine(line)).seq);
    }
    return out;
  };
  AuditQuery query;
  query.limit = 3;
  ASSERT_OK_AND_ASSIGN(AuditPage newest, log->List(query));
  EXPECT_EQ(seqs(newest), (std::vector<uint64_t>{30, 29, 28}));
  ASSERT_TRUE(newest.next.has_value());
  query.after = *newest.next;
  ASSERT_OK_AND_ASSIGN(AuditPage second, log->List(query));
  EXPECT_EQ(seqs(second), (std::vector<uint64_t>{27, 26, 25}));

  AuditQuery filtered;
  filtered.principal = "key:a";
  filtered.dataset = "cpu";  // n % 3 == 0
  filtered.limit = 100;
  ASSERT_OK_AND_ASSIGN(AuditPage by_principal, log->List(filtered));
  EXPECT_EQ(seqs(by_principal), (std::vector<uint64_t>{9, 6, 3}));
  EXPECT_FALSE(by_principal.next.has_value());

  AuditQuery by_action;
  by_action.action = "datasets.*";
  by_action.ascending = true;
  by_action.limit = 2;
  ASSERT_OK_AND_ASSIGN(AuditPage first_creates, log->List(by_action));
  EXPECT_EQ(seqs(first_creates), (std::vector<uint64_t>{2, 4}));
  by_action.action = "data.read";
  ASSERT_OK_AND_ASSIGN(AuditPage first_reads, log->List(by_action));
  EXPECT_EQ(seqs(first_reads), (std::vector<uint64_t>{1, 3}));

  // Times: entries 11.. and later.
  const std::vector<AuditEntry> entries = AllEntries(*log);
  AuditQuery by_time;
  by_time.ascending = true;
  by_time.since_micros = entries[10].time_micros;
  by_time.until_micros = entries[12].time_micros + 1;
  by_time.limit = 100;
  ASSERT_OK_AND_ASSIGN(AuditPage window, log->List(by_time));
  ASSERT_FALSE(window.entries.empty());
  for (uint64_t seq : seqs(window)) {
    EXPECT_GE(entries[seq - 1].time_micros, *by_time.since_micros);
    EXPECT_LT(entries[seq - 1].time_micros, *by_time.until_micros);
  }

  // A bounded scan: a page may end early with a cursor, and following it finds the rest.
  AuditQuery sparse;
  sparse.principal = "key:a";
  sparse.scan_budget = 7;
  sparse.limit = 100;
  std::vector<uint64_t> found;
  for (int pages = 0; pages < 20; ++pages) {
    ASSERT_OK_AND_ASSIGN(AuditPage page, log->List(sparse));
    for (uint64_t seq : seqs(page)) found.push_back(seq);
    if (!page.next) break;
    sparse.after = *page.next;
  }
  EXPECT_EQ(found, (std::vector<uint64_t>{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}));
}

}  // namespace
}  // namespace strata::audit
