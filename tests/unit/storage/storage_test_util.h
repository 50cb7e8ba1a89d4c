// Helpers for storage tests: temporary directories, a small metrics-like layout, batches of
// it, and scans collected into rows.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/engine/storage_engine.h"
#include "test_util.h"
#include "types/batch.h"
#include "types/dataset_layout.h"

namespace strata::storage::testing {

class TempDir {
 public:
  TempDir() {
    std::string templ = ::testing::TempDir() + "/strata_storage_XXXXXX";
    path_ = mkdtemp(templ.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline constexpr int64_t kHourMicros = 3600LL * 1000 * 1000;
inline constexpr int64_t kT0 = 1451606400LL * 1000 * 1000;  // 2016-01-01T00:00:00Z

// Fields: 1 time (timestamp), 2 host (string), 3 usage (int64), 4 load (float64, nullable).
inline types::DatasetLayout MetricsLayout(std::string id = "metrics") {
  types::DatasetLayout layout;
  layout.id = std::move(id);
  layout.schema.version = 1;
  layout.schema.next_field_id = 5;
  layout.schema.fields = {
      {1, "time", types::DataType::kTimestamp, false, {}, false, ""},
      {2, "host", types::DataType::kString, false, {}, false, ""},
      {3, "usage", types::DataType::kInt64, false, {}, false, ""},
      {4, "load", types::DataType::kFloat64, true, {}, false, ""},
  };
  layout.time_field_id = 1;
  layout.partition_by = types::Granularity::kHour;
  return layout;
}

// Row i: time = start + i * step, host = "host_<i % hosts>", usage = i, load = i / 2.0 (NULL
// every 7th row).
inline types::Batch MetricsBatch(int64_t first_row, size_t rows, int64_t start = kT0,
                                 int64_t step = 1'000'000, int hosts = 4) {
  types::Batch batch = types::Batch::ForSchema(MetricsLayout().schema);
  batch.num_rows = rows;
  for (size_t i = 0; i < rows; ++i) {
    const int64_t row = first_row + static_cast<int64_t>(i);
    batch.columns[0].AppendInt(start + row * step);
    batch.columns[1].AppendString("host_" + std::to_string(row % hosts));
    batch.columns[2].AppendInt(row);
    if (row % 7 == 0) {
      batch.columns[3].AppendNull();
    } else {
      batch.columns[3].AppendDouble(static_cast<double>(row) / 2.0);
    }
  }
  return batch;
}

struct Rows {
  std::vector<std::vector<types::Value>> rows;  // In seq order when seqs were requested.
  std::vector<int64_t> seqs;
  types::ScanStats stats;
};

inline Result<Rows> ScanRows(StorageEngine& engine, std::string_view id,
                             types::ScanSpec spec = {}) {
  spec.with_seqs = true;
  Rows out;
  std::mutex mu;
  std::vector<std::pair<int64_t, std::vector<types::Value>>> collected;
  STRATA_ASSIGN_OR_RETURN(out.stats, engine.Scan(id, spec, [&](types::Batch& batch) {
    std::lock_guard lock(mu);
    for (size_t row_idx = 0; row_idx < batch.num_rows; ++row_idx) {
      std::vector<types::Value> row;
      for (const types::ColumnVector& column : batch.columns)
        row.push_back(column.ValueAt(row_idx));
      collected.emplace_back(batch.seqs[row_idx], std::move(row));
    }
    return true;
  }));
  std::sort(collected.begin(), collected.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [seq, row] : collected) {
    out.seqs.push_back(seq);
    out.rows.push_back(std::move(row));
  }
  return out;
}

inline StorageOptions TestOptions(const std::string& dir) {
  StorageOptions options;
  options.data_dir = dir;
  options.manual_maintenance = true;
  options.chunk_rows = 100;
  return options;
}

}  // namespace strata::storage::testing
