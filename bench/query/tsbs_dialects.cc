#include "tsbs_dialects.h"

#include <cinttypes>
#include <cstdio>
#include <ctime>

namespace strata::bench {
namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int kOrderbyLimitRows = 5;  // groupby-orderby-limit's LIMIT, as TimescaleSql's.

const std::vector<QueryDialect> kDialects = {
    QueryDialect::kStratad,  QueryDialect::kClickHouse, QueryDialect::kInfluxQl,
    QueryDialect::kPostgres, QueryDialect::kSqlite,     QueryDialect::kDuckDb,
};

int64_t CeilSeconds(int64_t micros) {
  const int64_t seconds = micros / kSecond;
  return seconds * kSecond < micros ? seconds + 1 : seconds;
}

// "YYYY-MM-DD hh:mm:ss" of whole epoch seconds, UTC.
std::string CivilSeconds(int64_t seconds) {
  const time_t whole = static_cast<time_t>(seconds);
  tm civil{};
  gmtime_r(&whole, &civil);
  char text[64];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02d %02d:%02d:%02d", civil.tm_year + 1900,
                civil.tm_mon + 1, civil.tm_mday, civil.tm_hour, civil.tm_min, civil.tm_sec);
  return text;
}

// The instant `micros` as a literal the dialect compares its time column with.
std::string TimeLiteral(QueryDialect dialect, int64_t micros) {
  switch (dialect) {
    case QueryDialect::kClickHouse:
      return "toDateTime('" + CivilSeconds(CeilSeconds(micros)) + "')";
    case QueryDialect::kSqlite: return std::to_string(CeilSeconds(micros));
    case QueryDialect::kDuckDb: {
      // TIMESTAMP 'YYYY-MM-DD hh:mm:ss.ffffff': the RFC 3339 text without 'T' and 'Z'.
      std::string text = FormatRfc3339Micros(micros);
      text[10] = ' ';
      text.pop_back();
      return "TIMESTAMP '" + text + "'";
    }
    case QueryDialect::kStratad:
    case QueryDialect::kInfluxQl:
    case QueryDialect::kPostgres: return "'" + FormatRfc3339Micros(micros) + "'";
  }
  return "";
}

std::string TimeRange(QueryDialect dialect, const TsbsQuery& query) {
  return "time >= " + TimeLiteral(dialect, query.window_start_micros) + " AND time < " +
         TimeLiteral(dialect, query.window_end_micros);
}

std::string HostName(size_t host) { return "'host_" + std::to_string(host) + "'"; }

// hostname IN ('host_1', ...); InfluxQL has no IN: (hostname = 'host_1' OR ...).
std::string HostFilter(QueryDialect dialect, const TsbsQuery& query) {
  std::string filter = dialect == QueryDialect::kInfluxQl ? "(" : "hostname IN (";
  for (size_t idx = 0; idx < query.host_ids.size(); ++idx) {
    if (dialect == QueryDialect::kInfluxQl) {
      filter += (idx > 0 ? " OR hostname = " : "hostname = ") + HostName(query.host_ids[idx]);
    } else {
      filter += (idx > 0 ? ", " : "") + HostName(query.host_ids[idx]);
    }
  }
  return filter + ")";
}

// "agg(f1) AS prefix_f1, ..." over the first `metrics` usage fields.
std::string Aggregates(std::string_view agg, std::string_view prefix, size_t metrics) {
  std::string list;
  for (size_t idx = 0; idx < metrics; ++idx) {
    if (idx > 0) list += ", ";
    const std::string field = kTsbsUsageNames[idx];
    list += std::string(agg) + "(" + field + ") AS " + std::string(prefix) + "_" + field;
  }
  return list;
}

// The bucket of `seconds` (60 or 3600) holding `time`, in each SQL dialect's idiom.
std::string Bucket(QueryDialect dialect, int64_t seconds) {
  const bool minute = seconds == 60;
  switch (dialect) {
    case QueryDialect::kClickHouse: return minute ? "toStartOfMinute(time)" : "toStartOfHour(time)";
    case QueryDialect::kPostgres:
    case QueryDialect::kDuckDb:
      return minute ? "date_trunc('minute', time)" : "date_trunc('hour', time)";
    case QueryDialect::kSqlite:
      return "time / " + std::to_string(seconds) + " * " + std::to_string(seconds);
    case QueryDialect::kStratad:
    case QueryDialect::kInfluxQl: break;
  }
  return "time_bucket('" + std::to_string(seconds) + " seconds', time)";
}

// Every column of cpu, in table order, each through `wrap` ("%" stands for the column).
std::string AllColumns(std::string_view wrap, bool skip_time_and_hostname) {
  std::string list;
  const auto add = [&](std::string_view column) {
    if (!list.empty()) list += ", ";
    std::string text(wrap);
    const size_t pos = text.find('%');
    text.replace(pos, 1, column);
    list += text;
  };
  if (!skip_time_and_hostname) add("time");
  for (size_t idx = 0; idx < kTsbsTagCount; ++idx) {
    if (skip_time_and_hostname && idx == 0) continue;
    add(kTsbsTagNames[idx]);
  }
  for (size_t idx = 0; idx < kTsbsUsageCount; ++idx) add(kTsbsUsageNames[idx]);
  return list;
}

// max of M fields per bucket, H hosts: single-groupby (minute) and cpu-max-all (hour).
DialectStatement MaxPerBucket(QueryDialect dialect, const TsbsQuery& query, int64_t seconds) {
  const size_t metrics = query.type->metrics;
  const std::string alias = seconds == 60 ? "minute" : "hour";
  if (dialect == QueryDialect::kInfluxQl) {
    return {"SELECT " + Aggregates("max", "max", metrics) + " FROM cpu WHERE " +
                HostFilter(dialect, query) + " AND " + TimeRange(dialect, query) +
                " GROUP BY time(" + (seconds == 60 ? "1m" : "1h") + ") fill(none)",
            "", true};
  }
  return {"SELECT " + Bucket(dialect, seconds) + " AS " + alias + ", " +
              Aggregates("max", "max", metrics) + " FROM cpu WHERE " + HostFilter(dialect, query) +
              " AND " + TimeRange(dialect, query) + " GROUP BY " + alias + " ORDER BY " + alias,
          "", true};
}

DialectStatement DoubleGroupby(QueryDialect dialect, const TsbsQuery& query) {
  const size_t metrics = query.type->metrics;
  if (dialect == QueryDialect::kInfluxQl) {
    // Series per host, each in time order: the rows of (hour, hostname), not in that order.
    return {"SELECT " + Aggregates("mean", "mean", metrics) + " FROM cpu WHERE " +
                TimeRange(dialect, query) + " GROUP BY time(1h), hostname fill(none)",
            "", false};
  }
  return {"SELECT " + Bucket(dialect, 3600) + " AS hour, hostname, " +
              Aggregates("avg", "mean", metrics) + " FROM cpu WHERE " + TimeRange(dialect, query) +
              " GROUP BY hour, hostname ORDER BY hour, hostname",
          "", true};
}

DialectStatement HighCpu(QueryDialect dialect, const TsbsQuery& query) {
  const std::string hosts = query.host_ids.empty() ? "" : " AND " + HostFilter(dialect, query);
  if (dialect == QueryDialect::kClickHouse) {
    // PREWHERE reads usage_user first and the other 20 columns only for matching rows.
    return {"SELECT * FROM cpu PREWHERE usage_user > 90 WHERE " + TimeRange(dialect, query) + hosts,
            "", true};
  }
  return {"SELECT * FROM cpu WHERE usage_user > 90.0 AND " + TimeRange(dialect, query) + hosts, "",
          true};
}

DialectStatement Lastpoint(QueryDialect dialect) {
  switch (dialect) {
    case QueryDialect::kClickHouse:
      return {"SELECT max(time), hostname, " + AllColumns("argMax(%, time)", true) +
                  " FROM cpu GROUP BY hostname ORDER BY hostname",
              "", true};
    case QueryDialect::kDuckDb:
      return {"SELECT max(time), hostname, " + AllColumns("arg_max(%, time)", true) +
                  " FROM cpu GROUP BY hostname ORDER BY hostname",
              "", true};
    case QueryDialect::kPostgres:
      // A loose index scan over (hostname, time): the next host by the index, then its
      // newest row by the index (wiki.postgresql.org/wiki/Loose_indexscan).
      return {
          "WITH RECURSIVE hosts AS (SELECT min(hostname) AS hostname FROM cpu UNION ALL "
          "SELECT (SELECT min(cpu.hostname) FROM cpu WHERE cpu.hostname > hosts.hostname) "
          "FROM hosts WHERE hosts.hostname IS NOT NULL) SELECT newest.* FROM hosts CROSS "
          "JOIN LATERAL (SELECT * FROM cpu WHERE cpu.hostname = hosts.hostname ORDER BY time "
          "DESC LIMIT 1) AS newest ORDER BY newest.hostname",
          "", true};
    case QueryDialect::kSqlite:
      // The same loose index scan; SQLite has no LATERAL, so the newest row of each host is a
      // correlated rowid lookup on the index.
      return {
          "WITH RECURSIVE hosts(hostname) AS (SELECT min(hostname) FROM cpu UNION ALL "
          "SELECT (SELECT min(cpu.hostname) FROM cpu WHERE cpu.hostname > hosts.hostname) "
          "FROM hosts WHERE hosts.hostname IS NOT NULL) SELECT cpu.* FROM hosts JOIN cpu ON "
          "cpu.rowid = (SELECT newest.rowid FROM cpu AS newest WHERE newest.hostname = "
          "hosts.hostname ORDER BY newest.time DESC LIMIT 1) ORDER BY cpu.hostname",
          "", true};
    case QueryDialect::kInfluxQl:
      // One series per host; InfluxQL cannot order series by a tag.
      return {"SELECT * FROM cpu GROUP BY hostname ORDER BY time DESC LIMIT 1", "", false};
    case QueryDialect::kStratad: break;
  }
  return {};
}

DialectStatement GroupbyOrderbyLimit(QueryDialect dialect, const TsbsQuery& query) {
  const std::string end = TimeLiteral(dialect, query.window_end_micros);
  const std::string limit = std::to_string(kOrderbyLimitRows);
  if (dialect == QueryDialect::kInfluxQl) {
    return {"SELECT max(usage_user) AS max_usage_user FROM cpu WHERE time < " + end +
                " GROUP BY time(1m) fill(none) ORDER BY time DESC LIMIT " + limit,
            "", true};
  }
  return {"SELECT " + Bucket(dialect, 60) +
              " AS minute, max(usage_user) AS max_usage_user FROM "
              "cpu WHERE time < " +
              end + " GROUP BY minute ORDER BY minute DESC LIMIT " + limit,
          "", true};
}

DialectStatement GroupbyHost10Aggs(QueryDialect dialect, const TsbsQuery& query) {
  const size_t metrics = query.type->metrics;
  if (dialect == QueryDialect::kInfluxQl) {
    return {"SELECT " + Aggregates("mean", "avg", metrics) + " FROM cpu GROUP BY hostname", "",
            true};
  }
  return {"SELECT hostname, " + Aggregates("avg", "avg", metrics) + " FROM cpu GROUP BY hostname",
          "", true};
}

}  // namespace

const std::vector<QueryDialect>& AllQueryDialects() { return kDialects; }

std::string_view QueryDialectName(QueryDialect dialect) {
  switch (dialect) {
    case QueryDialect::kStratad: return "stratad";
    case QueryDialect::kClickHouse: return "clickhouse";
    case QueryDialect::kInfluxQl: return "influxql";
    case QueryDialect::kPostgres: return "postgres";
    case QueryDialect::kSqlite: return "sqlite";
    case QueryDialect::kDuckDb: return "duckdb";
  }
  return "?";
}

bool ParseQueryDialect(std::string_view name, QueryDialect& dialect) {
  for (QueryDialect candidate : kDialects) {
    if (QueryDialectName(candidate) == name) {
      dialect = candidate;
      return true;
    }
  }
  return false;
}

std::string_view ResultKindName(ResultKind kind) {
  switch (kind) {
    case ResultKind::kTime: return "time";
    case ResultKind::kString: return "string";
    case ResultKind::kNumber: return "number";
  }
  return "?";
}

DialectStatement RenderQuery(const TsbsQuery& query, QueryDialect dialect) {
  if (dialect == QueryDialect::kStratad) return {TimescaleSql(query), "", true};
  switch (query.type->kind) {
    case TsbsQueryKind::kSingleGroupby: return MaxPerBucket(dialect, query, 60);
    case TsbsQueryKind::kCpuMaxAll: return MaxPerBucket(dialect, query, 3600);
    case TsbsQueryKind::kDoubleGroupby: return DoubleGroupby(dialect, query);
    case TsbsQueryKind::kHighCpu: return HighCpu(dialect, query);
    case TsbsQueryKind::kLastpoint: return Lastpoint(dialect);
    case TsbsQueryKind::kGroupbyOrderbyLimit: return GroupbyOrderbyLimit(dialect, query);
    case TsbsQueryKind::kGroupbyHost10Aggs: return GroupbyHost10Aggs(dialect, query);
  }
  return {};
}

std::vector<ResultColumn> TsbsResultColumns(const TsbsQueryType& type) {
  std::vector<ResultColumn> columns;
  const auto add_usage = [&](std::string_view prefix) {
    for (size_t idx = 0; idx < type.metrics; ++idx) {
      columns.push_back({std::string(prefix) + "_" + kTsbsUsageNames[idx], ResultKind::kNumber});
    }
  };
  switch (type.kind) {
    case TsbsQueryKind::kSingleGroupby:
      columns.push_back({"minute", ResultKind::kTime});
      add_usage("max");
      break;
    case TsbsQueryKind::kCpuMaxAll:
      columns.push_back({"hour", ResultKind::kTime});
      add_usage("max");
      break;
    case TsbsQueryKind::kDoubleGroupby:
      columns.push_back({"hour", ResultKind::kTime});
      columns.push_back({"hostname", ResultKind::kString});
      add_usage("mean");
      break;
    case TsbsQueryKind::kHighCpu:
    case TsbsQueryKind::kLastpoint:
      columns.push_back({"time", ResultKind::kTime});
      for (const char* tag : kTsbsTagNames) columns.push_back({tag, ResultKind::kString});
      for (const char* field : kTsbsUsageNames) columns.push_back({field, ResultKind::kNumber});
      break;
    case TsbsQueryKind::kGroupbyOrderbyLimit:
      columns.push_back({"minute", ResultKind::kTime});
      columns.push_back({"max_usage_user", ResultKind::kNumber});
      break;
    case TsbsQueryKind::kGroupbyHost10Aggs:
      columns.push_back({"hostname", ResultKind::kString});
      add_usage("avg");
      break;
  }
  return columns;
}

bool TsbsQueryTypeOrdered(const TsbsQueryType& type) {
  return type.kind != TsbsQueryKind::kHighCpu && type.kind != TsbsQueryKind::kGroupbyHost10Aggs;
}

}  // namespace strata::bench
