#include "service/query_service.h"

#include "common/json_writer.h"
#include "common/time_util.h"
#include "exec/constant_folding.h"
#include "exec/explain.h"
#include "service/read_audit.h"
#include "sql/parser.h"
#include "sql/pushdown.h"

namespace strata::service {

using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kCursorKind = "query";

Status InvalidParameter(std::string_view name, const std::string& message) {
  return Status::InvalidArgument(message)
      .WithProblemCode("invalid_parameter")
      .WithErrors({ErrorDetail::Pointer("/" + std::string(name), message)});
}

Status InvalidCursor(const std::string& message) {
  return Status::InvalidArgument(message)
      .WithProblemCode("invalid_cursor")
      .WithErrors({ErrorDetail::Pointer("/cursor", message)});
}

Result<types::Value> ParamValue(const json::Value& value, const std::string& pointer) {
  if (value.is_null()) return types::Value();
  if (value.is_bool()) return types::Value(value.bool_value());
  // Only integer literals are int64: 2.0 and 1e3 are floats, as they are in SQL text.
  if (value.type() == json::Type::kInt64) return types::Value(value.int64_value());
  if (value.is_number()) return types::Value(value.double_value());
  if (value.is_string()) return types::Value(value.string_value());
  return Status::InvalidArgument("parameter " + pointer +
                                 " must be a string, number, boolean or null")
      .WithProblemCode("invalid_parameter")
      .WithErrors({ErrorDetail::Pointer("/params" + pointer, "must be a scalar")});
}

Result<sql::ParamMap> ParamsFromJson(const json::Value& params) {
  sql::ParamMap map;
  if (params.is_null()) return map;
  if (params.is_array()) {
    for (size_t i = 0; i < params.items().size(); ++i) {
      STRATA_ASSIGN_OR_RETURN(types::Value value,
                              ParamValue(params.items()[i], "/" + std::to_string(i)));
      map.emplace(std::to_string(i + 1), std::move(value));
    }
    return map;
  }
  if (params.is_object()) {
    for (const auto& [name, value] : params.members()) {
      STRATA_ASSIGN_OR_RETURN(types::Value bound, ParamValue(value, json::PointerAppend("", name)));
      map.emplace(name, std::move(bound));
    }
    return map;
  }
  return InvalidParameter("params", "params must be an object ($name) or an array ($1, $2, ...)");
}

// Makes the result order total, so that page N+1 continues exactly where page N ended:
// dataset rows by their sequence number after the ORDER BY keys; other results by every
// output column.
void AddTieBreakers(sql::QueryPlan& plan) {
  if (!plan.aggregate && !plan.distinct && !plan.dataset.empty()) {
    plan.needs_seqs = true;
    const int seq_slot = static_cast<int>(plan.scan.field_ids.size());
    plan.outputs.push_back({"_seq", types::DataType::kInt64,
                            sql::BoundExpr::Column(seq_slot, types::DataType::kInt64)});
    plan.order_by.push_back({static_cast<int>(plan.outputs.size() - 1), false, false});
    return;
  }
  for (size_t j = 0; j < plan.visible_columns; ++j) {
    bool present = false;
    for (const sql::SortKey& key : plan.order_by)
      present = present || key.column == static_cast<int>(j);
    if (!present) plan.order_by.push_back({static_cast<int>(j), false, false});
  }
}

// Forwards the first `page` rows; counts what comes after.
class PageSink : public exec::RowSink {
 public:
  PageSink(exec::RowSink& inner, int64_t page) : inner_(inner), page_(page) {}
  Status Begin(const std::vector<exec::ResultColumn>& columns) override {
    return inner_.Begin(columns);
  }
  Status Write(const std::vector<types::ColumnVector>& columns, size_t begin, size_t end) override {
    const size_t take = std::min(end - begin, Room());
    if (take > 0) STRATA_RETURN_IF_ERROR(inner_.Write(columns, begin, begin + take));
    Count(take, end - begin);
    return Status();
  }
  Status WriteOwned(std::vector<types::ColumnVector>&& columns, size_t rows) override {
    if (rows > Room()) return Write(columns, 0, rows);
    STRATA_RETURN_IF_ERROR(inner_.WriteOwned(std::move(columns), rows));
    Count(rows, rows);
    return Status();
  }
  bool more() const { return beyond_ > 0; }

 private:
  size_t Room() const { return static_cast<size_t>(std::max<int64_t>(page_ - written_, 0)); }
  void Count(size_t taken, size_t offered) {
    written_ += static_cast<int64_t>(taken);
    beyond_ += static_cast<int64_t>(offered - taken);
  }

  exec::RowSink& inner_;
  int64_t page_;
  int64_t written_ = 0;
  int64_t beyond_ = 0;
};

// Forwards rows and, when `record`, keeps them for the result cache: copies of what it is
// lent, the vectors themselves of what it is handed over (after forwarding them).
class RecordingSink : public exec::RowSink {
 public:
  RecordingSink(exec::RowSink& inner, bool record) : inner_(inner), record_(record) {}
  Status Begin(const std::vector<exec::ResultColumn>& columns) override {
    if (record_) result.columns = columns;
    return inner_.Begin(columns);
  }
  Status Write(const std::vector<types::ColumnVector>& columns, size_t begin, size_t end) override {
    if (record_) result.rows.Append(columns, begin, end);
    return inner_.Write(columns, begin, end);
  }
  Status WriteOwned(std::vector<types::ColumnVector>&& columns, size_t rows) override {
    if (!record_) return inner_.WriteOwned(std::move(columns), rows);
    STRATA_RETURN_IF_ERROR(inner_.Write(columns, 0, rows));
    result.rows.Append(std::move(columns), rows);
    return Status();
  }
  CachedResult result;

 private:
  exec::RowSink& inner_;
  bool record_;
};

// Hands a whole result to `sink`: its header, then its rows, which the sink may keep.
Status WriteWhole(exec::RowSink& sink, const std::shared_ptr<const CachedResult>& result) {
  STRATA_RETURN_IF_ERROR(sink.Begin(result->columns));
  return sink.WriteAll(std::shared_ptr<const exec::ResultRows>(result, &result->rows));
}

// Collects one string column (EXPLAIN lines) and hands it to the sink.
Status WriteLines(exec::RowSink& sink, const std::vector<std::string>& lines) {
  std::vector<types::ColumnVector> columns(1, types::ColumnVector(types::DataType::kString));
  for (const std::string& line : lines) columns[0].AppendString(line);
  return sink.Write(columns, 0, lines.size());
}

class DiscardSink : public exec::RowSink {
 public:
  Status Begin(const std::vector<exec::ResultColumn>&) override { return Status(); }
  Status Write(const std::vector<types::ColumnVector>&, size_t, size_t) override {
    return Status();
  }
};

// Keeps what the caller may know (its rows, the snapshot, memory) and drops what counts
// hidden rows.
void RedactScanStats(exec::ExecStats& stats) {
  const int64_t snapshot = stats.scan.snapshot_seq;
  stats.scan = types::ScanStats();
  stats.scan.snapshot_seq = snapshot;
}

const sql::QueryPlan& ScannedPlan(const sql::QueryPlan& plan) {
  return plan.inner ? ScannedPlan(*plan.inner) : plan;
}

}  // namespace

std::string QueryService::CacheKey(const sql::QueryPlan& plan, const std::string& fingerprint,
                                   int64_t page_rows) {
  const sql::QueryPlan& scanned = ScannedPlan(plan);
  std::string key = fingerprint + "|" + std::to_string(page_rows) + "|";
  if (!scanned.dataset.empty()) {
    Result<types::DatasetStats> stats = backend_.Stats(scanned.dataset);
    if (!stats.ok()) return "";
    key += std::to_string(stats->last_seq) + "/" + std::to_string(stats->resync_horizon) + "|";
  }
  for (const std::string& line : exec::ExplainPlan(plan, nullptr, nullptr, 0)) {
    key += line;
    key += '\n';
  }
  return key;
}

QueryService::QueryService(DatasetService& datasets, backend::DataBackend& backend,
                           CursorCodec cursors, QueryLimits limits, PolicyResolver policies)
    : datasets_(datasets),
      backend_(backend),
      cursors_(std::move(cursors)),
      limits_(limits),
      policies_(std::move(policies)),
      cache_(static_cast<size_t>(std::max<int64_t>(limits.cache_bytes, 0))) {}

QueryService::~QueryService() = default;

Result<sql::BoundStatement> QueryService::BindStatement(
    const security::Principal& caller, const sql::Statement& statement, std::string_view text,
    const sql::ParamMap* params, const std::string& scope, std::optional<uint32_t> schema_version,
    int64_t now_micros, std::string* policy_fingerprint, bool* restricts_rows,
    size_t* row_filters) {
  QueryCatalog catalog(datasets_, policies_, caller,
                       scope.empty() ? std::nullopt : std::optional<std::string>(scope),
                       schema_version);
  sql::BindOptions options;
  options.catalog = &catalog;
  options.params = params;
  options.now_micros = now_micros;
  options.sql = text;
  Result<sql::BoundStatement> bound = sql::Bind(statement, options);
  if (!catalog.error().ok()) return catalog.error();
  if (!bound.ok()) return bound.status();
  if (policy_fingerprint != nullptr) *policy_fingerprint = catalog.policy_fingerprint();
  if (restricts_rows != nullptr) *restricts_rows = catalog.restricts_rows();
  if (row_filters != nullptr) *row_filters = catalog.row_filters();
  STRATA_RETURN_IF_ERROR(exec::FoldConstants(bound->plan));
  sql::PushDownPredicates(bound->plan);
  sql::PushDownLatestPerKey(bound->plan);
  return bound;
}

Result<exec::ExecStats> QueryService::Execute(const sql::QueryPlan& plan, exec::RowSink& sink,
                                              int64_t snapshot_seq, CancellationPtr cancellation) {
  exec::ExecOptions options;
  options.parallelism = limits_.parallelism;
  options.memory_limit_bytes = limits_.memory_limit_bytes;
  options.deadline = Clock::now() + std::chrono::milliseconds(limits_.timeout_ms);
  options.cancellation = std::move(cancellation);
  options.snapshot_seq = snapshot_seq;
  backend::DataBackend& backend = backend_;
  return exec::Execute(
      plan,
      [&backend](const std::string& dataset, const types::ScanSpec& spec,
                 const types::BatchSink& batch_sink) {
        return backend.Scan(dataset, spec, batch_sink);
      },
      options, sink);
}

Result<std::unique_ptr<PreparedQuery>> QueryService::Prepare(const security::Principal& caller,
                                                             const QueryRequest& request) {
  // data:read first (403), then the scoped dataset's existence (404).
  const Status access =
      datasets_.LoadForData(caller, request.dataset, security::Permission::kDataRead).status();
  if (access.code() == StatusCode::kPermissionDenied ||
      (!request.dataset.empty() && !access.ok())) {
    return access;
  }
  if (request.limit && (*request.limit < 1)) {
    return InvalidParameter("limit", "limit must be at least 1");
  }
  if (request.timeout_ms && *request.timeout_ms < 1) {
    return InvalidParameter("timeout_ms", "timeout_ms must be at least 1");
  }

  std::string sql = request.sql;
  std::string params_json = request.params.is_null() ? "" : json::Serialize(request.params);
  json::Value params = request.params;
  std::optional<uint32_t> schema_version = request.schema_version;
  int64_t now_micros = NowMicros();
  int64_t snapshot = 0;
  int64_t position = 0;
  std::optional<int64_t> page_limit = request.limit;
  if (!request.cursor.empty()) {
    STRATA_ASSIGN_OR_RETURN(std::string payload,
                            cursors_.Decode(kCursorKind, caller.ref, request.cursor));
    Result<json::Value> parsed = json::Parse(payload);
    if (!parsed.ok() || !parsed->is_object()) return InvalidCursor("the cursor is not valid");
    const json::Value& state = *parsed;
    auto text = [&](std::string_view key) -> std::string {
      const json::Value* v = state.Find(key);
      return v != nullptr && v->is_string() ? v->string_value() : "";
    };
    auto number = [&](std::string_view key) -> int64_t {
      const json::Value* v = state.Find(key);
      return v != nullptr && v->is_int64() ? v->int64_value() : 0;
    };
    if (number("exp") < now_micros) {
      return InvalidCursor("the cursor has expired; run the query again");
    }
    if (!sql.empty() && sql != text("sql")) {
      return InvalidCursor("the cursor belongs to a different statement");
    }
    if (text("scope") != request.dataset) {
      return InvalidCursor("the cursor belongs to a different endpoint");
    }
    sql = text("sql");
    params_json = text("params");
    params = json::Value();
    if (!params_json.empty()) {
      STRATA_ASSIGN_OR_RETURN(params, json::Parse(params_json));
    }
    if (const int64_t version = number("sv"); version > 0) {
      schema_version = static_cast<uint32_t>(version);
    }
    now_micros = number("now");
    snapshot = number("snap");
    position = number("pos");
    if (!page_limit) page_limit = number("page");
  }
  if (sql.empty()) return InvalidParameter("sql", "sql is required (or a cursor)");
  if (sql.size() > limits_.max_sql_bytes) {
    return Status::PayloadTooLarge("the statement exceeds " +
                                   std::to_string(limits_.max_sql_bytes) + " bytes");
  }
  STRATA_ASSIGN_OR_RETURN(sql::ParamMap param_map, ParamsFromJson(params));
  auto at_sql = [](Status status) {
    return status.WithErrors({ErrorDetail::Pointer("/sql", std::string(status.message()))});
  };
  Result<sql::Statement> statement = sql::ParseStatement(sql);
  if (!statement.ok()) return at_sql(statement.status());

  std::string fingerprint;
  bool restricts_rows = false;
  size_t row_filters = 0;
  Result<sql::BoundStatement> bound =
      BindStatement(caller, *statement, sql, &param_map, request.dataset, schema_version,
                    now_micros, &fingerprint, &restricts_rows, &row_filters);
  if (!bound.ok()) {
    const Status& status = bound.status();
    const bool in_sql =
        status.problem_code() == "sql_syntax" || status.problem_code() == "sql_semantic";
    return in_sql ? at_sql(status) : status;
  }

  auto prepared = std::make_unique<PreparedQuery>(*this, std::move(*bound), request);
  PreparedQuery& query = *prepared;
  query.caller_ = caller.ref;
  query.sql_ = sql;
  query.params_json_ = params_json;
  query.scope_ = request.dataset;
  query.schema_version_ = schema_version;
  query.now_micros_ = now_micros;
  query.audit_ids_ = request.audit_ids;
  query.policies_ = fingerprint;
  query.row_filters_ = row_filters;
  query.snapshot_seq_ = snapshot;
  query.position_ = position;
  query.explicit_limit_ = page_limit.has_value();
  query.page_rows_ = std::min(page_limit.value_or(limits_.max_rows), limits_.max_rows);
  query.redact_scan_stats_ = restricts_rows;
  if (query.statement_.explain) return prepared;

  sql::QueryPlan& plan = query.statement_.plan;
  query.sql_limit_ = plan.limit;
  query.sql_offset_ = plan.offset;
  const std::optional<int64_t> remaining =
      plan.limit ? std::optional<int64_t>(std::max<int64_t>(*plan.limit - position, 0))
                 : std::nullopt;
  if (request.format == ResultFormat::kJson) {
    plan.offset = query.sql_offset_ + position;
    plan.limit = remaining ? std::min(*remaining, query.page_rows_ + 1) : query.page_rows_ + 1;
    // A result that may need another page reads in a total order. The first page first tries
    // the statement's own order: when the whole result fits, no tie-breaking sort is needed.
    if (position > 0) {
      AddTieBreakers(plan);  // Every page of a chain reads in the first page's total order.
    } else if (!remaining || *remaining > query.page_rows_) {
      query.single_page_plan_ = plan.Clone();
      AddTieBreakers(plan);
    }
    if (position == 0 && cache_.enabled()) {
      query.cache_key_ = CacheKey(plan, fingerprint, query.page_rows_);
    }
  } else {
    const int64_t cap = query.explicit_limit_ ? query.page_rows_ : limits_.max_rows + 1;
    plan.limit = remaining ? std::min(*remaining, cap) : cap;
  }
  return prepared;
}

PreparedQuery::PreparedQuery(QueryService& service, sql::BoundStatement statement,
                             const QueryRequest& request)
    : service_(service),
      statement_(std::move(statement)),
      format_(request.format),
      cancellation_(request.cancellation) {
  const int64_t timeout =
      std::min(request.timeout_ms.value_or(service.limits_.timeout_ms), service.limits_.timeout_ms);
  deadline_ = Clock::now() + std::chrono::milliseconds(timeout);
  if (statement_.explain) {
    columns_.push_back({"plan", types::DataType::kString});
  } else {
    columns_ = exec::ResultColumns(statement_.plan);
  }
}

int PreparedQuery::parallelism() const { return service_.limits_.parallelism; }

exec::ExecOptions PreparedQuery::ExecutionOptions() const {
  exec::ExecOptions options;
  options.parallelism = service_.limits_.parallelism;
  options.memory_limit_bytes = service_.limits_.memory_limit_bytes;
  options.deadline = deadline_;
  options.cancellation = cancellation_;
  options.snapshot_seq = snapshot_seq_;
  return options;
}

exec::ScanFunction PreparedQuery::ScanFunction() const {
  backend::DataBackend& backend = service_.backend_;
  return [&backend](const std::string& dataset, const types::ScanSpec& spec,
                    const types::BatchSink& sink) { return backend.Scan(dataset, spec, sink); };
}

std::string PreparedQuery::NextCursor(int64_t snapshot) const {
  JsonWriter state;
  state.BeginObject();
  state.Member("sql", sql_);
  state.Member("params", params_json_);
  state.Member("scope", scope_);
  state.Member("sv", static_cast<int64_t>(schema_version_.value_or(0)));
  state.Member("now", now_micros_);
  state.Member("snap", snapshot);
  state.Member("pos", position_ + page_rows_);
  state.Member("page", page_rows_);
  state.Member("exp", NowMicros() + service_.limits_.cursor_ttl_seconds * 1'000'000);
  state.EndObject();
  return service_.cursors_.Encode(kCursorKind, caller_, state.str());
}

Result<QueryOutcome> PreparedQuery::Run(exec::RowSink& sink) {
  Result<QueryOutcome> outcome = RunUnaudited(sink);
  if (!outcome.ok() && format_ == ResultFormat::kJson) return outcome;
  DataRead read;
  read.via = "query";
  DescribeRead(statement_.plan, read);
  read.policies = policies_;
  read.row_filters = row_filters_;
  read.rows = outcome.ok() ? outcome->stats.rows_returned : 0;
  read.fingerprint = QueryFingerprint(sql_);
  STRATA_RETURN_IF_ERROR(
      AuditDataRead(service_.audit_, caller_, audit_ids_, read, outcome.status()));
  return outcome;
}

Result<QueryOutcome> PreparedQuery::RunUnaudited(exec::RowSink& sink) {
  Result<QueryOutcome> outcome = statement_.explain ? RunExplain(sink) : RunPage(sink);
  if (outcome.ok() && redact_scan_stats_) RedactScanStats(outcome->stats);
  return outcome;
}

Result<QueryOutcome> PreparedQuery::RunPage(exec::RowSink& sink) {
  const Clock::time_point start = Clock::now();
  QueryOutcome outcome;
  const sql::QueryPlan& plan = statement_.plan;
  if (!cache_key_.empty()) {
    if (std::shared_ptr<const CachedResult> cached = service_.cache_.Find(cache_key_)) {
      STRATA_RETURN_IF_ERROR(WriteWhole(sink, cached));
      outcome.stats = cached->stats;
      // The cursor is the caller's and the statement's, not the cached run's.
      if (cached->more) outcome.next_cursor = NextCursor(cached->stats.scan.snapshot_seq);
      outcome.cache_hit = true;
      outcome.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      return outcome;
    }
  }
  if (format_ == ResultFormat::kJson && single_page_plan_) {
    // The result in the statement's own order, kept only if it fits in this one page.
    RecordingSink attempt(discard_, true);
    PageSink page(attempt, page_rows_);
    STRATA_ASSIGN_OR_RETURN(
        outcome.stats, exec::Execute(*single_page_plan_, ScanFunction(), ExecutionOptions(), page));
    if (!page.more()) {
      auto rows = std::make_shared<CachedResult>(std::move(attempt.result));
      rows->stats = outcome.stats;
      STRATA_RETURN_IF_ERROR(WriteWhole(sink, rows));
      outcome.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (!cache_key_.empty()) service_.cache_.Insert(cache_key_, std::move(rows));
      return outcome;
    }
  }
  if (format_ == ResultFormat::kJson) {
    RecordingSink recorded(sink, !cache_key_.empty());
    PageSink page(recorded, page_rows_);
    STRATA_ASSIGN_OR_RETURN(outcome.stats,
                            exec::Execute(plan, ScanFunction(), ExecutionOptions(), page));
    if (page.more()) {
      outcome.next_cursor =
          NextCursor(snapshot_seq_ != 0 ? snapshot_seq_ : outcome.stats.scan.snapshot_seq);
    }
    if (!cache_key_.empty()) {
      auto cached = std::make_shared<CachedResult>(std::move(recorded.result));
      cached->stats = outcome.stats;
      cached->stats.rows_returned =
          std::min<uint64_t>(cached->stats.rows_returned, static_cast<uint64_t>(page_rows_));
      cached->more = page.more();
      service_.cache_.Insert(cache_key_, std::move(cached));
    }
  } else {
    PageSink capped(sink, explicit_limit_ ? page_rows_ : service_.limits_.max_rows);
    STRATA_ASSIGN_OR_RETURN(outcome.stats,
                            exec::Execute(plan, ScanFunction(), ExecutionOptions(), capped));
    outcome.row_limit_exceeded = capped.more();
  }
  outcome.stats.rows_returned =
      std::min<uint64_t>(outcome.stats.rows_returned,
                         static_cast<uint64_t>(format_ == ResultFormat::kJson || explicit_limit_
                                                   ? page_rows_
                                                   : service_.limits_.max_rows));
  outcome.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return outcome;
}

Result<QueryOutcome> PreparedQuery::RunExplain(exec::RowSink& sink) {
  const Clock::time_point start = Clock::now();
  QueryOutcome outcome;
  const sql::QueryPlan& plan = statement_.plan;
  std::optional<types::ScanStats> pruning;
  const sql::QueryPlan& scanned = ScannedPlan(plan);
  if (!scanned.dataset.empty() && !redact_scan_stats_) {
    types::ScanSpec spec = scanned.scan;
    spec.plan_only = true;
    spec.snapshot_seq = snapshot_seq_;
    STRATA_ASSIGN_OR_RETURN(
        pruning, service_.backend_.Scan(scanned.dataset, spec, [](types::Batch&) { return true; }));
  }
  std::optional<exec::ExecStats> analyzed;
  if (statement_.analyze) {
    DiscardSink discard;
    STRATA_ASSIGN_OR_RETURN(analyzed,
                            exec::Execute(plan, ScanFunction(), ExecutionOptions(), discard));
    if (redact_scan_stats_) RedactScanStats(*analyzed);
  }
  outcome.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  const std::vector<std::string> lines = exec::ExplainPlan(
      plan, pruning ? &*pruning : nullptr, analyzed ? &*analyzed : nullptr, outcome.elapsed_ms);
  STRATA_RETURN_IF_ERROR(sink.Begin(columns_));
  STRATA_RETURN_IF_ERROR(WriteLines(sink, lines));
  if (analyzed) outcome.stats = *analyzed;
  outcome.stats.rows_returned = lines.size();
  return outcome;
}

}  // namespace strata::service
