// query_bench: runs the TSBS devops cpu-only queries (tsbs_queries.h) against a stratad that
// holds the data set, one request at a time over one keep-alive connection, and reports per
// query type the client-side latency, the server's own stats.elapsed_ms and the rows
// returned, checked against the rows a correct answer has. bench/query/README.md.
//
//   STRATA_BENCH_KEY=<api key> query_bench --port 8080 --hosts 1000 [--ticks 8640]
//       [--types a,b,...] [--warmup 2] [--runs 10] [--seed 123] [--limit 10000]
//   query_bench --print-sql --hosts 1000 [--types ...]   (the statements; no server needed)
//   query_bench ... --types T --loop-seconds 10           (T back to back, e.g. under perf)
//   query_bench --print-json --hosts 1000 [--stream measured] [--runs 10] [--types ...]
//       (every query in every dialect of tsbs_dialects.h, one JSON object per line: what the
//        benchmark against peers, bench/run, asks each system; no server needed)
//
// Each query is POST /v1/query {"sql": ..., "limit": L} with format json, so the whole result
// must fit one page: L (and the server's query.max_rows) must be at least the largest result.
// A run fails when the answer is not 200, the result has another page (next_cursor), the
// rows in the body differ from stats.rows_returned, or (where the data fixes it) from the
// expected count. Latency runs from writing the request to having read the whole answer.
//
// Output: one JSON line per query type on stdout, a readable line each on stderr. Exit 0 when
// the runs happened (whatever the answers: see "failures" and "mismatches"), 1 when they could
// not (no connection, a connection that keeps failing), 2 for usage errors.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "http_connection.h"
#include "tsbs_dialects.h"
#include "tsbs_queries.h"

namespace strata::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kSocketTimeoutS = 300;
constexpr int kMaxConsecutiveTransportErrors = 3;
constexpr size_t kMaxProblemChars = 300;

struct Options {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  TsbsQueryData data;
  std::vector<const TsbsQueryType*> types;  // Empty: all.
  size_t warmup = 2;
  size_t runs = 10;
  uint64_t seed = 123;
  int64_t limit = 10'000;
  double loop_seconds = 0;  // > 0: one type back to back for this long (profiling).
  bool print_sql = false;
  bool print_json = false;
  std::string stream = "measured";  // --print-json: which parameter stream.
  bool verbose = false;
};

[[noreturn]] void Usage(const std::string& message) {
  std::fprintf(stderr,
               "query_bench: %s\n"
               "usage: STRATA_BENCH_KEY=<key> query_bench --port P [--address 127.0.0.1]\n"
               "  [--hosts 1000] [--ticks 8640] [--types t1,t2,...] [--warmup 2] [--runs 10]\n"
               "  [--seed 123] [--limit 10000] [--loop-seconds S] [--print-sql] [--verbose]\n"
               "  [--print-json [--stream measured|warmup|NAME]]\n"
               "types:",
               message.c_str());
  for (const TsbsQueryType& type : TsbsQueryTypes()) {
    std::fprintf(stderr, " %.*s", static_cast<int>(type.name.size()), type.name.data());
  }
  std::fprintf(stderr, "\n");
  std::exit(2);
}

uint64_t ParseUint(const char* text, const std::string& name) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0') Usage("bad " + name);
  return value;
}

Options ParseOptions(int argc, char** argv) {
  Options options;
  for (int idx = 1; idx < argc; ++idx) {
    const std::string flag = argv[idx];
    if (flag == "--print-sql") {
      options.print_sql = true;
      continue;
    }
    if (flag == "--print-json") {
      options.print_json = true;
      continue;
    }
    if (flag == "--verbose") {
      options.verbose = true;
      continue;
    }
    if (idx + 1 >= argc) Usage("missing value for " + flag);
    const char* value = argv[++idx];
    if (flag == "--address") {
      options.address = value;
    } else if (flag == "--port") {
      const uint64_t port = ParseUint(value, flag);
      if (port == 0 || port > 65535) Usage("bad --port");
      options.port = static_cast<uint16_t>(port);
    } else if (flag == "--hosts") {
      options.data.hosts = ParseUint(value, flag);
    } else if (flag == "--ticks") {
      options.data.ticks = static_cast<int64_t>(ParseUint(value, flag));
    } else if (flag == "--types") {
      std::string list = value;
      size_t begin = 0;
      while (begin <= list.size()) {
        size_t end = list.find(',', begin);
        if (end == std::string::npos) end = list.size();
        const std::string name = list.substr(begin, end - begin);
        if (!name.empty()) {
          const TsbsQueryType* type = FindTsbsQueryType(name);
          if (type == nullptr) Usage("unknown query type '" + name + "'");
          options.types.push_back(type);
        }
        begin = end + 1;
      }
    } else if (flag == "--stream") {
      options.stream = value;
      if (options.stream.empty()) Usage("bad --stream");
    } else if (flag == "--warmup") {
      options.warmup = ParseUint(value, flag);
    } else if (flag == "--runs") {
      options.runs = ParseUint(value, flag);
    } else if (flag == "--seed") {
      options.seed = ParseUint(value, flag);
    } else if (flag == "--limit") {
      options.limit = static_cast<int64_t>(ParseUint(value, flag));
    } else if (flag == "--loop-seconds") {
      char* end = nullptr;
      options.loop_seconds = std::strtod(value, &end);
      if (end == value || *end != '\0' || !(options.loop_seconds > 0) ||
          options.loop_seconds > 3600) {
        Usage("bad --loop-seconds");
      }
    } else {
      Usage("unknown option " + flag);
    }
  }
  if (options.types.empty()) {
    for (const TsbsQueryType& type : TsbsQueryTypes()) options.types.push_back(&type);
  }
  if (options.print_sql || options.print_json) return options;
  if (options.port == 0) Usage("--port is required");
  if (options.address.rfind("127.", 0) != 0) Usage("--address must be a loopback address");
  if (options.runs == 0 || options.runs > 100'000) Usage("--runs: 1..100000");
  if (options.limit <= 0) Usage("--limit must be positive");
  if (options.loop_seconds > 0 && options.types.size() != 1) {
    Usage("--loop-seconds needs exactly one --types");
  }
  return options;
}

// Appends `text` as a JSON string body (without quotes).
void AppendJsonEscaped(std::string& out, std::string_view text) {
  for (char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (byte < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", byte);
      out += escaped;
    } else {
      out += ch;
    }
  }
}

// The number after `"name":` inside `object`, or -1.
double NumberMember(std::string_view object, std::string_view name) {
  std::string key = "\"";
  key += name;
  key += "\":";
  const size_t pos = object.find(key);
  if (pos == std::string_view::npos) return -1;
  const char* begin = object.data() + pos + key.size();
  double value = -1;
  const std::from_chars_result parsed =
      std::from_chars(begin, object.data() + object.size(), value);
  return parsed.ec == std::errc() ? value : -1;
}

// The number of elements of the top-level "rows" array of a JSON result page, or -1 when the
// body has none. Walks the text once, minding strings and nesting.
int64_t CountRows(std::string_view body) {
  const size_t key = body.find("\"rows\":[");
  if (key == std::string_view::npos) return -1;
  int64_t rows = 0;
  int depth = 0;
  bool in_string = false;
  for (size_t pos = key + 7; pos < body.size(); ++pos) {
    const char ch = body[pos];
    if (in_string) {
      if (ch == '\\') {
        ++pos;
      } else if (ch == '"') {
        in_string = false;
      }
      continue;
    }
    if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      if (++depth == 2) ++rows;  // An element of the rows array starts.
    } else if (ch == ']' || ch == '}') {
      if (--depth == 0) return rows;
    }
  }
  return -1;
}

// What one query request gave.
struct Outcome {
  bool ok = false;     // 200, one page, rows consistent (expected count checked separately).
  double wall_ms = 0;  // Request written to answer read, client side.
  double server_ms = -1;
  int64_t rows = -1;  // Rows counted in the body.
  int64_t rows_scanned = -1;
  std::string problem;  // Why !ok.
};

class QueryClient {
 public:
  QueryClient(const Options& options, std::string key) : options_(options), key_(std::move(key)) {}

  // Sends `sql` and reads the answer. Returns false only when the connection cannot be
  // (re)established; a failed query is an Outcome with !ok.
  bool Run(const std::string& sql, Outcome& outcome) {
    body_.assign("{\"sql\":\"");
    AppendJsonEscaped(body_, sql);
    body_ += "\",\"limit\":" + std::to_string(options_.limit) + "}";
    head_ = "POST /v1/query HTTP/1.1\r\nHost: " + options_.address + ":" +
            std::to_string(options_.port) + "\r\nAuthorization: Bearer " + key_ +
            "\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: " +
            std::to_string(body_.size()) + "\r\n\r\n";
    std::string error;
    for (int attempt = 0; attempt < kMaxConsecutiveTransportErrors; ++attempt) {
      if (!connection_.connected() &&
          !connection_.Connect(options_.address, options_.port, kSocketTimeoutS, error)) {
        outcome.problem = error;
        return false;
      }
      const Clock::time_point started = Clock::now();
      if (!connection_.Exchange(head_, body_, answer_, error)) continue;  // Reconnect, resend.
      outcome.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
      Inspect(outcome);
      return true;
    }
    outcome.problem = "transport: " + error;
    return true;
  }

 private:
  void Inspect(Outcome& outcome) const {
    const std::string_view body = answer_.body;
    if (answer_.status != 200) {
      outcome.problem = "HTTP " + std::to_string(answer_.status) + ": " +
                        std::string(body.substr(0, kMaxProblemChars));
      return;
    }
    const size_t stats = body.rfind("\"stats\":{");
    if (stats == std::string_view::npos) {
      outcome.problem = "no stats in the answer";
      return;
    }
    const std::string_view stats_object = body.substr(stats);
    outcome.server_ms = NumberMember(stats_object, "elapsed_ms");
    outcome.rows_scanned = static_cast<int64_t>(NumberMember(stats_object, "rows_scanned"));
    const auto rows_returned = static_cast<int64_t>(NumberMember(stats_object, "rows_returned"));
    outcome.rows = CountRows(body);
    const size_t cursor = body.rfind("\"next_cursor\":", stats);
    if (cursor == std::string_view::npos || body.substr(cursor + 14, 4) != "null") {
      outcome.problem = "the result has more than one page (raise --limit and query.max_rows)";
    } else if (outcome.rows < 0) {
      outcome.problem = "no rows array in the answer";
    } else if (outcome.rows != rows_returned) {
      outcome.problem = "the body has " + std::to_string(outcome.rows) +
                        " rows, stats.rows_returned says " + std::to_string(rows_returned);
    } else {
      outcome.ok = true;
    }
  }

  const Options& options_;
  const std::string key_;
  HttpConnection connection_;
  HttpAnswer answer_;
  std::string head_, body_;
};

double Median(std::vector<double> values) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

// Nearest rank: the smallest value with at least `fraction` of the values at or below it.
double Percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(fraction * static_cast<double>(values.size()) + 0.999999);
  rank = std::clamp<size_t>(rank, 1, values.size());
  return values[rank - 1];
}

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  AppendJsonEscaped(out, text);
  return out + "\"";
}

// Measured runs of one type, and every problem any run (warm-up included) had.
struct TypeReport {
  const TsbsQueryType* type = nullptr;
  std::vector<double> wall_ms, server_ms, rows, rows_scanned;
  uint64_t queries = 0;     // Warm-up included.
  uint64_t failures = 0;    // Answers that were not a whole, consistent result.
  uint64_t mismatches = 0;  // Whole results with a row count other than the expected one.
  int64_t expected_min = -1, expected_max = -1;  // Over the queries that fix a count.
  std::string first_problem;
  double loop_seconds = 0;

  void Note(const std::string& problem, const std::string& sql) {
    if (first_problem.empty()) first_problem = problem + " [" + sql + "]";
  }

  void Print() const {
    const double rows_median = Median(rows);
    std::string expected = "null";
    if (expected_min >= 0) {
      expected =
          expected_min == expected_max
              ? std::to_string(expected_min)
              : JsonString(std::to_string(expected_min) + "-" + std::to_string(expected_max));
    }
    std::printf("{\"type\":\"%.*s\",\"runs\":%zu,\"queries\":%" PRIu64 ",\"failures\":%" PRIu64
                ",\"mismatches\":%" PRIu64
                ",\"rows\":%.0f,\"rows_min\":%.0f,\"rows_max\":%.0f,\"expected_rows\":%s,"
                "\"median_ms\":%.3f,\"p95_ms\":%.3f,\"min_ms\":%.3f,\"max_ms\":%.3f,"
                "\"server_median_ms\":%.3f,\"rows_scanned_median\":%.0f,\"loop_seconds\":%.1f,"
                "\"first_problem\":%s}\n",
                static_cast<int>(type->name.size()), type->name.data(), wall_ms.size(), queries,
                failures, mismatches, rows_median,
                rows.empty() ? -1 : *std::min_element(rows.begin(), rows.end()),
                rows.empty() ? -1 : *std::max_element(rows.begin(), rows.end()), expected.c_str(),
                Median(wall_ms), Percentile(wall_ms, 0.95),
                wall_ms.empty() ? -1 : *std::min_element(wall_ms.begin(), wall_ms.end()),
                wall_ms.empty() ? -1 : *std::max_element(wall_ms.begin(), wall_ms.end()),
                Median(server_ms), Median(rows_scanned), loop_seconds,
                first_problem.empty() ? "null" : JsonString(first_problem).c_str());
    std::fflush(stdout);
    std::fprintf(stderr,
                 "query_bench %-22.*s %3zu runs: median %8.2f ms, p95 %8.2f ms (server %8.2f "
                 "ms), rows %.0f; failures %" PRIu64 ", row-count mismatches %" PRIu64 "%s%s\n",
                 static_cast<int>(type->name.size()), type->name.data(), wall_ms.size(),
                 Median(wall_ms), Percentile(wall_ms, 0.95), Median(server_ms), rows_median,
                 failures, mismatches,
                 first_problem.empty() ? "" : "; first: ", first_problem.substr(0, 400).c_str());
  }
};

// One drawn query as a JSON line: its parameters, the columns and order of a correct answer,
// and its statement in every dialect (or why a dialect cannot ask it).
void PrintJson(const TsbsQuery& query, size_t run_idx, const std::string& stream) {
  const TsbsQueryType& type = *query.type;
  std::string line = "{\"type\":" + JsonString(type.name) + ",\"stream\":" + JsonString(stream) +
                     ",\"run\":" + std::to_string(run_idx) + ",\"hosts\":[";
  for (size_t idx = 0; idx < query.host_ids.size(); ++idx) {
    line += (idx > 0 ? "," : "") + std::to_string(query.host_ids[idx]);
  }
  line += "],\"window_start\":";
  line +=
      type.window_micros > 0 ? JsonString(FormatRfc3339Micros(query.window_start_micros)) : "null";
  line += ",\"window_end\":";
  line +=
      type.window_micros > 0 ? JsonString(FormatRfc3339Micros(query.window_end_micros)) : "null";
  line += ",\"expected_rows\":";
  line += query.expected_rows ? std::to_string(*query.expected_rows) : "null";
  line += ",\"ordered\":";
  line += TsbsQueryTypeOrdered(type) ? "true" : "false";
  line += ",\"columns\":[";
  const std::vector<ResultColumn> columns = TsbsResultColumns(type);
  for (size_t idx = 0; idx < columns.size(); ++idx) {
    line += (idx > 0 ? ",{\"name\":" : "{\"name\":") + JsonString(columns[idx].name) +
            ",\"kind\":" + JsonString(ResultKindName(columns[idx].kind)) + "}";
  }
  line += "],\"statements\":{";
  bool first = true;
  for (QueryDialect dialect : AllQueryDialects()) {
    const DialectStatement statement = RenderQuery(query, dialect);
    line += (first ? "" : ",") + JsonString(QueryDialectName(dialect)) + ":{";
    first = false;
    if (statement.unsupported.empty()) {
      line += "\"text\":" + JsonString(statement.text) +
              ",\"ordered\":" + (statement.ordered ? "true" : "false") + "}";
    } else {
      line += "\"unsupported\":" + JsonString(statement.unsupported) + "}";
    }
  }
  line += "}}\n";
  std::fputs(line.c_str(), stdout);
}

// Runs one query and records it. Returns false when the server cannot be reached.
bool RunOne(QueryClient& client, const TsbsQuery& query, bool measured, bool verbose,
            TypeReport& report) {
  const std::string sql = TimescaleSql(query);
  Outcome outcome;
  if (!client.Run(sql, outcome)) {
    report.Note(outcome.problem, sql);
    return false;
  }
  ++report.queries;
  if (verbose) {
    std::fprintf(stderr, "  %.2f ms (server %.2f), %" PRId64 " rows: %s\n", outcome.wall_ms,
                 outcome.server_ms, outcome.rows, sql.c_str());
  }
  if (query.expected_rows) {
    const int64_t expected = *query.expected_rows;
    report.expected_min =
        report.expected_min < 0 ? expected : std::min(report.expected_min, expected);
    report.expected_max = std::max(report.expected_max, expected);
  }
  if (!outcome.ok) {
    ++report.failures;
    report.Note(outcome.problem, sql);
    return true;
  }
  if (query.expected_rows && outcome.rows != *query.expected_rows) {
    ++report.mismatches;
    report.Note("returned " + std::to_string(outcome.rows) + " rows, expected " +
                    std::to_string(*query.expected_rows),
                sql);
  }
  if (measured) {
    report.wall_ms.push_back(outcome.wall_ms);
    report.server_ms.push_back(outcome.server_ms);
    report.rows.push_back(static_cast<double>(outcome.rows));
    report.rows_scanned.push_back(static_cast<double>(outcome.rows_scanned));
  }
  return true;
}

int Main(int argc, char** argv) {
  const Options options = ParseOptions(argc, argv);
  for (const TsbsQueryType* type : options.types) {
    const std::string why = TsbsQueryGenerator::Validate(options.data, *type);
    if (!why.empty()) Usage(why);
  }
  if (options.print_json) {
    for (const TsbsQueryType* type : options.types) {
      TsbsQueryGenerator generator(options.data, *type, options.seed, options.stream);
      for (size_t run_idx = 0; run_idx < options.runs; ++run_idx) {
        PrintJson(generator.Next(), run_idx, options.stream);
      }
    }
    return 0;
  }
  if (options.print_sql) {
    for (const TsbsQueryType* type : options.types) {
      TsbsQueryGenerator measured(options.data, *type, options.seed, "measured");
      for (size_t run_idx = 0; run_idx < options.runs; ++run_idx) {
        const TsbsQuery query = measured.Next();
        std::printf("%.*s\t%s\t%s;\n", static_cast<int>(type->name.size()), type->name.data(),
                    query.expected_rows ? std::to_string(*query.expected_rows).c_str() : "-",
                    TimescaleSql(query).c_str());
      }
    }
    return 0;
  }
  const char* key = std::getenv("STRATA_BENCH_KEY");
  if (key == nullptr || *key == '\0') Usage("STRATA_BENCH_KEY is not set");

  QueryClient client(options, key);
  for (const TsbsQueryType* type : options.types) {
    TypeReport report;
    report.type = type;
    if (options.loop_seconds > 0) {
      TsbsQueryGenerator loop(options.data, *type, options.seed, "loop");
      const Clock::time_point start = Clock::now();
      const auto until = start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(options.loop_seconds));
      do {
        if (!RunOne(client, loop.Next(), true, options.verbose, report)) break;
      } while (Clock::now() < until);
      report.loop_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    } else {
      TsbsQueryGenerator warmup(options.data, *type, options.seed, "warmup");
      TsbsQueryGenerator measured(options.data, *type, options.seed, "measured");
      bool reachable = true;
      for (size_t run_idx = 0; reachable && run_idx < options.warmup; ++run_idx) {
        reachable = RunOne(client, warmup.Next(), false, options.verbose, report);
      }
      for (size_t run_idx = 0; reachable && run_idx < options.runs; ++run_idx) {
        reachable = RunOne(client, measured.Next(), true, options.verbose, report);
      }
      if (!reachable) {
        report.Print();
        std::fprintf(stderr, "query_bench: cannot reach the server: %s\n",
                     report.first_problem.c_str());
        return 1;
      }
    }
    report.Print();
  }
  return 0;
}

}  // namespace
}  // namespace strata::bench

int main(int argc, char** argv) { return strata::bench::Main(argc, argv); }
