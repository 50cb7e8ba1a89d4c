// The TSBS devops cpu-only queries (shared/bench/TSBS.md section 1, "Queries"): which query
// types exist, how each draws its random parameters, the SQL it sends (TimescaleDB form, which
// stratad speaks), and how many rows a correct answer has. One place, so that every harness
// (bench/query, the benchmark against peers) asks the same questions in the same order.
//
// Parameters follow tsbs_generate_queries, not bit-exactly (own RNG, microseconds instead of
// nanoseconds): a window of the type's length starts at T0 + U[0, T1 - window - T0), unaligned,
// where [T0, T1) is the data's time range plus one second (TSBS's --timestamp-end = data end
// + 1 s); hosts are distinct uniform draws from [0, scale). Every query type has its own
// streams of parameters, fixed by (seed, type, stream), so a type's queries do not depend on
// which other types run or on how many warm-up queries ran before.
//
// Thread safety: plain values; a TsbsQueryGenerator is used by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tsbs_rows.h"

namespace strata::bench {

enum class TsbsQueryKind {
  kSingleGroupby,        // max of M fields per minute, H hosts, T hours
  kCpuMaxAll,            // max of all 10 fields per hour, H hosts, 8 hours
  kDoubleGroupby,        // avg of N fields per (hour, host), all hosts, 12 hours (WITH ...)
  kHighCpu,              // rows with usage_user > 90, 12 hours, one host or all
  kLastpoint,            // the latest row of every host (DISTINCT ON)
  kGroupbyOrderbyLimit,  // max(usage_user) of the last 5 minutes before a random end
  kGroupbyHost10Aggs,    // Strata's own: avg of all 10 fields per host over every row
};

struct TsbsQueryType {
  std::string_view name;  // TSBS's name, e.g. "single-groupby-1-1-12".
  TsbsQueryKind kind;
  size_t metrics;         // usage fields used (the first `metrics` of kTsbsUsageNames).
  size_t hosts;           // hosts in the `hostname IN (...)` list; 0: no host filter.
  int64_t window_micros;  // length of the random time window; 0: none.
};

// Every type, in the order the benchmark runs them.
const std::vector<TsbsQueryType>& TsbsQueryTypes();
// The type named `name`, or null.
const TsbsQueryType* FindTsbsQueryType(std::string_view name);

// The data set the queries run against: `hosts` hosts, one row per host every `interval`
// from `start` for `ticks` ticks (bench/micro/tsbs_rows.h).
struct TsbsQueryData {
  size_t hosts = 1000;
  int64_t start_micros = kTsbsStartMicros;
  int64_t interval_micros = kTsbsIntervalMicros;
  int64_t ticks = 8640;  // One day.

  int64_t end_micros() const { return start_micros + ticks * interval_micros; }
};

// One drawn query.
struct TsbsQuery {
  const TsbsQueryType* type = nullptr;
  std::vector<size_t> host_ids;     // Distinct, in draw order; empty when the type has none.
  int64_t window_start_micros = 0;  // [start, end) when the type has a window.
  int64_t window_end_micros = 0;    // groupby-orderby-limit uses only the end (no lower bound).
  // Rows of a correct answer, or nullopt where the data does not fix it (high-cpu).
  std::optional<int64_t> expected_rows;
};

// Draws queries of one type. REQUIRES (checked by Validate): the data spans more than the
// longest window, and has at least as many hosts as the type filters on.
class TsbsQueryGenerator {
 public:
  // `stream` separates independent sequences of the same type (e.g. warm-up and measured).
  TsbsQueryGenerator(const TsbsQueryData& data, const TsbsQueryType& type, uint64_t seed,
                     std::string_view stream);

  // Why `type` cannot be drawn over `data`, or "" when it can.
  static std::string Validate(const TsbsQueryData& data, const TsbsQueryType& type);

  TsbsQuery Next();

 private:
  TsbsQueryData data_;
  const TsbsQueryType& type_;
  SplitMix64 rng_;
};

// The statement in TSBS's TimescaleDB form (cmd/tsbs_generate_queries/databases/timescaledb),
// on one line, with RFC 3339 timestamps in UTC (TSBS writes '2016-01-01 05:12:33.123456 +0000').
std::string TimescaleSql(const TsbsQuery& query);

// `micros` as RFC 3339 UTC with microseconds: 2016-01-01T05:12:33.123456Z.
std::string FormatRfc3339Micros(int64_t micros);

}  // namespace strata::bench
