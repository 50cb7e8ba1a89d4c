// Executor: end-to-end runs of bound plans over in-memory batches (parse, bind, fold, push
// down, execute), checking results, ordering, limits and parallel merging.
#include "exec/executor.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <mutex>
#include <thread>

#include "exec/constant_folding.h"
#include "sql/binder.h"
#include "sql/parser.h"
#include "sql/pushdown.h"
#include "test_util.h"

namespace strata::exec {
namespace {

using types::ColumnVector;
using types::DataType;

class OneTable : public sql::Catalog {
 public:
  std::optional<sql::TableInfo> Find(std::string_view name) override {
    if (name != "t") return std::nullopt;
    sql::TableInfo table;
    table.name = "t";
    table.schema = schema;
    table.time_field_id = 1;
    return table;
  }
  std::vector<std::string> Names() override { return {"t"}; }
  types::Schema schema;
};

// Rows as text, one string per row ("a|1|NULL"), in result order.
class TextSink : public RowSink {
 public:
  Status Begin(const std::vector<ResultColumn>& columns) override {
    this->columns = columns;
    return Status();
  }
  Status Write(const std::vector<ColumnVector>& batch, size_t begin, size_t end) override {
    for (size_t row = begin; row < end; ++row) {
      std::string text;
      for (size_t j = 0; j < batch.size(); ++j) {
        if (j > 0) text += '|';
        const types::Value value = batch[j].ValueAt(row);
        if (std::holds_alternative<std::monostate>(value)) {
          text += "NULL";
        } else if (const auto* b = std::get_if<bool>(&value)) {
          text += *b ? "true" : "false";
        } else if (const auto* i = std::get_if<int64_t>(&value)) {
          text += std::to_string(*i);
        } else if (const auto* d = std::get_if<double>(&value)) {
          char buffer[32];
          std::snprintf(buffer, sizeof(buffer), "%g", *d);
          text += buffer;
        } else {
          text += std::get<std::string>(value);
        }
      }
      rows.push_back(std::move(text));
    }
    return Status();
  }
  std::vector<ResultColumn> columns;
  std::vector<std::string> rows;
};

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto field = [](uint32_t id, std::string name, DataType type) {
      types::Field f;
      f.id = id;
      f.name = std::move(name);
      f.type = type;
      f.nullable = true;
      return f;
    };
    catalog_.schema.version = 1;
    catalog_.schema.fields = {field(1, "time", DataType::kTimestamp),
                              field(2, "host", DataType::kString), field(3, "v", DataType::kInt64),
                              field(4, "f", DataType::kFloat64)};
    // 4 batches of 250 rows: host h0..h9 (dictionary form in odd batches), v = i % 100,
    // f = i / 4.0, every 7th f NULL; time = i seconds.
    for (int b = 0; b < 4; ++b) {
      types::Batch batch = types::Batch::ForSchema(catalog_.schema);
      for (int k = 0; k < 250; ++k) {
        const int i = b * 250 + k;
        batch.columns[0].AppendInt(int64_t{i} * 1'000'000);
        batch.columns[1].AppendString("h" + std::to_string(i % 10));
        batch.columns[2].AppendInt(i % 100);
        if (i % 7 == 0) {
          batch.columns[3].AppendNull();
        } else {
          batch.columns[3].AppendDouble(i / 4.0);
        }
      }
      batch.num_rows = 250;
      if (b % 2 == 1) batch.columns[1].DictionaryEncode();
      for (int k = 0; k < 250; ++k) batch.seqs.push_back(b * 250 + k + 1);
      batches_.push_back(std::move(batch));
    }
  }

  // Serves the batches in order (one thread) or split over two threads.
  ScanFunction Scan() {
    return [this](const std::string&, const types::ScanSpec& spec,
                  const types::BatchSink& sink) -> Result<types::ScanStats> {
      types::ScanStats stats;
      std::mutex mu;
      auto serve = [&](size_t first) {
        for (size_t b = first; b < batches_.size(); b += static_cast<size_t>(spec.parallelism)) {
          types::Batch batch;
          batch.num_rows = batches_[b].num_rows;
          for (uint32_t id : spec.field_ids) batch.columns.push_back(*batches_[b].Column(id));
          batch.field_ids = spec.field_ids;
          if (spec.with_seqs) batch.seqs = batches_[b].seqs;
          // Apply pushed predicates the way storage does, by filtering rows.
          std::vector<uint32_t> keep;
          for (uint32_t row = 0; row < batch.num_rows; ++row) {
            const int64_t time = batches_[b].columns[0].IntAt(row);
            bool ok = time >= spec.min_time && time < spec.max_time;
            for (const types::Predicate& p : spec.predicates) {
              const ColumnVector& column = *batches_[b].Column(p.field_id);
              if (column.IsNull(row)) ok = false;
              if (!ok) break;
              const types::Value value = column.ValueAt(row);
              if (p.op == types::CompareOp::kIn) {
                bool any = false;
                for (const types::Value& candidate : p.values) any = any || candidate == value;
                ok = any;
              } else {
                const int c = value < p.values[0] ? -1 : (p.values[0] < value ? 1 : 0);
                switch (p.op) {
                  case types::CompareOp::kEq: ok = c == 0; break;
                  case types::CompareOp::kLt: ok = c < 0; break;
                  case types::CompareOp::kLe: ok = c <= 0; break;
                  case types::CompareOp::kGt: ok = c > 0; break;
                  case types::CompareOp::kGe: ok = c >= 0; break;
                  case types::CompareOp::kIn: break;
                }
              }
            }
            if (ok) keep.push_back(row);
          }
          types::Batch filtered;
          filtered.field_ids = batch.field_ids;
          for (const ColumnVector& column : batch.columns) {
            filtered.columns.emplace_back(column.type());
            filtered.columns.back().AppendSelected(column, keep);
          }
          for (uint32_t row : keep) {
            if (spec.with_seqs) filtered.seqs.push_back(batch.seqs[row]);
          }
          filtered.num_rows = keep.size();
          {
            std::lock_guard lock(mu);
            stats.rows_scanned += batch.num_rows;
          }
          if (!sink(filtered)) return;
        }
      };
      if (spec.parallelism > 1) {
        std::thread other(serve, 1);
        serve(0);
        other.join();
      } else {
        serve(0);
      }
      return stats;
    };
  }

  Result<std::vector<std::string>> Run(const std::string& text, int parallelism = 1,
                                       ExecOptions options = {}) {
    STRATA_ASSIGN_OR_RETURN(sql::QueryPlan plan, Plan(text));
    options.parallelism = parallelism;
    TextSink sink;
    STRATA_ASSIGN_OR_RETURN(ExecStats stats, Execute(plan, Scan(), options, sink));
    last_stats_ = stats;
    return sink.rows;
  }

  // The plan Run executes.
  Result<sql::QueryPlan> Plan(const std::string& text) {
    STRATA_ASSIGN_OR_RETURN(sql::Statement statement, sql::ParseStatement(text));
    sql::BindOptions bind;
    bind.catalog = &catalog_;
    bind.sql = text;
    STRATA_ASSIGN_OR_RETURN(sql::BoundStatement bound, sql::Bind(statement, bind));
    STRATA_RETURN_IF_ERROR(FoldConstants(bound.plan));
    sql::PushDownPredicates(bound.plan);
    sql::PushDownLatestPerKey(bound.plan);
    return std::move(bound.plan);
  }

  OneTable catalog_;
  std::vector<types::Batch> batches_;
  ExecStats last_stats_;
};

TEST_F(ExecutorTest, GroupByStringKeyWithSeveralAggregates) {
  for (int parallelism : {1, 2}) {
    ASSERT_OK_AND_ASSIGN(auto rows, Run("SELECT host, count(*), count(f), sum(v), min(v), max(v) "
                                        "FROM t GROUP BY host ORDER BY host",
                                        parallelism));
    ASSERT_EQ(rows.size(), 10u);
    // host h0: i = 0, 10, ..., 990 (100 rows); v = i % 100 in {0,10,...,90}, 10 times each.
    // f NULL where i % 7 == 0: i = 0, 70, 140, ..., 980 -> 15 rows.
    EXPECT_EQ(rows[0], "h0|100|85|4500|0|90") << parallelism;
    EXPECT_EQ(rows[9], "h9|100|86|5400|9|99") << parallelism;
  }
}

TEST_F(ExecutorTest, GlobalAggregateOverNoRowsAnswersOneRow) {
  ASSERT_OK_AND_ASSIGN(auto rows, Run("SELECT count(*), sum(v), max(f) FROM t WHERE host = 'x'"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], "0|NULL|NULL");
}

TEST_F(ExecutorTest, TimeBucketsGroupAndOrder) {
  ASSERT_OK_AND_ASSIGN(auto rows,
                       Run("SELECT time_bucket('5 minutes', time) AS bucket, count(*) FROM t "
                           "GROUP BY bucket ORDER BY bucket DESC LIMIT 2",
                           2));
  // 1000 seconds: buckets at 0, 300, 600, 900 s; the last holds 100 rows.
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], "900000000|100");
  EXPECT_EQ(rows[1], "600000000|300");
}

TEST_F(ExecutorTest, FilterProjectAndStreamingLimit) {
  ASSERT_OK_AND_ASSIGN(auto rows, Run("SELECT v * 2, host FROM t WHERE v >= 98 AND f > 100"));
  // i % 100 >= 98 and i / 4 > 100 (i > 400): 498, 499, 598, ..., 999 minus NULL f (i%7==0).
  std::vector<std::string> expected;
  for (int i = 401; i < 1000; ++i) {
    if (i % 100 >= 98 && i % 7 != 0) {
      expected.push_back(std::to_string(2 * (i % 100)) + "|h" + std::to_string(i % 10));
    }
  }
  EXPECT_EQ(rows, expected);
  ASSERT_OK_AND_ASSIGN(rows, Run("SELECT v FROM t LIMIT 3 OFFSET 2"));
  EXPECT_EQ(rows, (std::vector<std::string>{"2", "3", "4"}));
}

// Outputs that are a lone column take the scan's vector over; a column read twice, or by
// another output, is copied (and is still whole for the other reader); a WHERE that drops
// rows gathers them.
TEST_F(ExecutorTest, ProjectionsTakeOverOnlyColumnsNothingElseReads) {
  std::vector<std::string> every_v;
  std::vector<std::string> v_twice;
  std::vector<std::string> v_and_more;
  for (int i = 0; i < 1000; ++i) {
    const std::string v = std::to_string(i % 100);
    const std::string host = "h" + std::to_string(i % 10);
    every_v.push_back(host + "|" + v);
    v_twice.push_back(v + "|" + v);
    v_and_more.push_back(v + "|" + std::to_string(i % 100 + 1) + "|" + host);
  }
  for (int parallelism : {1, 2}) {
    ASSERT_OK_AND_ASSIGN(auto rows, Run("SELECT host, v FROM t", parallelism));
    std::sort(rows.begin(), rows.end());
    std::sort(every_v.begin(), every_v.end());
    EXPECT_EQ(rows, every_v);
    ASSERT_OK_AND_ASSIGN(rows, Run("SELECT v, v FROM t", parallelism));
    std::sort(rows.begin(), rows.end());
    std::sort(v_twice.begin(), v_twice.end());
    EXPECT_EQ(rows, v_twice);
    ASSERT_OK_AND_ASSIGN(rows, Run("SELECT v, v + 1, host FROM t", parallelism));
    std::sort(rows.begin(), rows.end());
    std::sort(v_and_more.begin(), v_and_more.end());
    EXPECT_EQ(rows, v_and_more);
  }
  ASSERT_OK_AND_ASSIGN(auto rows, Run("SELECT host FROM t WHERE v + 0 = 5"));
  EXPECT_EQ(rows.size(), 10u);
  for (const std::string& row : rows) EXPECT_EQ(row, "h5");
}

TEST(ResultRowsTest, CopiesFillPartsAndHandedOverVectorsArePartsOfTheirOwn) {
  ResultRows rows;
  std::vector<ColumnVector> batch(1, ColumnVector(DataType::kInt64));
  for (int i = 0; i < 10'000; ++i) batch[0].AppendInt(i);
  rows.Append(batch, 0, 5'000);
  rows.Append(batch, 5'000, 9'000);   // The first part holds 5,000 < 8,192 rows: appended.
  rows.Append(batch, 9'000, 10'000);  // It holds 9,000 now: a new part.
  rows.Append(batch, 3, 3);           // Nothing.
  ASSERT_EQ(rows.parts.size(), 2u);
  EXPECT_EQ(rows.parts[0].rows, 9'000u);
  EXPECT_EQ(rows.parts[0].columns[0].IntAt(8'999), 8'999);
  EXPECT_EQ(rows.parts[1].rows, 1'000u);
  rows.Append(std::move(batch), 10'000);
  rows.Append(std::vector<ColumnVector>(1, ColumnVector(DataType::kInt64)), 0);  // Nothing.
  ASSERT_EQ(rows.parts.size(), 3u);
  EXPECT_EQ(rows.parts[2].columns[0].IntAt(9'999), 9'999);
  EXPECT_EQ(rows.num_rows, 20'000u);
  // A small batch handed over is copied into a part that has room, not kept on its own.
  std::vector<ColumnVector> small(1, ColumnVector(DataType::kInt64));
  for (int i = 0; i < 10; ++i) small[0].AppendInt(-i);
  rows.Append(std::move(small), 10);
  ASSERT_EQ(rows.parts.size(), 4u);  // The 10,000-row part is full: a new one.
  EXPECT_EQ(rows.parts[3].rows, 10u);
  std::vector<ColumnVector> more(1, ColumnVector(DataType::kInt64));
  more[0].AppendInt(7);
  rows.Append(std::move(more), 1);
  ASSERT_EQ(rows.parts.size(), 4u);
  EXPECT_EQ(rows.parts[3].columns[0].IntAt(10), 7);
  EXPECT_EQ(rows.num_rows, 20'011u);
  EXPECT_GT(rows.MemoryBytes(), 20'000 * sizeof(int64_t));
}

// Regression (differential test against SQLite): an int64 compared with a non-integral float
// constant answered false instead of NULL for NULL values, so NOT (x = 0.5) kept NULL rows.
TEST_F(ExecutorTest, IntAgainstNonIntegralConstantIsNullForNullValues) {
  // x is v where f is not NULL (i = 1, 2) and NULL where it is (i = 0, 7).
  const std::string x = "(CASE WHEN f IS NULL THEN NULL ELSE v END)";
  ASSERT_OK_AND_ASSIGN(auto rows, Run("SELECT v, " + x + " = 0.5, " + x + " <> 0.5, 0.5 < " + x +
                                      " FROM t WHERE v IN (0, 1, 2, 7) AND time < 10000000"));
  EXPECT_EQ(rows, (std::vector<std::string>{"0|NULL|NULL|NULL", "1|false|true|true",
                                            "2|false|true|true", "7|NULL|NULL|NULL"}));
  ASSERT_OK_AND_ASSIGN(rows,
                       Run("SELECT v FROM t WHERE NOT (" + x + " = 0.5) AND time < 10000000"));
  EXPECT_EQ(rows, (std::vector<std::string>{"1", "2", "3", "4", "5", "6", "8", "9"}));
  ASSERT_OK_AND_ASSIGN(rows, Run("SELECT v FROM t WHERE NOT (" + x + " <> 0.5)"));
  EXPECT_TRUE(rows.empty());
}

TEST_F(ExecutorTest, OrderByWithTopNAcrossThreads) {
  ASSERT_OK_AND_ASSIGN(auto rows, Run("SELECT time, f FROM t ORDER BY f DESC NULLS LAST, time "
                                      "LIMIT 3",
                                      2));
  EXPECT_EQ(rows,
            (std::vector<std::string>{"999000000|249.75", "998000000|249.5", "997000000|249.25"}));
}

TEST_F(ExecutorTest, DistinctAndDistinctOn) {
  ASSERT_OK_AND_ASSIGN(auto rows, Run("SELECT DISTINCT v % 3 AS m FROM t ORDER BY m"));
  EXPECT_EQ(rows, (std::vector<std::string>{"0", "1", "2"}));
  ASSERT_OK_AND_ASSIGN(rows, Run("SELECT DISTINCT ON (host) host, time FROM t "
                                 "ORDER BY host, time DESC LIMIT 2",
                                 2));
  EXPECT_EQ(rows, (std::vector<std::string>{"h0|990000000", "h1|991000000"}));
}

// DISTINCT ON (k) ... ORDER BY k, o DESC tells the scan that only each key's latest rows
// matter, unless something else could reject a key's latest row.
TEST_F(ExecutorTest, DistinctOnLatestTellsTheScanWhenNothingElseFilters) {
  ASSERT_OK_AND_ASSIGN(sql::QueryPlan plan,
                       Plan("SELECT DISTINCT ON (host) * FROM t ORDER BY host, time DESC"));
  ASSERT_TRUE(plan.scan.latest_per_key.has_value());
  EXPECT_EQ(plan.scan.latest_per_key->key_field_id, 2u);
  EXPECT_EQ(plan.scan.latest_per_key->order_field_id, 1u);
  ASSERT_OK_AND_ASSIGN(plan,
                       Plan("SELECT DISTINCT ON (host) host, v FROM t WHERE host <> 'h1' "
                            "AND time > '1970-01-01T00:00:10Z' ORDER BY host DESC, time DESC"));
  EXPECT_TRUE(plan.scan.latest_per_key.has_value());  // Key-only filter, time lower bound.
  for (const char* text : {
           "SELECT DISTINCT ON (host) * FROM t ORDER BY host, time",  // Oldest.
           "SELECT DISTINCT ON (host) * FROM t WHERE v > 3 ORDER BY host, time DESC",
           "SELECT DISTINCT ON (host) * FROM t WHERE length(host) > v ORDER BY host, time DESC",
           "SELECT DISTINCT ON (host, v) * FROM t ORDER BY host, v, time DESC",
           "SELECT DISTINCT ON (lower(host)) * FROM t ORDER BY lower(host), time DESC",
           "SELECT DISTINCT ON (host) * FROM (SELECT * FROM t) s ORDER BY host, time DESC",
       }) {
    ASSERT_OK_AND_ASSIGN(plan, Plan(text));
    EXPECT_FALSE(plan.scan.latest_per_key.has_value()) << text;
  }
  // The storage side decides what the hint saves; the answers are those of the plain plan.
  ASSERT_OK_AND_ASSIGN(auto rows, Run("SELECT DISTINCT ON (host) host, time, v FROM t "
                                      "ORDER BY host, time DESC",
                                      2));
  ASSERT_EQ(rows.size(), 10u);
  EXPECT_EQ(rows[0], "h0|990000000|90");
}

TEST_F(ExecutorTest, HavingAndSubquery) {
  ASSERT_OK_AND_ASSIGN(auto rows,
                       Run("SELECT host, avg(v) AS a FROM t GROUP BY host HAVING avg(v) > 53 "
                           "ORDER BY a DESC"));
  EXPECT_EQ(rows, (std::vector<std::string>{"h9|54"}));  // avg(v) of host hk is 45 + k.
  ASSERT_OK_AND_ASSIGN(rows, Run("SELECT count(*) FROM (SELECT host, max(v) AS m FROM t "
                                 "GROUP BY host) s WHERE m > 95"));
  EXPECT_EQ(rows, (std::vector<std::string>{"4"}));
}

// Regression (differential test against SQLite): grouping the rows of a subquery that has
// none crashed the server; the executor fed the outer plan a batch of zero rows.
TEST_F(ExecutorTest, GroupingAnEmptySubqueryAnswersNoGroups) {
  for (int parallelism : {1, 2}) {
    ASSERT_OK_AND_ASSIGN(auto rows, Run("SELECT x, count(*), sum(x) FROM (SELECT v AS x FROM t "
                                        "WHERE v > 1000) s GROUP BY x",
                                        parallelism));
    EXPECT_TRUE(rows.empty());
    ASSERT_OK_AND_ASSIGN(rows, Run("SELECT count(*), sum(m) FROM (SELECT host, max(v) AS m FROM t "
                                   "GROUP BY host HAVING false) s",
                                   parallelism));
    EXPECT_EQ(rows, (std::vector<std::string>{"0|NULL"}));
    ASSERT_OK_AND_ASSIGN(rows, Run("SELECT m FROM (SELECT host, max(v) AS m FROM t GROUP BY host "
                                   "HAVING false) s ORDER BY m",
                                   parallelism));
    EXPECT_TRUE(rows.empty());
  }
}

TEST_F(ExecutorTest, PushedPredicatesReachTheScan) {
  ASSERT_OK_AND_ASSIGN(auto rows, Run("SELECT count(*) FROM t WHERE host IN ('h1', 'h2') AND "
                                      "time >= 100000000 AND time < 200000000"));
  EXPECT_EQ(rows, (std::vector<std::string>{"20"}));
}

TEST_F(ExecutorTest, MemoryLimitStopsTheQueryWithAClearError) {
  ExecOptions options;
  options.memory_limit_bytes = 1000;
  Result<std::vector<std::string>> rows = Run("SELECT time, host FROM t ORDER BY time", 1, options);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().problem_code(), "query_memory_limit");
}

TEST_F(ExecutorTest, CancellationAndDeadlineStopTheScan) {
  ExecOptions options;
  options.cancellation = std::make_shared<Cancellation>();
  options.cancellation->Cancel();
  Result<std::vector<std::string>> rows = Run("SELECT count(*) FROM t", 1, options);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().problem_code(), "query_cancelled");
  ExecOptions late;
  late.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  rows = Run("SELECT count(*) FROM t", 1, late);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().problem_code(), "query_timeout");
}

TEST_F(ExecutorTest, SelectWithoutFromEvaluatesOnce) {
  ASSERT_OK_AND_ASSIGN(auto rows, Run("SELECT 1 + 2, 'a' || 'b'"));
  EXPECT_EQ(rows, (std::vector<std::string>{"3|ab"}));
}

}  // namespace
}  // namespace strata::exec
