// TSBS devops cpu-only rows (shared/bench/TSBS.md section 1) as types::Batch objects, for the
// storage micro-benchmarks. Deterministic for a given seed, but not bit-exact with TSBS: it
// uses its own RNG (splitmix64 + Marsaglia polar normals) with TSBS's data model and value
// process:
//   - hosts host_0..host_{n-1}, each with 9 more string tags drawn once from TSBS's value sets;
//   - 10 int64 fields usage_*, one random walk per field per host: the initial state is
//     U[0,100), then each tick adds N(0,1) and clamps to [0,100]; the emitted value is the
//     state truncated to an integer;
//   - one row per host per tick (default 10 s, from 2016-01-01T00:00Z), epoch-major
//     (host_0..host_{n-1} at t0, then at t0 + interval, ...).
// Thread safety: a TsbsCpuGenerator is a plain value; use one per thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "types/batch.h"
#include "types/dataset_layout.h"

namespace strata::bench {

inline constexpr int64_t kTsbsStartMicros = 1451606400LL * 1000 * 1000;  // 2016-01-01T00:00Z
inline constexpr int64_t kTsbsIntervalMicros = 10LL * 1000 * 1000;
inline constexpr size_t kTsbsTagCount = 10;
inline constexpr size_t kTsbsUsageCount = 10;

// Names in TSBS order. Tags are strings, usage fields int64.
extern const std::array<const char*, kTsbsTagCount> kTsbsTagNames;
extern const std::array<const char*, kTsbsUsageCount> kTsbsUsageNames;

// The cpu table: field 1 `time` (timestamp), fields 2..11 the tags (2 = hostname), fields
// 12..21 the usage fields. Time field 1, partitioned by `partition_by`, rows ordered inside
// compacted segments by `sort_field_ids` (empty: by time).
types::DatasetLayout TsbsCpuLayout(std::string id, types::Granularity partition_by,
                                   std::vector<uint32_t> sort_field_ids = {});
inline constexpr uint32_t kTsbsTimeFieldId = 1;
inline constexpr uint32_t kTsbsHostnameFieldId = 2;

// splitmix64: a small, fast, seedable generator whose output is fixed by the seed on every
// platform (unlike std::normal_distribution).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Standard normal (Marsaglia polar method; the spare value is kept for the next call).
  double Normal();

 private:
  uint64_t state_;
  bool has_spare_ = false;
  double spare_ = 0;
};

struct TsbsOptions {
  uint64_t seed = 123;
  size_t hosts = 1000;  // TSBS "scale".
  int64_t start_micros = kTsbsStartMicros;
  int64_t interval_micros = kTsbsIntervalMicros;
};

// Produces the rows of the cpu table in order, as batches shaped for one layout.
class TsbsCpuGenerator {
 public:
  // REQUIRES: every field of layout.schema is `time`, a TSBS tag or a usage field, with the
  // type TsbsCpuLayout gives it (fields may be missing or reordered). options.hosts > 0.
  TsbsCpuGenerator(const types::DatasetLayout& layout, TsbsOptions options);

  // The next `rows` rows (continuing where the last batch ended), one column per field of
  // the layout, in schema order.
  types::Batch NextBatch(size_t rows);

  uint64_t rows_generated() const { return rows_generated_; }

 private:
  enum class Source { kTime, kTag, kUsage };
  struct Column {
    Source source;
    size_t index;  // Into Host::tags or Host::usage.
  };
  struct Host {
    std::array<std::string, kTsbsTagCount> tags;
    std::array<double, kTsbsUsageCount> usage;  // Walk states, in [0, 100].
  };

  void AdvanceEpoch();

  types::Schema schema_;
  TsbsOptions options_;
  std::vector<Column> columns_;
  std::vector<Host> hosts_;
  SplitMix64 rng_;
  int64_t epoch_ = 0;
  size_t next_host_ = 0;  // Host of the next row within epoch_.
  uint64_t rows_generated_ = 0;
};

}  // namespace strata::bench
