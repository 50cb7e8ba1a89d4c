// The TSBS queries (tsbs_queries.h) in each benchmarked system's own language, for the
// benchmark against peers (bench/README.md): one drawn TsbsQuery, one meaning, rendered in the
// idiomatic best form of every dialect (e.g. argMax in ClickHouse, a loose index scan in
// PostgreSQL for lastpoint), or "n/a" with the reason where a dialect cannot express it.
//
// Every dialect's answer has the same columns in the same order (TsbsResultColumns), so that
// answers can be compared position by position; InfluxQL names them instead (its `SELECT *`
// orders columns alphabetically, and GROUP BY tags become series tags), so its aggregates are
// aliased to the canonical names.
//
// Time bounds: stratad, PostgreSQL, DuckDB and InfluxDB compare at microsecond precision.
// ClickHouse 18.16 (DateTime) and SQLite (integer epoch seconds) store whole seconds; since
// every row time is a whole second, `time >= s` and `time < e` mean `time >= ceil(s)` and
// `time < ceil(e)` there, which is what they are given.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tsbs_queries.h"

namespace strata::bench {

enum class QueryDialect {
  kStratad,     // TimescaleSql(): TSBS's TimescaleDB form, which stratad speaks.
  kClickHouse,  // ClickHouse 18.16 SQL; table cpu with `time DateTime` (UTC server).
  kInfluxQl,    // InfluxDB 1.6 InfluxQL; measurement cpu, tags and int fields as TSBS's.
  kPostgres,    // PostgreSQL 15; `time timestamptz`, index on (hostname, time); TimeZone UTC.
  kSqlite,      // SQLite 3; `time INTEGER` epoch seconds, index on (hostname, time).
  kDuckDb,      // DuckDB; `time TIMESTAMP` (UTC).
};

// Every dialect, in report order.
const std::vector<QueryDialect>& AllQueryDialects();
// "stratad", "clickhouse", "influxql", "postgres", "sqlite", "duckdb".
std::string_view QueryDialectName(QueryDialect dialect);
// False for an unknown name.
bool ParseQueryDialect(std::string_view name, QueryDialect& dialect);

struct DialectStatement {
  std::string text;         // Empty when `unsupported` is set.
  std::string unsupported;  // Why the dialect cannot ask this query; empty when it can.
  // The answer's rows come in the order the query type defines (TsbsQueryTypeOrdered); false
  // when the dialect returns the same rows in another order (InfluxQL's series per host).
  bool ordered = true;
};

DialectStatement RenderQuery(const TsbsQuery& query, QueryDialect dialect);

enum class ResultKind { kTime, kString, kNumber };
std::string_view ResultKindName(ResultKind kind);  // "time", "string", "number".

struct ResultColumn {
  std::string name;
  ResultKind kind;
};

// The columns of a correct answer, in order.
std::vector<ResultColumn> TsbsResultColumns(const TsbsQueryType& type);
// Whether the type's ORDER BY fixes the order of its rows (high-cpu has no ORDER BY, and
// groupby-host-10-aggs none either: their rows are compared as sets).
bool TsbsQueryTypeOrdered(const TsbsQueryType& type);

}  // namespace strata::bench
