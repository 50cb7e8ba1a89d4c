#include "service/storage_layout.h"

#include <gtest/gtest.h>

namespace strata::service {
namespace {

meta::DatasetRecord Record() {
  meta::DatasetRecord dataset;
  dataset.id = "cpu";
  dataset.time_field = "time";
  dataset.partition_by = meta::PartitionBy::kHour;
  dataset.retention = "2d";
  dataset.sort_key = {"hostname", "time"};
  dataset.schema.version = 3;
  dataset.schema.fields = {{4, "time", types::DataType::kTimestamp, false, {}, false, ""},
                           {7, "hostname", types::DataType::kString, false, {}, false, ""}};
  return dataset;
}

TEST(StorageLayoutTest, MapsNamesToFieldIdsAndDurations) {
  const types::DatasetLayout layout = StorageLayoutOf(Record());
  EXPECT_EQ(layout.id, "cpu");
  EXPECT_EQ(layout.schema.version, 3u);
  ASSERT_TRUE(layout.time_field_id.has_value());
  EXPECT_EQ(*layout.time_field_id, 4u);
  EXPECT_EQ(layout.partition_by, types::Granularity::kHour);
  EXPECT_EQ(layout.retention_micros, 2LL * 86400 * 1000 * 1000);
  EXPECT_EQ(layout.sort_field_ids, (std::vector<uint32_t>{7, 4}));
}

TEST(StorageLayoutTest, WithoutTimeFieldThereAreNoPartitions) {
  meta::DatasetRecord dataset = Record();
  dataset.time_field.clear();
  dataset.retention.clear();
  const types::DatasetLayout layout = StorageLayoutOf(dataset);
  EXPECT_FALSE(layout.time_field_id.has_value());
  EXPECT_EQ(layout.partition_by, types::Granularity::kNone);
  EXPECT_EQ(layout.retention_micros, 0);
}

}  // namespace
}  // namespace strata::service
