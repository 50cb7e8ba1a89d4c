#include "tsbs_queries.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <ctime>

namespace strata::bench {
namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr size_t kOrderbyLimitRows = 5;  // groupby-orderby-limit's LIMIT.

const std::vector<TsbsQueryType> kTypes = {
    {"single-groupby-1-1-1", TsbsQueryKind::kSingleGroupby, 1, 1, 1 * kHour},
    {"single-groupby-1-1-12", TsbsQueryKind::kSingleGroupby, 1, 1, 12 * kHour},
    {"single-groupby-1-8-1", TsbsQueryKind::kSingleGroupby, 1, 8, 1 * kHour},
    {"single-groupby-5-1-1", TsbsQueryKind::kSingleGroupby, 5, 1, 1 * kHour},
    {"single-groupby-5-1-12", TsbsQueryKind::kSingleGroupby, 5, 1, 12 * kHour},
    {"single-groupby-5-8-1", TsbsQueryKind::kSingleGroupby, 5, 8, 1 * kHour},
    {"cpu-max-all-1", TsbsQueryKind::kCpuMaxAll, kTsbsUsageCount, 1, 8 * kHour},
    {"cpu-max-all-8", TsbsQueryKind::kCpuMaxAll, kTsbsUsageCount, 8, 8 * kHour},
    {"double-groupby-1", TsbsQueryKind::kDoubleGroupby, 1, 0, 12 * kHour},
    {"double-groupby-5", TsbsQueryKind::kDoubleGroupby, 5, 0, 12 * kHour},
    {"double-groupby-all", TsbsQueryKind::kDoubleGroupby, kTsbsUsageCount, 0, 12 * kHour},
    {"high-cpu-1", TsbsQueryKind::kHighCpu, 0, 1, 12 * kHour},
    {"high-cpu-all", TsbsQueryKind::kHighCpu, 0, 0, 12 * kHour},
    {"lastpoint", TsbsQueryKind::kLastpoint, 0, 0, 0},
    {"groupby-orderby-limit", TsbsQueryKind::kGroupbyOrderbyLimit, 1, 0, 1 * kHour},
    {"groupby-host-10-aggs", TsbsQueryKind::kGroupbyHost10Aggs, kTsbsUsageCount, 0, 0},
};

uint64_t Fnv1a(std::string_view text, uint64_t hash = 0xcbf29ce484222325ULL) {
  for (char ch : text) {
    hash ^= static_cast<unsigned char>(ch);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

int64_t FloorDiv(int64_t value, int64_t divisor) {
  const int64_t quotient = value / divisor;
  return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient;
}

// Buckets of `bucket` (aligned to the epoch, as time_bucket) holding at least one row time
// of `data` inside [from, to).
int64_t BucketsWithRows(const TsbsQueryData& data, int64_t bucket, int64_t from, int64_t to) {
  const int64_t lo = std::max(from, data.start_micros);
  const int64_t hi = std::min(to, data.end_micros());
  if (lo >= hi) return 0;
  int64_t tick = -FloorDiv(data.start_micros - lo, data.interval_micros);  // First time >= lo.
  int64_t buckets = 0;
  int64_t last_bucket = 0;
  for (int64_t time = data.start_micros + tick * data.interval_micros; time < hi;
       time += data.interval_micros) {
    const int64_t current = FloorDiv(time, bucket);
    if (buckets == 0 || current != last_bucket) ++buckets;
    last_bucket = current;
  }
  return buckets;
}

std::string Quoted(const std::string& text) { return "'" + text + "'"; }

std::string HostList(const TsbsQuery& query) {
  std::string list = "hostname IN (";
  for (size_t idx = 0; idx < query.host_ids.size(); ++idx) {
    if (idx > 0) list += ", ";
    list += "'host_" + std::to_string(query.host_ids[idx]) + "'";
  }
  return list + ")";
}

std::string TimeRange(const TsbsQuery& query) {
  return "time >= " + Quoted(FormatRfc3339Micros(query.window_start_micros)) + " AND time < " +
         Quoted(FormatRfc3339Micros(query.window_end_micros));
}

// "agg(f1) AS prefix_f1, agg(f2) AS prefix_f2, ..." over the first `metrics` usage fields;
// without aliases when `prefix` is empty.
std::string Aggregates(std::string_view agg, std::string_view prefix, size_t metrics) {
  std::string list;
  for (size_t idx = 0; idx < metrics; ++idx) {
    if (idx > 0) list += ", ";
    const std::string field = kTsbsUsageNames[idx];
    list += std::string(agg) + "(" + field + ")";
    if (!prefix.empty()) list += " AS " + std::string(prefix) + "_" + field;
  }
  return list;
}

}  // namespace

const std::vector<TsbsQueryType>& TsbsQueryTypes() { return kTypes; }

const TsbsQueryType* FindTsbsQueryType(std::string_view name) {
  for (const TsbsQueryType& type : kTypes) {
    if (type.name == name) return &type;
  }
  return nullptr;
}

std::string FormatRfc3339Micros(int64_t micros) {
  const int64_t seconds = FloorDiv(micros, kSecond);
  const int64_t fraction = micros - seconds * kSecond;
  const time_t whole = static_cast<time_t>(seconds);
  tm civil{};
  gmtime_r(&whole, &civil);
  char text[48];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%06" PRId64 "Z",
                civil.tm_year + 1900, civil.tm_mon + 1, civil.tm_mday, civil.tm_hour, civil.tm_min,
                civil.tm_sec, fraction);
  return text;
}

TsbsQueryGenerator::TsbsQueryGenerator(const TsbsQueryData& data, const TsbsQueryType& type,
                                       uint64_t seed, std::string_view stream)
    : data_(data), type_(type), rng_(seed ^ Fnv1a(stream, Fnv1a(type.name))) {}

std::string TsbsQueryGenerator::Validate(const TsbsQueryData& data, const TsbsQueryType& type) {
  if (data.hosts == 0 || data.ticks <= 0 || data.interval_micros <= 0) {
    return "the data set is empty";
  }
  if (type.hosts > data.hosts) {
    return std::string(type.name) + " needs " + std::to_string(type.hosts) +
           " hosts, the data has " + std::to_string(data.hosts);
  }
  // TSBS: window start = T0 + Int63n(T1 - window - T0) with T1 = data end + 1 s.
  if (type.window_micros > 0 &&
      data.end_micros() + kSecond - type.window_micros - data.start_micros <= 0) {
    return std::string(type.name) + " needs more than " +
           std::to_string(type.window_micros / kHour) + " h of data";
  }
  return "";
}

TsbsQuery TsbsQueryGenerator::Next() {
  TsbsQuery query;
  query.type = &type_;
  if (type_.window_micros > 0) {
    const int64_t span = data_.end_micros() + kSecond - type_.window_micros - data_.start_micros;
    query.window_start_micros =
        data_.start_micros + static_cast<int64_t>(rng_.Below(static_cast<uint64_t>(span)));
    query.window_end_micros = query.window_start_micros + type_.window_micros;
  }
  while (query.host_ids.size() < type_.hosts) {
    const size_t host = static_cast<size_t>(rng_.Below(data_.hosts));
    if (std::find(query.host_ids.begin(), query.host_ids.end(), host) == query.host_ids.end()) {
      query.host_ids.push_back(host);
    }
  }
  const auto hosts = static_cast<int64_t>(data_.hosts);
  const int64_t from = query.window_start_micros, to = query.window_end_micros;
  switch (type_.kind) {
    case TsbsQueryKind::kSingleGroupby:
      query.expected_rows = BucketsWithRows(data_, kMinute, from, to);
      break;
    case TsbsQueryKind::kCpuMaxAll:
      query.expected_rows = BucketsWithRows(data_, kHour, from, to);
      break;
    case TsbsQueryKind::kDoubleGroupby:
      query.expected_rows = BucketsWithRows(data_, kHour, from, to) * hosts;
      break;
    case TsbsQueryKind::kHighCpu: break;  // Depends on the values.
    case TsbsQueryKind::kLastpoint:
    case TsbsQueryKind::kGroupbyHost10Aggs: query.expected_rows = hosts; break;
    case TsbsQueryKind::kGroupbyOrderbyLimit:
      query.expected_rows =
          std::min<int64_t>(kOrderbyLimitRows, BucketsWithRows(data_, kMinute, INT64_MIN, to));
      break;
  }
  return query;
}

std::string TimescaleSql(const TsbsQuery& query) {
  const TsbsQueryType& type = *query.type;
  switch (type.kind) {
    case TsbsQueryKind::kSingleGroupby:
      return "SELECT time_bucket('60 seconds', time) AS minute, " +
             Aggregates("max", "max", type.metrics) + " FROM cpu WHERE " + HostList(query) +
             " AND " + TimeRange(query) + " GROUP BY minute ORDER BY minute ASC";
    case TsbsQueryKind::kCpuMaxAll:
      return "SELECT time_bucket('3600 seconds', time) AS hour, " +
             Aggregates("max", "max", type.metrics) + " FROM cpu WHERE " + HostList(query) +
             " AND " + TimeRange(query) + " GROUP BY hour ORDER BY hour";
    case TsbsQueryKind::kDoubleGroupby: {
      std::string means;
      for (size_t idx = 0; idx < type.metrics; ++idx) {
        means += std::string(", mean_") + kTsbsUsageNames[idx];
      }
      return "WITH cpu_avg AS (SELECT time_bucket('3600 seconds', time) AS hour, hostname, " +
             Aggregates("avg", "mean", type.metrics) + " FROM cpu WHERE " + TimeRange(query) +
             " GROUP BY 1, 2) SELECT hour, hostname" + means +
             " FROM cpu_avg ORDER BY hour, hostname";
    }
    case TsbsQueryKind::kHighCpu:
      return "SELECT * FROM cpu WHERE usage_user > 90.0 AND " + TimeRange(query) +
             (query.host_ids.empty() ? "" : " AND " + HostList(query));
    case TsbsQueryKind::kLastpoint:
      return "SELECT DISTINCT ON (hostname) * FROM cpu ORDER BY hostname, time DESC";
    case TsbsQueryKind::kGroupbyOrderbyLimit:
      return "SELECT time_bucket('60 seconds', time) AS minute, max(usage_user) FROM cpu "
             "WHERE time < " +
             Quoted(FormatRfc3339Micros(query.window_end_micros)) +
             " GROUP BY minute ORDER BY minute DESC LIMIT " + std::to_string(kOrderbyLimitRows);
    case TsbsQueryKind::kGroupbyHost10Aggs:
      return "SELECT hostname, " + Aggregates("avg", "", type.metrics) +
             " FROM cpu GROUP BY hostname";
  }
  return "";
}

}  // namespace strata::bench
