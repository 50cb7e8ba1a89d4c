// The dataset the crash-recovery test writes: shared by the child that appends until it is
// killed (crash_child.cc) and the test that recovers and checks it
// (tests/unit/storage/crash_recovery_test.cc), so both open the same layout.
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "types/dataset_layout.h"

namespace strata::storage::crash {

inline constexpr char kDatasetId[] = "crash";
inline constexpr uint32_t kTimeField = 1;
inline constexpr uint32_t kIdField = 2;
inline constexpr uint32_t kHostField = 3;
inline constexpr uint32_t kValueField = 4;
inline constexpr int64_t kHourMicros = 3600LL * 1000 * 1000;
inline constexpr int64_t kT0 = 1451606400LL * 1000 * 1000;  // 2016-01-01T00:00:00Z
inline constexpr int kHours = 6;  // Rows spread over this many hourly partitions.

// Fields: 1 time (timestamp), 2 id (int64, unique per row), 3 host (string),
// 4 value (float64, nullable); partitioned by hour on time. No retention.
inline types::DatasetLayout CrashLayout() {
  types::DatasetLayout layout;
  layout.id = kDatasetId;
  layout.schema.version = 1;
  layout.schema.next_field_id = 5;
  layout.schema.fields = {
      {kTimeField, "time", types::DataType::kTimestamp, false, {}, false, ""},
      {kIdField, "id", types::DataType::kInt64, false, {}, false, ""},
      {kHostField, "host", types::DataType::kString, false, {}, false, ""},
      {kValueField, "value", types::DataType::kFloat64, true, {}, false, ""},
  };
  layout.time_field_id = kTimeField;
  layout.partition_by = types::Granularity::kHour;
  return layout;
}

}  // namespace strata::storage::crash
