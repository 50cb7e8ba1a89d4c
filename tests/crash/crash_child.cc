// storage_crash_child <data_dir> <seed>: appends to the "crash" dataset until it is killed.
//
// Driven by tests/unit/storage/crash_recovery_test.cc, which SIGKILLs it at a random moment
// and then checks that every acknowledged row survived exactly once. Small thresholds keep
// flushes, compactions and WAL rotations running all the time, so kills land inside them.
//
// Protocol on stdout, one line each, flushed at once (lines never interleave):
//   TRY <first_id> <last_id>   before an Append of rows with ids first_id..last_id
//   ACK <first_id> <last_id>   after that Append returned OK (the rows are durable)
//   ERR <message>              an Append failed; the process exits with status 3
// Opening the engine or the dataset, or the start-up scan, failing exits with status 4.
//
// Ids are unique: the child continues above the highest id already stored (rows that were
// durable but never acknowledged may be there), and concurrent appenders take disjoint id
// ranges from a counter under a mutex.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "crash_workload.h"
#include "storage/engine/storage_engine.h"
#include "types/batch.h"

namespace strata::storage::crash {
namespace {

constexpr size_t kMaxBatchRows = 2000;

class Child {
 public:
  Child(std::unique_ptr<StorageEngine> engine, int64_t next_id)
      : engine_(std::move(engine)), next_id_(next_id) {}

  // Runs appender rounds forever: each round has one or two threads doing a few appends.
  [[noreturn]] void Run(uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (;;) {
      const int threads = std::uniform_int_distribution<int>(0, 3)(rng) == 0 ? 2 : 1;
      const int appends = std::uniform_int_distribution<int>(1, 20)(rng);
      if (threads == 1) {
        Appender(rng(), appends);
        continue;
      }
      std::vector<std::thread> workers;
      for (int thread_idx = 0; thread_idx < threads; ++thread_idx) {
        workers.emplace_back(
            [this, thread_seed = rng(), appends] { Appender(thread_seed, appends); });
      }
      for (std::thread& worker : workers) worker.join();
    }
  }

 private:
  void Appender(uint64_t seed, int appends) {
    std::mt19937_64 rng(seed);
    for (int append_idx = 0; append_idx < appends; ++append_idx) {
      const size_t rows = std::uniform_int_distribution<size_t>(1, kMaxBatchRows)(rng);
      int64_t first_id;
      {
        std::lock_guard lock(mu_);
        first_id = next_id_;
        next_id_ += static_cast<int64_t>(rows);
      }
      const int64_t last_id = first_id + static_cast<int64_t>(rows) - 1;
      types::Batch batch = MakeBatch(first_id, rows, rng);
      Print("TRY %" PRId64 " %" PRId64 "\n", first_id, last_id);
      Result<AppendResult> result = engine_->Append(kDatasetId, std::move(batch));
      if (!result.ok()) {
        Print("ERR %s\n", result.status().ToString().c_str());
        std::fprintf(stderr, "append failed: %s\n", result.status().ToString().c_str());
        std::_Exit(3);  // No destructors: the other appender and the engine keep running.
      }
      Print("ACK %" PRId64 " %" PRId64 "\n", first_id, last_id);
    }
  }

  // Rows first_id.. with times spread over kHours hourly partitions.
  static types::Batch MakeBatch(int64_t first_id, size_t rows, std::mt19937_64& rng) {
    types::Batch batch = types::Batch::ForSchema(CrashLayout().schema);
    batch.num_rows = rows;
    std::uniform_int_distribution<int64_t> offset(0, kHours * kHourMicros - 1);
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      const int64_t id = first_id + static_cast<int64_t>(row_idx);
      batch.columns[0].AppendInt(kT0 + offset(rng));
      batch.columns[1].AppendInt(id);
      batch.columns[2].AppendString("host_" + std::to_string(id % 16));
      if (id % 11 == 0) {
        batch.columns[3].AppendNull();
      } else {
        batch.columns[3].AppendDouble(static_cast<double>(id) / 2.0);
      }
    }
    return batch;
  }

  template <typename... Args>
  void Print(const char* format, Args... args) {
    std::lock_guard lock(print_mu_);
    std::printf(format, args...);
    std::fflush(stdout);
  }

  std::unique_ptr<StorageEngine> engine_;
  std::mutex mu_;
  int64_t next_id_;  // Guarded by mu_.
  std::mutex print_mu_;
};

[[noreturn]] void Fail(const char* what, const Status& status) {
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::_Exit(4);
}

int Main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <data_dir> <seed>\n", argv[0]);
    return 2;
  }
  StorageOptions options;
  options.data_dir = argv[1];
  options.durability = Durability::kFsync;
  options.memtable_flush_bytes = 64u << 10;
  options.memtable_flush_age_ms = 20;
  options.maintenance_interval_ms = 10;
  options.compaction_min_segments = 3;
  options.chunk_rows = 512;
  options.block_cache_bytes = 16u << 20;
  options.manual_maintenance = false;
  Result<std::unique_ptr<StorageEngine>> engine = StorageEngine::Open(options);
  if (!engine.ok()) Fail("open engine", engine.status());
  Status status = engine.value()->OpenDataset(CrashLayout());
  if (!status.ok()) Fail("open dataset", status);

  types::ScanSpec spec;
  spec.field_ids = {kIdField};
  int64_t max_id = 0;
  Result<types::ScanStats> scan = engine.value()->Scan(kDatasetId, spec, [&](types::Batch& batch) {
    for (int64_t id : batch.columns[0].ints()) max_id = std::max(max_id, id);
    return true;
  });
  if (!scan.ok()) Fail("scan", scan.status());

  Child child(std::move(engine).value(), max_id + 1);
  child.Run(std::strtoull(argv[2], nullptr, 10));
}

}  // namespace
}  // namespace strata::storage::crash

int main(int argc, char** argv) { return strata::storage::crash::Main(argc, argv); }
