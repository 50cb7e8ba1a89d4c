// Storage-engine micro-benchmarks (bench/micro/README.md): ingest with fsync, a warm scan
// summing a float64 column, and bytes per stored TSBS row. Every engine runs on its own
// temporary directory under /tmp, removed when the benchmark (or the process) ends. Input
// batches are generated before the timed regions.
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/check.h"
#include "storage/encoding/crc32c.h"
#include "storage/engine/storage_engine.h"
#include "storage/env/env.h"
#include "storage/segment/segment_reader.h"
#include "storage/wal/batch_codec.h"
#include "tsbs_rows.h"

namespace strata::bench {
namespace {

using storage::StorageEngine;
using storage::StorageOptions;

// Aborts with the status when a setup step fails: a benchmark without its data means nothing.
void CheckOk(const Status& status, const char* what) {
  if (!status.ok()) {
    std::fprintf(stderr, "bench_storage: %s failed: %s\n", what, status.ToString().c_str());
    std::abort();
  }
}

template <typename T>
T ValueOrDie(Result<T> result, const char* what) {
  CheckOk(result.status(), what);
  return std::move(result).value();
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A fresh directory under $TMPDIR (default /tmp), removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* tmp = getenv("TMPDIR");
    std::string templ =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/strata_bench_XXXXXX";
    STRATA_CHECK(mkdtemp(templ.data()) != nullptr);
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// An engine on its own temporary directory. Closes the engine before removing the files.
struct EngineOnTempDir {
  TempDir dir;
  std::unique_ptr<StorageEngine> engine;

  ~EngineOnTempDir() {
    if (engine != nullptr) CheckOk(engine->Close(), "closing the engine");
  }
  void Open(StorageOptions options) {
    if (engine != nullptr) CheckOk(engine->Close(), "closing the engine");
    engine.reset();
    options.data_dir = dir.path();
    engine = ValueOrDie(StorageEngine::Open(std::move(options)), "opening the engine");
  }
};

// ---------------------------------------------------------------------------------------------
// 1. Append with fsync.

constexpr size_t kAppendBatchRows = 10'000;
constexpr size_t kAppendPoolBatches = 100;  // 1M distinct rows: 1000 ticks of 1000 hosts.

// The layout ingest is tuned for: partitions by day, rows by host then time.
types::DatasetLayout IngestLayout() {
  return TsbsCpuLayout("cpu", types::Granularity::kDay, {kTsbsHostnameFieldId, kTsbsTimeFieldId});
}

// Pre-built batches of kAppendBatchRows TSBS rows (1000 hosts, epoch-major), built once.
const std::vector<types::Batch>& AppendPool() {
  static const std::vector<types::Batch> pool = [] {
    TsbsCpuGenerator generator(IngestLayout(), TsbsOptions{});
    std::vector<types::Batch> batches;
    batches.reserve(kAppendPoolBatches);
    for (size_t i = 0; i < kAppendPoolBatches; ++i) {
      batches.push_back(generator.NextBatch(kAppendBatchRows));
    }
    return batches;
  }();
  return pool;
}

struct AppendRun {
  EngineOnTempDir store;
  std::atomic<size_t> next_batch{0};
};
AppendRun* g_append_run = nullptr;  // Set by thread 0 before the (barrier-synchronized) loop.

// Appends pre-built 10,000-row TSBS batches from state.threads() threads into one dataset.
// The copy of the pool batch that Append consumes is made with the timer paused
// (BM_BatchCopy measures it). Background maintenance runs with default thresholds.
void AppendBenchmark(benchmark::State& state, storage::Durability durability,
                     bool background_maintenance = true) {
  const std::vector<types::Batch>& pool = AppendPool();  // Built before any timing.
  if (state.thread_index() == 0) {
    g_append_run = new AppendRun;
    StorageOptions options;
    options.durability = durability;
    options.manual_maintenance = !background_maintenance;
    // Without maintenance nothing flushes: let the memtable grow instead of stalling.
    if (!background_maintenance) options.max_unflushed_bytes = size_t{16} << 30;
    g_append_run->store.Open(options);
    CheckOk(g_append_run->store.engine->OpenDataset(IngestLayout()), "opening the dataset");
  }
  for (auto _ : state) {
    state.PauseTiming();
    const size_t batch_idx = g_append_run->next_batch.fetch_add(1) % pool.size();
    types::Batch batch = pool[batch_idx];
    state.ResumeTiming();
    Result<types::AppendResult> appended =
        g_append_run->store.engine->Append("cpu", std::move(batch));
    if (!appended.ok()) {
      state.SkipWithError(appended.status().ToString().c_str());
      break;
    }
  }
  const int64_t rows = state.iterations() * static_cast<int64_t>(kAppendBatchRows);
  state.SetItemsProcessed(rows);
  state.counters["rows_per_s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
  if (state.thread_index() == 0) {
    const types::DatasetStats stats =
        ValueOrDie(g_append_run->store.engine->Stats("cpu"), "dataset stats");
    state.counters["segments"] = static_cast<double>(stats.segments);
    state.counters["memtable_rows"] = static_cast<double>(stats.memtable_rows);
    delete g_append_run;
    g_append_run = nullptr;
  }
}

void BM_AppendFsync(benchmark::State& state) {
  AppendBenchmark(state, storage::Durability::kFsync);
}
BENCHMARK(BM_AppendFsync)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime()
    ->MinTime(3.0)
    ->Unit(benchmark::kMillisecond);

// Diagnostic: the same without waiting for fsync, to separate sync time from CPU work.
void BM_AppendAsync(benchmark::State& state) {
  AppendBenchmark(state, storage::Durability::kAsync);
}
BENCHMARK(BM_AppendAsync)->Threads(1)->UseRealTime()->MinTime(2.0)->Unit(benchmark::kMillisecond);

// Diagnostic: the foreground path alone: no flush or compaction competes for the 2 cores
// (the memtable just grows).
void BM_AppendFsyncNoMaintenance(benchmark::State& state) {
  AppendBenchmark(state, storage::Durability::kFsync, false);
}
BENCHMARK(BM_AppendFsyncNoMaintenance)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime()
    ->MinTime(2.0)
    ->Unit(benchmark::kMillisecond);

// Diagnostic: the background work each appended row causes later: flushing a ~64 MiB
// memtable (the default flush threshold) of TSBS rows into sorted day segments. Timed:
// Flush only.
void BM_FlushMemtable(benchmark::State& state) {
  const std::vector<types::Batch>& pool = AppendPool();
  constexpr size_t kBatches = 32;  // 320k rows, about 64 MiB in the memtable.
  for (auto _ : state) {
    state.PauseTiming();
    auto store = std::make_unique<EngineOnTempDir>();
    StorageOptions options;
    options.manual_maintenance = true;
    options.max_unflushed_bytes = size_t{16} << 30;  // Loads flush by hand.
    options.durability = storage::Durability::kAsync;
    store->Open(options);
    CheckOk(store->engine->OpenDataset(IngestLayout()), "opening the dataset");
    for (size_t batch_idx = 0; batch_idx < kBatches; ++batch_idx) {
      CheckOk(store->engine->Append("cpu", pool[batch_idx]).status(), "appending");
    }
    state.ResumeTiming();
    CheckOk(store->engine->Flush("cpu"), "flushing");
    state.PauseTiming();
    store.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kBatches * kAppendBatchRows));
}
BENCHMARK(BM_FlushMemtable)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

// Diagnostic: write + fdatasync of one WAL record's worth of bytes (a 10,000-row TSBS batch)
// into a growing file: the I/O floor of one group commit.
void BM_WriteFdatasync(benchmark::State& state) {
  const std::vector<types::Batch>& pool = AppendPool();
  storage::ByteWriter record;
  storage::EncodeBatchRecord(1, pool[0], record);
  EngineOnTempDir dir;  // Only for its directory.
  std::unique_ptr<storage::WritableFile> file = ValueOrDie(
      storage::Env::Default()->NewWritableFile(storage::JoinPath(dir.dir.path(), "wal.log")),
      "creating a file");
  for (auto _ : state) {
    CheckOk(file->Append(record.buffer()), "write");
    CheckOk(file->Sync(), "fdatasync");
  }
  CheckOk(file->Close(), "close");
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kAppendBatchRows));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(record.buffer().size()));
}
BENCHMARK(BM_WriteFdatasync)->UseRealTime()->MinTime(1.0)->Unit(benchmark::kMillisecond);

// Diagnostic: the checksum the WAL writer computes over each record.
void BM_WalCrc32c(benchmark::State& state) {
  const std::vector<types::Batch>& pool = AppendPool();
  storage::ByteWriter record;
  storage::EncodeBatchRecord(1, pool[0], record);
  for (auto _ : state) benchmark::DoNotOptimize(storage::Crc32c(record.buffer()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(record.buffer().size()));
}
BENCHMARK(BM_WalCrc32c)->MinTime(0.3)->Unit(benchmark::kMillisecond);

// Diagnostic: the copy of a pool batch that BM_AppendFsync makes per iteration (untimed
// there). If this were close to the append time, copying would dominate the measurement.
void BM_BatchCopy(benchmark::State& state) {
  const std::vector<types::Batch>& pool = AppendPool();
  size_t batch_idx = 0;
  for (auto _ : state) {
    types::Batch batch = pool[batch_idx++ % pool.size()];
    benchmark::DoNotOptimize(batch.columns.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kAppendBatchRows));
}
BENCHMARK(BM_BatchCopy)->MinTime(0.5)->Unit(benchmark::kMillisecond);

// The append pool with string columns in dictionary form, as DatasetStore::Append puts
// them before encoding the WAL record.
const std::vector<types::Batch>& DictionaryAppendPool() {
  static const std::vector<types::Batch> pool = [] {
    std::vector<types::Batch> encoded = AppendPool();
    for (types::Batch& batch : encoded) {
      for (types::ColumnVector& column : batch.columns) column.DictionaryEncode();
    }
    return encoded;
  }();
  return pool;
}

// Diagnostic: building the WAL record of one batch (the append path's main CPU step besides
// Batch::Validate, which this includes). Arg fresh_buffer 0: one ByteWriter reused across
// iterations; 1: a new ByteWriter per batch, as DatasetStore::Impl::Commit does, so every
// record is written into freshly allocated (first-touch) memory. Arg dictionary 1: string
// columns in dictionary form, as appends write them (see BM_DictionaryEncode for the cost
// of building them).
void BM_WalEncode(benchmark::State& state) {
  const bool fresh = state.range(0) == 1;
  const std::vector<types::Batch>& pool =
      state.range(1) == 1 ? DictionaryAppendPool() : AppendPool();
  storage::ByteWriter reused;
  size_t batch_idx = 0;
  size_t record_bytes = 0;
  for (auto _ : state) {
    const types::Batch& batch = pool[batch_idx++ % pool.size()];
    benchmark::DoNotOptimize(batch.Validate());
    storage::ByteWriter local;
    storage::ByteWriter& out = fresh ? local : reused;
    out.buffer().clear();
    storage::EncodeBatchRecord(1, batch, out);
    benchmark::DoNotOptimize(out.buffer().data());
    record_bytes = out.buffer().size();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kAppendBatchRows));
  state.counters["wal_bytes_per_row"] =
      static_cast<double>(record_bytes) / static_cast<double>(kAppendBatchRows);
}
BENCHMARK(BM_WalEncode)
    ->ArgNames({"fresh_buffer", "dictionary"})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({1, 1})
    ->MinTime(0.5)
    ->Unit(benchmark::kMillisecond);

// Diagnostic: building the string dictionaries of one appended batch (DatasetStore::Append
// does it on the appending thread). Timed: DictionaryEncode of the batch's string columns.
void BM_DictionaryEncode(benchmark::State& state) {
  const std::vector<types::Batch>& pool = AppendPool();
  size_t batch_idx = 0;
  for (auto _ : state) {
    state.PauseTiming();
    types::Batch batch = pool[batch_idx++ % pool.size()];
    state.ResumeTiming();
    for (types::ColumnVector& column : batch.columns) column.DictionaryEncode();
    benchmark::DoNotOptimize(batch.columns.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kAppendBatchRows));
}
BENCHMARK(BM_DictionaryEncode)->MinTime(0.5)->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------------------------
// 2. Warm scan summing a float64 column.

constexpr size_t kScanRows = 10'000'000;
constexpr uint32_t kScanValueFieldId = 2;

// ~10M rows of (time, value float64), flushed and compacted into one partition, with the
// whole dataset held by a 2 GiB block cache after one warm-up scan. Built on first use and
// removed at exit.
struct ScanDataset {
  EngineOnTempDir store;
  double build_seconds = 0;
};

ScanDataset& FloatScanDataset() {
  static const std::unique_ptr<ScanDataset> dataset = [] {
    const auto start = std::chrono::steady_clock::now();
    auto built = std::make_unique<ScanDataset>();
    StorageOptions options;
    options.manual_maintenance = true;                 // Nothing runs behind the timed scans.
    options.max_unflushed_bytes = size_t{16} << 30;    // Loads flush by hand.
    options.durability = storage::Durability::kAsync;  // Loading is not what is measured.
    options.block_cache_bytes = size_t{2} << 30;
    built->store.Open(options);
    types::DatasetLayout layout;
    layout.id = "floats";
    layout.schema.version = 1;
    layout.schema.next_field_id = 3;
    layout.schema.fields = {
        {1, "time", types::DataType::kTimestamp, false, {}, false, ""},
        {kScanValueFieldId, "value", types::DataType::kFloat64, false, {}, false, ""},
    };
    layout.time_field_id = 1;
    StorageEngine& engine = *built->store.engine;
    CheckOk(engine.OpenDataset(layout), "opening the scan dataset");
    SplitMix64 rng(7);
    double walk = 50;
    constexpr size_t kBatchRows = 100'000;
    for (size_t first = 0; first < kScanRows; first += kBatchRows) {
      types::Batch batch = types::Batch::ForSchema(layout.schema);
      batch.num_rows = kBatchRows;
      batch.columns[0].Reserve(kBatchRows);
      batch.columns[1].Reserve(kBatchRows);
      for (size_t row_idx = 0; row_idx < kBatchRows; ++row_idx) {
        // One row per 10 ms: 10M rows span 27.8 hours.
        batch.columns[0].AppendInt(kTsbsStartMicros +
                                   static_cast<int64_t>(first + row_idx) * 10'000);
        walk += rng.Normal();
        batch.columns[1].AppendDouble(walk);
      }
      CheckOk(engine.Append("floats", std::move(batch)).status(), "loading the scan dataset");
    }
    CheckOk(engine.Flush("floats"), "flushing the scan dataset");
    CheckOk(engine.Compact("floats", 1), "compacting the scan dataset");
    types::ScanSpec spec;
    spec.field_ids = {kScanValueFieldId};
    uint64_t rows = 0;
    CheckOk(engine
                .Scan("floats", spec,
                      [&](types::Batch& batch) {
                        rows += batch.num_rows;
                        return true;
                      })
                .status(),
            "warming the block cache");
    STRATA_CHECK(rows == kScanRows);
    built->build_seconds = SecondsSince(start);
    return built;
  }();
  return *dataset;
}

// Sum of a float64 column, with independent accumulators so that the adds pipeline (a
// single accumulator is bound by the add latency, ~4 cycles a value).
double SumDoubles(const double* values, size_t count) {
  double acc[8] = {};
  size_t row_idx = 0;
  for (; row_idx + 8 <= count; row_idx += 8) {
    for (size_t lane = 0; lane < 8; ++lane) acc[lane] += values[row_idx + lane];
  }
  for (; row_idx < count; ++row_idx) acc[0] += values[row_idx];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// Timed: full scans of the value column, summed inside the sink. Arg: ScanSpec::parallelism.
void BM_ScanSumFloat(benchmark::State& state) {
  ScanDataset& dataset = FloatScanDataset();  // Built and warmed before any timing.
  StorageEngine& engine = *dataset.store.engine;
  types::ScanSpec spec;
  spec.field_ids = {kScanValueFieldId};
  spec.parallelism = static_cast<int>(state.range(0));
  double checksum = 0;
  uint64_t bytes_scanned = 0;
  for (auto _ : state) {
    std::atomic<double> total{0};
    std::atomic<uint64_t> rows{0};
    Result<types::ScanStats> stats = engine.Scan("floats", spec, [&](types::Batch& batch) {
      total.fetch_add(SumDoubles(batch.columns[0].doubles().data(), batch.num_rows),
                      std::memory_order_relaxed);
      rows.fetch_add(batch.num_rows, std::memory_order_relaxed);
      return true;
    });
    if (!stats.ok() || rows.load() != kScanRows) {
      state.SkipWithError(stats.ok() ? "scan returned the wrong row count"
                                     : stats.status().ToString().c_str());
      break;
    }
    bytes_scanned += stats.value().bytes_scanned;
    checksum = total.load();
  }
  benchmark::DoNotOptimize(checksum);
  const double values = static_cast<double>(state.iterations()) * kScanRows;
  state.SetItemsProcessed(static_cast<int64_t>(values));
  state.counters["values_per_s_per_core"] =
      benchmark::Counter(values / static_cast<double>(state.range(0)), benchmark::Counter::kIsRate);
  // Bytes read from segment files (block-cache misses) during the timed scans: 0 when warm.
  state.counters["cold_bytes"] = static_cast<double>(bytes_scanned);
  state.counters["build_s"] = dataset.build_seconds;
}
BENCHMARK(BM_ScanSumFloat)
    ->ArgName("parallelism")
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->MinTime(2.0)
    ->Unit(benchmark::kMillisecond);

// Diagnostic: the sink's kernel alone over 10M values already in memory, chunk by chunk as
// the scan delivers them (65,536 rows): the ceiling for BM_ScanSumFloat.
void BM_SumKernel(benchmark::State& state) {
  std::vector<double> values(kScanRows);
  SplitMix64 rng(7);
  for (double& value : values) value = rng.Uniform();
  constexpr size_t kChunk = 65'536;
  for (auto _ : state) {
    double total = 0;
    for (size_t first = 0; first < values.size(); first += kChunk) {
      total += SumDoubles(values.data() + first, std::min(kChunk, values.size() - first));
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kScanRows));
}
BENCHMARK(BM_SumKernel)->MinTime(0.5)->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------------------------
// 3. Bytes per stored row.

constexpr size_t kFootprintHosts = 1000;
constexpr size_t kFootprintTicks = 10'000;  // 10M rows, 27.8 hours: 2 day partitions.
constexpr size_t kFootprintFlushRows = 1'000'000;

// Where the bytes of one variant went, printed after the run.
struct ColumnBytes {
  std::string name;
  uint64_t stored = 0;  // Compressed block bytes.
  uint64_t raw = 0;     // Encoded bytes before compression.
};
struct Footprint {
  std::string variant;
  uint64_t rows = 0;
  uint64_t file_bytes = 0;
  uint64_t overhead = 0;             // Footers, magic and trailers.
  std::vector<ColumnBytes> columns;  // Segment column order (seq first).
};
std::vector<Footprint>& Footprints() {
  static std::vector<Footprint> footprints;
  return footprints;
}

// 10M TSBS rows (1000 hosts x 10,000 ticks), appended in 10,000-row batches and flushed every
// 1M rows, once per process. Each variant then reopens the engine with its codec and sort
// key and rewrites every partition with Compact(1): the result depends only on the rows, the
// sort key and the codec, so the variants need not re-ingest.
struct FootprintDataset {
  EngineOnTempDir store;
  double ingest_seconds = 0;
};

FootprintDataset& TsbsFootprintDataset() {
  static const std::unique_ptr<FootprintDataset> dataset = [] {
    const auto start = std::chrono::steady_clock::now();
    auto built = std::make_unique<FootprintDataset>();
    StorageOptions options;
    options.manual_maintenance = true;
    options.max_unflushed_bytes = size_t{16} << 30;  // Loads flush by hand.
    options.durability = storage::Durability::kAsync;
    built->store.Open(options);
    const types::DatasetLayout layout = TsbsCpuLayout("cpu", types::Granularity::kDay);
    StorageEngine& engine = *built->store.engine;
    CheckOk(engine.OpenDataset(layout), "opening the footprint dataset");
    TsbsOptions tsbs;
    tsbs.hosts = kFootprintHosts;
    TsbsCpuGenerator generator(layout, tsbs);
    const uint64_t total = kFootprintHosts * kFootprintTicks;
    while (generator.rows_generated() < total) {
      CheckOk(engine.Append("cpu", generator.NextBatch(kAppendBatchRows)).status(),
              "loading the footprint dataset");
      if (generator.rows_generated() % kFootprintFlushRows == 0) {
        CheckOk(engine.Flush("cpu"), "flushing the footprint dataset");
      }
    }
    CheckOk(engine.Flush("cpu"), "flushing the footprint dataset");
    built->ingest_seconds = SecondsSince(start);
    return built;
  }();
  return *dataset;
}

Footprint MeasureSegments(const std::string& dataset_dir, const types::DatasetLayout& layout) {
  Footprint footprint;
  std::map<uint32_t, size_t> column_of_field;
  for (const auto& entry : std::filesystem::directory_iterator(dataset_dir)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("seg-")) continue;
    std::shared_ptr<storage::SegmentReader> reader =
        ValueOrDie(storage::SegmentReader::Open(storage::Env::Default(), entry.path().string(),
                                                nullptr, layout.id),
                   "opening a segment");
    const storage::SegmentFooter& footer = reader->footer();
    footprint.rows += footer.row_count;
    footprint.file_bytes += reader->file_bytes();
    uint64_t blocks = 0;
    for (const storage::ColumnMeta& column : footer.columns) {
      auto [it, added] = column_of_field.emplace(column.field_id, footprint.columns.size());
      if (added) {
        std::string field_name = column.field_id == storage::kSeqFieldId ? "(seq)" : "?";
        for (const types::Field& field : layout.schema.fields) {
          if (field.id == column.field_id) field_name = field.name;
        }
        footprint.columns.push_back({field_name, 0, 0});
      }
      ColumnBytes& bytes = footprint.columns[it->second];
      for (const storage::ChunkMeta& chunk : column.chunks) {
        bytes.stored += chunk.stored_bytes;
        bytes.raw += chunk.raw_bytes;
        blocks += chunk.stored_bytes;
      }
    }
    footprint.overhead += reader->file_bytes() - blocks;
  }
  return footprint;
}

// Args: sort key (0: time, the default; 1: hostname, time), codec (1: lz4, 2: zstd level 3).
void BM_BytesPerRow(benchmark::State& state) {
  FootprintDataset& dataset = TsbsFootprintDataset();  // Ingested before any timing.
  const bool by_host = state.range(0) == 1;
  const auto codec = static_cast<storage::Compression>(state.range(1));
  types::DatasetLayout layout =
      TsbsCpuLayout("cpu", types::Granularity::kDay,
                    by_host ? std::vector<uint32_t>{kTsbsHostnameFieldId, kTsbsTimeFieldId}
                            : std::vector<uint32_t>{});
  for (auto _ : state) {  // Timed: one compaction of every partition (10M rows).
    state.PauseTiming();
    StorageOptions options;
    options.manual_maintenance = true;
    options.max_unflushed_bytes = size_t{16} << 30;  // Loads flush by hand.
    options.compression = codec;
    dataset.store.Open(options);
    CheckOk(dataset.store.engine->OpenDataset(layout), "reopening the footprint dataset");
    state.ResumeTiming();
    CheckOk(dataset.store.engine->Compact("cpu", 1), "compacting the footprint dataset");
  }
  const types::DatasetStats stats = ValueOrDie(dataset.store.engine->Stats("cpu"), "dataset stats");
  STRATA_CHECK(stats.rows == kFootprintHosts * kFootprintTicks);
  state.counters["bytes_per_row"] =
      static_cast<double>(stats.bytes_on_disk) / static_cast<double>(stats.rows);
  state.counters["MB_on_disk"] = static_cast<double>(stats.bytes_on_disk) / 1e6;
  state.counters["segments"] = static_cast<double>(stats.segments);
  state.counters["ingest_s"] = dataset.ingest_seconds;
  state.SetItemsProcessed(static_cast<int64_t>(stats.rows) * state.iterations());
  Footprint footprint =
      MeasureSegments(storage::JoinPath(dataset.store.dir.path(), "datasets/cpu"), layout);
  footprint.variant = std::string(by_host ? "sort (hostname, time)" : "sort (time)") + ", " +
                      std::string(storage::CompressionName(codec));
  Footprints().push_back(std::move(footprint));
}
BENCHMARK(BM_BytesPerRow)
    ->ArgNames({"sort_host", "codec"})
    ->Args({0, static_cast<int64_t>(storage::Compression::kLz4)})
    ->Args({1, static_cast<int64_t>(storage::Compression::kLz4)})
    ->Args({0, static_cast<int64_t>(storage::Compression::kZstd)})
    ->Args({1, static_cast<int64_t>(storage::Compression::kZstd)})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);

void PrintFootprints() {
  for (const Footprint& footprint : Footprints()) {
    const double rows = static_cast<double>(footprint.rows);
    std::printf("\nBytes per row by column, %s: %.2f B/row in segment files (%" PRIu64 " rows)\n",
                footprint.variant.c_str(), static_cast<double>(footprint.file_bytes) / rows,
                footprint.rows);
    std::printf("| column | stored B/row | encoded B/row | stored share |\n|---|---:|---:|---:|\n");
    for (const ColumnBytes& column : footprint.columns) {
      std::printf(
          "| %s | %.3f | %.3f | %.1f%% |\n", column.name.c_str(),
          static_cast<double>(column.stored) / rows, static_cast<double>(column.raw) / rows,
          100.0 * static_cast<double>(column.stored) / static_cast<double>(footprint.file_bytes));
    }
    std::printf("| (footers, trailers) | %.3f | | %.1f%% |\n",
                static_cast<double>(footprint.overhead) / rows,
                100.0 * static_cast<double>(footprint.overhead) /
                    static_cast<double>(footprint.file_bytes));
  }
}

}  // namespace
}  // namespace strata::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  strata::bench::PrintFootprints();
  return 0;
}
