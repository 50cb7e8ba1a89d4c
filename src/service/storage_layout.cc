#include "service/storage_layout.h"

#include "common/time_util.h"

namespace strata::service {

types::DatasetLayout StorageLayoutOf(const meta::DatasetRecord& dataset) {
  types::DatasetLayout layout;
  layout.id = dataset.id;
  layout.schema = dataset.schema;
  if (const types::Field* time = dataset.schema.Find(dataset.time_field)) {
    layout.time_field_id = time->id;
  }
  switch (dataset.partition_by) {
    case meta::PartitionBy::kHour: layout.partition_by = types::Granularity::kHour; break;
    case meta::PartitionBy::kDay: layout.partition_by = types::Granularity::kDay; break;
    case meta::PartitionBy::kMonth: layout.partition_by = types::Granularity::kMonth; break;
  }
  if (!layout.time_field_id) layout.partition_by = types::Granularity::kNone;
  for (const std::string& name : dataset.sort_key) {
    if (const types::Field* field = dataset.schema.Find(name)) {
      layout.sort_field_ids.push_back(field->id);
    }
  }
  if (!dataset.retention.empty()) {
    // Validated when the dataset was written; an unparsable value keeps data forever.
    if (std::optional<int64_t> seconds = ParseDurationSeconds(dataset.retention)) {
      layout.retention_micros = *seconds * 1'000'000;
    }
  }
  return layout;
}

}  // namespace strata::service
