// Crash recovery: "acked means durable, and nothing acked is ever lost or duplicated".
//
// Each cycle runs tests/crash/crash_child.cc (storage_crash_child) on one data directory,
// reads the ids it acknowledges, SIGKILLs it after a random 20-400 ms (its tiny thresholds
// keep flushes, compactions and WAL rotations running, so kills land inside them), then
// recovers the directory itself and scans every row. After each cycle:
//   1. no id is stored twice;
//   2. every id of every ACK line read so far (in any cycle) is stored;
//   3. every append of this cycle (TRY line) is stored entirely or not at all;
//   4. every id stored at the previous check is still stored (a recovered row never
//      vanishes), and every new id comes from an append of this cycle.
// Environment: STRATA_CRASH_CYCLES (default 12), STRATA_CRASH_SEED (default 1),
// STRATA_CRASH_CYCLES_PER_DIR (default 25: then the data directory starts over), and
// STRATA_CRASH_KEEP_BEFORE_RECOVERY=1 to copy the directory as each kill left it.
// A failing cycle is reported (the first three in full, their data directories copied next
// to the test's temporary directory); the run then goes on from what is stored, so a long
// run counts every failing cycle and every lost acked row once.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "crash_workload.h"
#include "storage/engine/storage_engine.h"
#include "storage_test_util.h"

namespace strata::storage {
namespace {

using crash::CrashLayout;
using crash::kDatasetId;
using crash::kIdField;
using testing::TempDir;

using Clock = std::chrono::steady_clock;

struct IdRange {
  int64_t first = 0;
  int64_t last = 0;
  int64_t rows() const { return last - first + 1; }
};

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::strtoll(text, nullptr, 10) : fallback;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What one child printed, in complete lines only, and how it ended.
struct ChildRun {
  std::vector<IdRange> tried;
  std::vector<IdRange> acked;
  std::string failure;  // Non-empty: the child died by itself or broke the protocol.
  std::string stderr_text;
};

// Splits the child's stdout into lines; a trailing partial line is never parsed.
class LineParser {
 public:
  void Feed(const char* data, size_t size, ChildRun* run) {
    pending_.append(data, size);
    size_t start = 0;
    for (size_t end; (end = pending_.find('\n', start)) != std::string::npos; start = end + 1) {
      Parse(pending_.substr(start, end - start), run);
    }
    pending_.erase(0, start);
  }

 private:
  static void Parse(const std::string& line, ChildRun* run) {
    std::istringstream in(line);
    std::string tag;
    IdRange range;
    in >> tag;
    if ((tag == "TRY" || tag == "ACK") && (in >> range.first >> range.last) &&
        range.first <= range.last) {
      (tag == "TRY" ? run->tried : run->acked).push_back(range);
    } else if (run->failure.empty()) {
      run->failure = "child printed: " + line;
    }
  }

  std::string pending_;
};

// Runs the child on data_dir, kills it with SIGKILL after delay_ms and returns what it
// acknowledged. Bounded: polls with timeouts, and the child dies with this process.
ChildRun RunChild(const std::string& data_dir, uint64_t seed, int delay_ms,
                  const std::string& stderr_path) {
  ChildRun run;
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    run.failure = "pipe2 failed";
    return run;
  }
  const int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const std::string seed_text = std::to_string(seed);
  const pid_t pid = fork();
  if (pid == 0) {  // Only async-signal-safe calls from here to exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out[1], STDOUT_FILENO);
    if (err >= 0) dup2(err, STDERR_FILENO);
    execl(STRATA_CRASH_CHILD, "storage_crash_child", data_dir.c_str(), seed_text.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  if (err >= 0) close(err);
  if (pid < 0) {
    close(out[0]);
    run.failure = "fork failed";
    return run;
  }
  fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);

  LineParser parser;
  char buffer[4096];
  bool eof = false;
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(delay_ms);
  for (Clock::time_point now; !eof && (now = Clock::now()) < deadline;) {
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    pollfd poll_fd{out[0], POLLIN, 0};
    if (poll(&poll_fd, 1, static_cast<int>(wait.count()) + 1) <= 0) continue;
    const ssize_t n = read(out[0], buffer, sizeof(buffer));
    if (n > 0) parser.Feed(buffer, static_cast<size_t>(n), &run);
    eof = n == 0;  // The child closed stdout: it is exiting on its own.
  }
  kill(pid, SIGKILL);
  int wait_status = 0;
  waitpid(pid, &wait_status, 0);
  // Every writer is gone: read what the child printed before it died, up to EOF.
  for (int reads = 0; reads < 1 << 20; ++reads) {
    const ssize_t n = read(out[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    parser.Feed(buffer, static_cast<size_t>(n), &run);
  }
  close(out[0]);
  run.stderr_text = ReadWholeFile(stderr_path);
  if (!WIFSIGNALED(wait_status) || WTERMSIG(wait_status) != SIGKILL) {
    run.failure =
        "child ended by itself (" +
        (WIFEXITED(wait_status) ? "exit status " + std::to_string(WEXITSTATUS(wait_status))
                                : "signal " + std::to_string(WTERMSIG(wait_status))) +
        ")" + (run.failure.empty() ? "" : "; " + run.failure);
  }
  return run;
}

// Sorted ids of every stored row, after recovering data_dir the way a restart would.
void RecoverAndScan(const std::string& data_dir, std::vector<int64_t>* ids) {
  StorageOptions options;
  options.data_dir = data_dir;
  options.manual_maintenance = true;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StorageEngine> engine, StorageEngine::Open(options));
  ASSERT_OK(engine->OpenDataset(CrashLayout()));
  types::ScanSpec spec;
  spec.field_ids = {kIdField};
  ids->clear();
  ASSERT_OK(engine
                ->Scan(kDatasetId, spec,
                       [&](types::Batch& batch) {
                         const types::IntBuffer& column = batch.columns[0].ints();
                         ids->insert(ids->end(), column.begin(), column.begin() + batch.num_rows);
                         return true;
                       })
                .status());
  ASSERT_OK(engine->Close());
  std::sort(ids->begin(), ids->end());
}

// Stored ids within `range` of the sorted `ids`.
int64_t CountIn(const std::vector<int64_t>& ids, IdRange range) {
  return std::upper_bound(ids.begin(), ids.end(), range.last) -
         std::lower_bound(ids.begin(), ids.end(), range.first);
}

// Checks 1-4 of the file comment; returns a description of the first violations, or "".
std::string Check(const std::vector<int64_t>& ids, const std::vector<int64_t>& previous_ids,
                  const std::vector<IdRange>& acked, const std::vector<IdRange>& tried) {
  std::ostringstream problems;
  int reported = 0;
  auto report = [&](const std::string& text) {
    if (reported++ < 10) problems << "\n  " << text;
  };
  for (size_t idx = 1; idx < ids.size(); ++idx) {
    if (ids[idx] == ids[idx - 1]) report("duplicated id " + std::to_string(ids[idx]));
  }
  for (const IdRange& range : acked) {
    const int64_t present = CountIn(ids, range);
    if (present != range.rows()) {
      report("acked ids " + std::to_string(range.first) + ".." + std::to_string(range.last) + ": " +
             std::to_string(present) + " of " + std::to_string(range.rows()) + " stored");
    }
  }
  for (const IdRange& range : tried) {
    const int64_t present = CountIn(ids, range);
    if (present != 0 && present != range.rows()) {
      report("append of ids " + std::to_string(range.first) + ".." + std::to_string(range.last) +
             " is partly stored: " + std::to_string(present) + " of " +
             std::to_string(range.rows()));
    }
  }
  std::vector<int64_t> vanished;
  std::set_difference(previous_ids.begin(), previous_ids.end(), ids.begin(), ids.end(),
                      std::back_inserter(vanished));
  if (!vanished.empty()) {
    report(std::to_string(vanished.size()) + " ids recovered by the previous check vanished, " +
           "first " + std::to_string(vanished.front()));
  }
  std::vector<int64_t> added;
  std::set_difference(ids.begin(), ids.end(), previous_ids.begin(), previous_ids.end(),
                      std::back_inserter(added));
  for (int64_t id : added) {
    const bool tried_now = std::any_of(tried.begin(), tried.end(), [&](const IdRange& range) {
      return range.first <= id && id <= range.last;
    });
    if (!tried_now) {
      report("id " + std::to_string(id) + " is stored but was never appended");
      break;
    }
  }
  if (reported > 10) problems << "\n  ... " << reported - 10 << " more";
  return problems.str();
}

TEST(CrashRecoveryTest, AckedAppendsSurviveSigkillExactlyOnce) {
  const int64_t cycles = EnvInt("STRATA_CRASH_CYCLES", 12);
  const uint64_t seed = static_cast<uint64_t>(EnvInt("STRATA_CRASH_SEED", 1));
  TempDir dir;
  const std::string data_dir = dir.path() + "/data";
  const std::string stderr_path = dir.path() + "/child.stderr";
  std::mt19937_64 rng(seed);
  const int64_t cycles_per_dir = std::max<int64_t>(EnvInt("STRATA_CRASH_CYCLES_PER_DIR", 25), 1);
  const bool keep_before_recovery = EnvInt("STRATA_CRASH_KEEP_BEFORE_RECOVERY", 0) != 0;
  const std::string before_recovery_dir =
      ::testing::TempDir() + "/strata_crash_before_recovery_seed" + std::to_string(seed);

  std::vector<IdRange> acked;  // Every ACK so far: those ids are never reused.
  std::vector<int64_t> ids;
  std::vector<int64_t> previous_ids;
  int64_t acked_rows = 0;
  int64_t lost_acked_rows = 0;
  int64_t failed_cycles = 0;
  int64_t cycles_without_ack = 0;
  int64_t cycles_with_errors_logged = 0;
  const Clock::time_point start = Clock::now();
  for (int64_t cycle = 0; cycle < cycles; ++cycle) {
    if (cycle > 0 && cycle % cycles_per_dir == 0) {
      // Start over: the child's start-up scan grows with the data, and once it outlasts the
      // kill delay, kills stop landing in appends, flushes and compactions.
      std::filesystem::remove_all(data_dir);
      acked.clear();
      previous_ids.clear();
    }
    const uint64_t child_seed = rng();
    const int delay_ms = std::uniform_int_distribution<int>(20, 400)(rng);
    const std::string where = "seed " + std::to_string(seed) + ", cycle " + std::to_string(cycle) +
                              " (child seed " + std::to_string(child_seed) + ", kill after " +
                              std::to_string(delay_ms) + " ms)";
    ChildRun run = RunChild(data_dir, child_seed, delay_ms, stderr_path);
    ASSERT_TRUE(run.failure.empty()) << where << ": " << run.failure << "\nchild stderr:\n"
                                     << run.stderr_text;
    if (run.stderr_text.find("\"level\":\"error\"") != std::string::npos) {
      ++cycles_with_errors_logged;
    }
    cycles_without_ack += run.acked.empty();
    for (const IdRange& range : run.acked) acked_rows += range.rows();
    acked.insert(acked.end(), run.acked.begin(), run.acked.end());

    if (keep_before_recovery) {  // The directory as the kill left it, for the last 3 cycles.
      std::error_code error;
      std::filesystem::remove_all(before_recovery_dir + "_cycle" + std::to_string(cycle - 3),
                                  error);
      std::filesystem::copy(data_dir, before_recovery_dir + "_cycle" + std::to_string(cycle),
                            std::filesystem::copy_options::recursive, error);
    }
    RecoverAndScan(data_dir, &ids);
    if (::testing::Test::HasFatalFailure()) {
      ADD_FAILURE() << "recovery failed at " << where;
      return;
    }
    const std::string problems = Check(ids, previous_ids, acked, run.tried);
    if (!problems.empty()) {
      // Report the first few failing cycles in full, then go on from what is stored so that
      // a long run counts every failure once: lost acked ranges leave the expected set.
      if (failed_cycles++ < 3) {
        const std::string kept = ::testing::TempDir() + "/strata_crash_failure_seed" +
                                 std::to_string(seed) + "_cycle" + std::to_string(cycle);
        std::error_code error;
        std::filesystem::remove_all(kept, error);
        std::filesystem::copy(data_dir, kept, std::filesystem::copy_options::recursive, error);
        ADD_FAILURE() << where << ":" << problems << "\ndata directory copied to " << kept
                      << "\nchild stderr:\n"
                      << run.stderr_text;
      }
      std::erase_if(acked, [&](const IdRange& range) {
        const int64_t present = CountIn(ids, range);
        lost_acked_rows += range.rows() - std::min(present, range.rows());
        return present != range.rows();
      });
    }
    previous_ids.swap(ids);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::ostringstream summary;
  summary << "crash recovery: seed " << seed << ", " << cycles << " cycles, " << failed_cycles
          << " failed cycles, " << acked_rows << " acked rows (" << lost_acked_rows << " lost), "
          << previous_ids.size() << " rows stored in the last directory, " << cycles_without_ack
          << " cycles killed before any ack, " << cycles_with_errors_logged
          << " cycles with errors logged, " << seconds << " s";
  std::cout << summary.str() << std::endl;
  RecordProperty("summary", summary.str());
}

// Rows with ids first_id.. of the crash layout, all in its first hour.
types::Batch IdBatch(int64_t first_id, size_t rows) {
  types::Batch batch = types::Batch::ForSchema(CrashLayout().schema);
  batch.num_rows = rows;
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    const int64_t id = first_id + static_cast<int64_t>(row_idx);
    batch.columns[0].AppendInt(crash::kT0 + id);
    batch.columns[1].AppendInt(id);
    batch.columns[2].AppendString("host");
    batch.columns[3].AppendDouble(1.0);
  }
  return batch;
}

// Found by the test above (seed 1 loses acked rows within ~15 cycles). A kill right after a
// flush rotated the WAL leaves the frozen memtable's WAL plus an empty new one named
// wal-<last_seq + 1>.log. Recovery puts both in the memtable's wal_paths and keeps writing
// the empty one; the first flush then rotates to WalPath(last_seq + 1), the same file, and
// deletes it with the flushed memtable's WALs, so every later append goes to an unlinked
// file: acknowledged, then lost at the next crash.
TEST(CrashRecoveryTest, AppendsAfterRecoveringAnEmptyNewestWalSurviveRestart) {
  TempDir dir;
  StorageOptions options;
  options.data_dir = dir.path();
  options.manual_maintenance = true;
  const std::string dataset_dir = dir.path() + "/datasets/" + kDatasetId;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<StorageEngine> engine, StorageEngine::Open(options));
    ASSERT_OK(engine->OpenDataset(CrashLayout()));
    ASSERT_OK(engine->Append(kDatasetId, IdBatch(1, 10)).status());  // In wal-...01.log.
    ASSERT_OK(engine->Close());
  }
  // What the kill leaves: seqs 1..10 unflushed in the first WAL and an empty next WAL.
  ASSERT_TRUE(std::filesystem::exists(dataset_dir + "/wal-00000000000000000001.log"));
  std::ofstream(dataset_dir + "/wal-00000000000000000011.log").close();
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<StorageEngine> engine, StorageEngine::Open(options));
    ASSERT_OK(engine->OpenDataset(CrashLayout()));
    ASSERT_OK(engine->Flush(kDatasetId));
    ASSERT_OK(engine->Append(kDatasetId, IdBatch(11, 5)).status());  // Acked.
    bool has_wal = false;
    for (const auto& entry : std::filesystem::directory_iterator(dataset_dir)) {
      has_wal = has_wal || entry.path().extension() == ".log";
    }
    EXPECT_TRUE(has_wal) << "the WAL that holds the acked append was deleted";
    ASSERT_OK(engine->Close());
  }
  std::vector<int64_t> ids;
  RecoverAndScan(dir.path(), &ids);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  std::vector<int64_t> expected(15);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(ids, expected) << "acked ids 11..15 must survive a restart";
}

}  // namespace
}  // namespace strata::storage
