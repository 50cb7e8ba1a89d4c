#include "tsbs_rows.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "common/check.h"

namespace strata::bench {
namespace {

struct Region {
  const char* name;
  std::vector<const char*> zones;  // Datacenters are region + zone letter.
};

// TSBS's regions and their datacenters (23 in all).
const std::array<Region, 9>& Regions() {
  static const std::array<Region, 9> regions = {{
      {"us-east-1", {"a", "b", "c", "e"}},
      {"us-west-1", {"a", "b"}},
      {"us-west-2", {"a", "b", "c"}},
      {"eu-west-1", {"a", "b", "c"}},
      {"eu-central-1", {"a", "b"}},
      {"ap-southeast-1", {"a", "b"}},
      {"ap-southeast-2", {"a", "b"}},
      {"ap-northeast-1", {"a", "c"}},
      {"sa-east-1", {"a", "b", "c"}},
  }};
  return regions;
}

constexpr std::array<const char*, 3> kOs = {"Ubuntu16.10", "Ubuntu16.04LTS", "Ubuntu15.10"};
constexpr std::array<const char*, 2> kArch = {"x64", "x86"};
constexpr std::array<const char*, 4> kTeam = {"SF", "NYC", "LON", "CHI"};
constexpr std::array<const char*, 3> kEnvironment = {"production", "staging", "test"};

}  // namespace

const std::array<const char*, kTsbsTagCount> kTsbsTagNames = {
    "hostname", "region",          "datacenter",         "rack", "os", "arch", "team",
    "service",  "service_version", "service_environment"};
const std::array<const char*, kTsbsUsageCount> kTsbsUsageNames = {
    "usage_user", "usage_system",  "usage_idle",  "usage_nice",  "usage_iowait",
    "usage_irq",  "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice"};

types::DatasetLayout TsbsCpuLayout(std::string id, types::Granularity partition_by,
                                   std::vector<uint32_t> sort_field_ids) {
  types::DatasetLayout layout;
  layout.id = std::move(id);
  layout.schema.version = 1;
  uint32_t next_id = 1;
  layout.schema.fields.push_back(
      {next_id++, "time", types::DataType::kTimestamp, false, {}, false, ""});
  for (const char* name : kTsbsTagNames) {
    layout.schema.fields.push_back(
        {next_id++, name, types::DataType::kString, false, {}, false, ""});
  }
  for (const char* name : kTsbsUsageNames) {
    layout.schema.fields.push_back(
        {next_id++, name, types::DataType::kInt64, false, {}, false, ""});
  }
  layout.schema.next_field_id = next_id;
  layout.time_field_id = kTsbsTimeFieldId;
  layout.partition_by = partition_by;
  layout.sort_field_ids = std::move(sort_field_ids);
  return layout;
}

double SplitMix64::Normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u, v, s;
  do {
    u = 2 * Uniform() - 1;
    v = 2 * Uniform() - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  const double scale = std::sqrt(-2 * std::log(s) / s);
  spare_ = v * scale;
  has_spare_ = true;
  return u * scale;
}

TsbsCpuGenerator::TsbsCpuGenerator(const types::DatasetLayout& layout, TsbsOptions options)
    : schema_(layout.schema), options_(options), rng_(options.seed) {
  STRATA_CHECK(options_.hosts > 0);
  for (const types::Field& field : schema_.fields) {
    if (field.name == "time") {
      STRATA_CHECK(field.type == types::DataType::kTimestamp);
      columns_.push_back({Source::kTime, 0});
      continue;
    }
    auto tag = std::find_if(kTsbsTagNames.begin(), kTsbsTagNames.end(),
                            [&](const char* name) { return field.name == name; });
    if (tag != kTsbsTagNames.end()) {
      STRATA_CHECK(field.type == types::DataType::kString);
      columns_.push_back({Source::kTag, static_cast<size_t>(tag - kTsbsTagNames.begin())});
      continue;
    }
    auto usage = std::find_if(kTsbsUsageNames.begin(), kTsbsUsageNames.end(),
                              [&](const char* name) { return field.name == name; });
    STRATA_CHECK(usage != kTsbsUsageNames.end());
    STRATA_CHECK(field.type == types::DataType::kInt64);
    columns_.push_back({Source::kUsage, static_cast<size_t>(usage - kTsbsUsageNames.begin())});
  }

  // Hosts in order, each drawing its initial states and then its tags (TSBS's order).
  hosts_.resize(options_.hosts);
  for (size_t host_idx = 0; host_idx < hosts_.size(); ++host_idx) {
    Host& host = hosts_[host_idx];
    for (double& state : host.usage) state = rng_.Uniform() * 100;
    const Region& region = Regions()[rng_.Below(Regions().size())];
    host.tags[0] = "host_" + std::to_string(host_idx);
    host.tags[1] = region.name;
    host.tags[2] = std::string(region.name) + region.zones[rng_.Below(region.zones.size())];
    host.tags[3] = std::to_string(rng_.Below(100));
    host.tags[5] = kArch[rng_.Below(kArch.size())];
    host.tags[4] = kOs[rng_.Below(kOs.size())];
    host.tags[7] = std::to_string(rng_.Below(20));
    host.tags[8] = std::to_string(rng_.Below(2));
    host.tags[9] = kEnvironment[rng_.Below(kEnvironment.size())];
    host.tags[6] = kTeam[rng_.Below(kTeam.size())];
  }
}

void TsbsCpuGenerator::AdvanceEpoch() {
  ++epoch_;
  for (Host& host : hosts_) {
    for (double& state : host.usage) state = std::clamp(state + rng_.Normal(), 0.0, 100.0);
  }
}

types::Batch TsbsCpuGenerator::NextBatch(size_t rows) {
  types::Batch batch = types::Batch::ForSchema(schema_);
  batch.num_rows = rows;
  for (size_t col_idx = 0; col_idx < columns_.size(); ++col_idx) {
    // Tags are short: 16 bytes a row is an upper bound for every TSBS tag but datacenter.
    batch.columns[col_idx].Reserve(rows, columns_[col_idx].source == Source::kTag ? rows * 16 : 0);
  }
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    if (next_host_ == hosts_.size()) {
      next_host_ = 0;
      AdvanceEpoch();
    }
    const Host& host = hosts_[next_host_++];
    const int64_t time = options_.start_micros + epoch_ * options_.interval_micros;
    for (size_t col_idx = 0; col_idx < columns_.size(); ++col_idx) {
      const Column& column = columns_[col_idx];
      switch (column.source) {
        case Source::kTime: batch.columns[col_idx].AppendInt(time); break;
        case Source::kTag: batch.columns[col_idx].AppendString(host.tags[column.index]); break;
        case Source::kUsage:
          batch.columns[col_idx].AppendInt(static_cast<int64_t>(host.usage[column.index]));
          break;
      }
    }
  }
  rows_generated_ += rows;
  return batch;
}

}  // namespace strata::bench
