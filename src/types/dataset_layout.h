// DatasetLayout: what a data backend needs to know about a dataset to store it — its schema,
// time field, partitioning, retention and sort order. The service derives it from the
// dataset's metadata record and hands it to the backend on open, create and every change.
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "types/schema.h"

namespace strata::types {

enum class Granularity { kNone, kHour, kDay, kMonth };

std::optional<Granularity> ParseGranularity(std::string_view name);
std::string_view GranularityName(Granularity granularity);

// Start of the partition holding `micros` (UTC), or 0 for kNone.
int64_t PartitionStart(int64_t micros, Granularity granularity);
// Start of the partition after the one starting at `start`; INT64_MAX for kNone.
int64_t PartitionEnd(int64_t start, Granularity granularity);

struct DatasetLayout {
  std::string id;
  Schema schema;
  std::optional<uint32_t> time_field_id;  // A timestamp field, when the dataset has one.
  Granularity partition_by = Granularity::kNone;
  int64_t retention_micros = 0;  // 0: keep forever.
  // Row order inside segments after compaction. Empty: the time field, else arrival order.
  std::vector<uint32_t> sort_field_ids;
};

}  // namespace strata::types
