#include "service/records_service.h"

#include "common/json_writer.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "service/read_audit.h"
#include "sql/parser.h"
#include "sql/pushdown.h"

namespace strata::service {

using sql::BoundExpr;
using sql::BoundExprPtr;
using sql::FuncId;
using types::DataType;

namespace {

constexpr std::string_view kRecordsCursor = "records";
constexpr std::string_view kChangesCursor = "changes";
constexpr int64_t kCursorTtlMicros = 3600ll * 1'000'000;

Status BadParameter(std::string_view name, const std::string& message) {
  return Status::InvalidArgument(message)
      .WithProblemCode("invalid_parameter")
      .WithErrors({ErrorDetail::Parameter(std::string(name), message)});
}

Status InvalidCursor(std::string_view parameter, const std::string& message) {
  return Status::InvalidArgument(message)
      .WithProblemCode("invalid_cursor")
      .WithErrors({ErrorDetail::Parameter(std::string(parameter), message)});
}

// Errors of the filter's syntax and names point at the `filter` parameter.
Status OnFilter(const Status& status) {
  if (status.problem_code() != "sql_syntax" && status.problem_code() != "sql_semantic") {
    return status;
  }
  return status.WithErrors({ErrorDetail::Parameter("filter", std::string(status.message()))});
}

sql::ExprPtr ColumnAst(const std::string& name) {
  auto expr = std::make_unique<sql::Expr>();
  expr->kind = sql::ExprKind::kColumn;
  expr->name = name;
  return expr;
}

// SELECT <fields or *> [, <sort fields>] FROM <dataset> [WHERE <filter>] [ORDER BY <sort>].
Result<sql::Statement> BuildStatement(const std::string& dataset,
                                      const std::vector<std::string>& fields,
                                      const std::string& filter,
                                      const std::vector<SortField>& sort) {
  sql::Statement statement;
  statement.select = std::make_unique<sql::Select>();
  sql::Select& select = *statement.select;
  if (fields.empty()) {
    auto star = std::make_unique<sql::Expr>();
    star->kind = sql::ExprKind::kStar;
    select.items.push_back({std::move(star), ""});
  }
  for (const std::string& field : fields) select.items.push_back({ColumnAst(field), ""});
  for (size_t i = 0; i < sort.size(); ++i) {
    select.items.push_back({ColumnAst(sort[i].name), "\x01sort" + std::to_string(i)});
    sql::OrderItem item;
    item.expr = ColumnAst(sort[i].name);
    item.descending = sort[i].descending;
    select.order_by.push_back(std::move(item));
  }
  select.has_from = true;
  select.from.name = dataset;
  if (!filter.empty()) {
    Result<sql::ExprPtr> parsed = sql::ParseExpression(filter);
    if (!parsed.ok()) return OnFilter(parsed.status());
    select.where = std::move(*parsed);
  }
  return statement;
}

BoundExprPtr Fn(FuncId func, std::vector<BoundExprPtr> args) {
  return BoundExpr::Function(func, DataType::kBool, std::move(args));
}
BoundExprPtr Fn2(FuncId func, BoundExprPtr a, BoundExprPtr b) {
  std::vector<BoundExprPtr> args;
  args.push_back(std::move(a));
  args.push_back(std::move(b));
  return Fn(func, std::move(args));
}
BoundExprPtr Fn1(FuncId func, BoundExprPtr a) {
  std::vector<BoundExprPtr> args;
  args.push_back(std::move(a));
  return Fn(func, std::move(args));
}

// Rows strictly after `value` on one sort key, and rows tied with it, under the order's NULL
// placement (ascending: NULLs last; descending: NULLs first).
BoundExprPtr After(const BoundExpr& key, const types::Value& value, bool descending) {
  const bool null = std::holds_alternative<std::monostate>(value);
  if (null) {
    if (descending) return Fn1(FuncId::kIsNotNull, key.Clone());
    return BoundExpr::Constant(false, DataType::kBool);
  }
  BoundExprPtr constant = BoundExpr::Constant(value, key.type);
  BoundExprPtr beyond =
      Fn2(descending ? FuncId::kLt : FuncId::kGt, key.Clone(), std::move(constant));
  if (descending) return beyond;
  return Fn2(FuncId::kOr, std::move(beyond), Fn1(FuncId::kIsNull, key.Clone()));
}

BoundExprPtr Tied(const BoundExpr& key, const types::Value& value) {
  if (std::holds_alternative<std::monostate>(value)) return Fn1(FuncId::kIsNull, key.Clone());
  return Fn2(FuncId::kEq, key.Clone(), BoundExpr::Constant(value, key.type));
}

// (k1, ..., kn, seq) > (v1, ..., vn, s) in the listing's order.
BoundExprPtr KeysetAfter(const std::vector<const BoundExpr*>& keys,
                         const std::vector<SortField>& sort,
                         const std::vector<types::Value>& values, int seq_slot, int64_t seq) {
  BoundExprPtr result = Fn2(FuncId::kGt, BoundExpr::Column(seq_slot, DataType::kInt64),
                            BoundExpr::Constant(seq, DataType::kInt64));
  for (size_t i = keys.size(); i-- > 0;) {
    result = Fn2(FuncId::kOr, After(*keys[i], values[i], sort[i].descending),
                 Fn2(FuncId::kAnd, Tied(*keys[i], values[i]), std::move(result)));
  }
  return result;
}

void WriteCursorValue(JsonWriter& writer, const types::Value& value) {
  if (std::holds_alternative<std::monostate>(value)) {
    writer.Null();
  } else if (const bool* b = std::get_if<bool>(&value)) {
    writer.Bool(*b);
  } else if (const int64_t* i = std::get_if<int64_t>(&value)) {
    writer.Int(*i);
  } else if (const double* d = std::get_if<double>(&value)) {
    writer.Double(*d);
  } else {
    writer.String(std::get<std::string>(value));
  }
}

std::optional<types::Value> CursorValue(const json::Value& value, DataType type) {
  if (value.is_null()) return types::Value();
  switch (type) {
    case DataType::kBool:
      if (value.is_bool()) return types::Value(value.bool_value());
      break;
    case DataType::kInt64:
    case DataType::kTimestamp:
      if (value.is_int64()) return types::Value(value.int64_value());
      break;
    case DataType::kFloat64:
      if (value.is_number()) return types::Value(value.double_value());
      break;
    case DataType::kString:
    case DataType::kJson:
      if (value.is_string()) return types::Value(value.string_value());
      break;
  }
  return std::nullopt;
}

// Adds `_seq` (the row's sequence number) as the last visible column and the last sort key.
int AddSequenceColumn(sql::QueryPlan& plan) {
  plan.needs_seqs = true;
  const int seq_slot = static_cast<int>(plan.scan.field_ids.size());
  plan.outputs.insert(plan.outputs.begin() + static_cast<ptrdiff_t>(plan.visible_columns),
                      {"_seq", DataType::kInt64, BoundExpr::Column(seq_slot, DataType::kInt64)});
  for (sql::SortKey& key : plan.order_by) {
    if (key.column >= static_cast<int>(plan.visible_columns)) ++key.column;
  }
  plan.order_by.push_back({static_cast<int>(plan.visible_columns), false, false});
  ++plan.visible_columns;
  return seq_slot;
}

RecordsPage PageOf(exec::CollectSink& sink, size_t visible, size_t rows) {
  RecordsPage page;
  page.columns.assign(sink.header.begin(), sink.header.begin() + static_cast<ptrdiff_t>(visible));
  for (size_t j = 0; j < visible; ++j) {
    types::ColumnVector column(sink.columns[j].type());
    column.AppendRange(sink.columns[j], 0, rows);
    page.rows.push_back(std::move(column));
  }
  page.num_rows = rows;
  return page;
}

}  // namespace

Result<RecordsPage> RecordsService::List(const security::Principal& caller,
                                         const RecordsRequest& request) {
  if (request.limit < 1 || request.limit > queries_.limits().max_rows) {
    return BadParameter(
        "limit", "limit must be between 1 and " + std::to_string(queries_.limits().max_rows));
  }
  STRATA_RETURN_IF_ERROR(
      datasets_.LoadForData(caller, request.dataset, security::Permission::kDataRead).status());
  std::vector<SortField> sort = request.sort;
  std::string canonical = request.dataset + "\n" + request.filter + "\n";
  for (const std::string& field : request.fields) canonical += field + ",";
  canonical += "\n";
  for (const SortField& field : sort)
    canonical += (field.descending ? "-" : "+") + field.name + ",";
  const std::string mac_scope = caller.ref + "\n" + canonical;

  int64_t snapshot = 0;
  int64_t last_seq = 0;
  json::Value last_keys;
  if (!request.cursor.empty()) {
    STRATA_ASSIGN_OR_RETURN(std::string payload,
                            cursors_.Decode(kRecordsCursor, mac_scope, request.cursor));
    Result<json::Value> state = json::Parse(payload);
    if (!state.ok() || !state->is_object())
      return InvalidCursor("cursor", "the cursor is not valid");
    auto number = [&](std::string_view key) {
      const json::Value* v = state->Find(key);
      return v != nullptr && v->is_int64() ? v->int64_value() : int64_t{0};
    };
    if (number("exp") < NowMicros()) return InvalidCursor("cursor", "the cursor has expired");
    snapshot = number("snap");
    last_seq = number("seq");
    if (const json::Value* keys = state->Find("keys")) last_keys = *keys;
  }

  STRATA_ASSIGN_OR_RETURN(sql::Statement statement,
                          BuildStatement(request.dataset, request.fields, request.filter, sort));
  DataRead read;
  read.via = "records";
  read.fingerprint = QueryFingerprint(canonical);
  Result<sql::BoundStatement> bound =
      queries_.BindStatement(caller, statement, request.filter, nullptr, request.dataset,
                             std::nullopt, NowMicros(), &read.policies, nullptr, &read.row_filters);
  if (!bound.ok()) return OnFilter(bound.status());
  sql::QueryPlan& plan = bound->plan;
  DescribeRead(plan, read);
  const size_t user_columns = plan.visible_columns - sort.size();
  const int seq_slot = AddSequenceColumn(plan);

  if (!request.cursor.empty()) {
    if (!last_keys.is_array() || last_keys.items().size() != sort.size()) {
      return InvalidCursor("cursor", "the cursor is not valid");
    }
    std::vector<const BoundExpr*> keys;
    std::vector<types::Value> values;
    for (size_t i = 0; i < sort.size(); ++i) {
      const BoundExpr& key = *plan.outputs[static_cast<size_t>(plan.order_by[i].column)].expr;
      std::optional<types::Value> value = CursorValue(last_keys.items()[i], key.type);
      if (!value) return InvalidCursor("cursor", "the cursor is not valid");
      keys.push_back(&key);
      values.push_back(std::move(*value));
    }
    BoundExprPtr after = KeysetAfter(keys, sort, values, seq_slot, last_seq);
    std::vector<BoundExprPtr> conjuncts = sql::SplitConjuncts(std::move(plan.filter));
    conjuncts.push_back(std::move(after));
    plan.filter = sql::JoinConjuncts(std::move(conjuncts));
  }
  plan.limit = request.limit + 1;

  exec::CollectSink sink;
  STRATA_ASSIGN_OR_RETURN(exec::ExecStats stats,
                          queries_.Execute(plan, sink, snapshot, request.cancellation));
  const size_t rows = std::min(sink.num_rows, static_cast<size_t>(request.limit));
  RecordsPage page = PageOf(sink, user_columns, rows);
  if (sink.num_rows > static_cast<size_t>(request.limit)) {
    const size_t last = rows - 1;
    JsonWriter state;
    state.BeginObject();
    state.Member("snap", snapshot != 0 ? snapshot : stats.scan.snapshot_seq);
    state.Member("seq", sink.columns[plan.visible_columns - 1].IntAt(last));
    state.Key("keys");
    state.BeginArray();
    for (size_t i = 0; i < sort.size(); ++i) {
      WriteCursorValue(state, sink.columns[user_columns + i].ValueAt(last));
    }
    state.EndArray();
    state.Member("exp", NowMicros() + kCursorTtlMicros);
    state.EndObject();
    page.next_cursor = cursors_.Encode(kRecordsCursor, mac_scope, state.str());
  }
  read.rows = page.num_rows;
  STRATA_RETURN_IF_ERROR(
      AuditDataRead(queries_.audit_sink(), caller.ref, request.audit_ids, read, Status()));
  return page;
}

Result<PreparedDelete> RecordsService::PrepareDelete(const security::Principal& caller,
                                                     const std::string& dataset,
                                                     const std::string& filter) {
  STRATA_RETURN_IF_ERROR(
      datasets_.LoadForData(caller, dataset, security::Permission::kDataDelete).status());
  if (Trim(filter).empty()) {
    return BadParameter("filter", "filter is required; it selects the rows to delete");
  }
  STRATA_ASSIGN_OR_RETURN(sql::Statement statement, BuildStatement(dataset, {}, filter, {}));
  // count(*) instead of *: the statement's value is the number of matching rows.
  auto count = std::make_unique<sql::Expr>();
  count->kind = sql::ExprKind::kFunction;
  count->name = "count";
  auto star = std::make_unique<sql::Expr>();
  star->kind = sql::ExprKind::kStar;
  count->children.push_back(std::move(star));
  statement.select->items.clear();
  statement.select->items.push_back({std::move(count), ""});
  bool restricts_rows = false;
  Result<sql::BoundStatement> bound =
      queries_.BindStatement(caller, statement, filter, nullptr, dataset, std::nullopt, NowMicros(),
                             nullptr, &restricts_rows);
  if (!bound.ok()) return OnFilter(bound.status());
  PreparedDelete prepared;
  prepared.dataset = dataset;
  prepared.count = std::move(bound->plan);
  const sql::QueryPlan& plan = prepared.count;
  if (plan.filter) {
    // The residual filter includes the caller's row policies, which are not its to read.
    const std::string message =
        "a delete filter must be a conjunction (AND) of comparisons of a field with constants "
        "(=, <, <=, >, >=, IN)" +
        (restricts_rows
             ? std::string(", and so must the row policies that apply to you")
             : "; this part cannot be applied by storage: " + sql::ToString(*plan.filter));
    return Status::InvalidArgument(message)
        .WithProblemCode("unsupported_filter")
        .WithErrors({ErrorDetail::Parameter("filter", message)});
  }
  prepared.predicates = plan.scan.predicates;
  if (plan.time_field_id) {
    if (plan.scan.min_time != INT64_MIN) {
      prepared.predicates.push_back(
          {*plan.time_field_id, types::CompareOp::kGe, {plan.scan.min_time}});
    }
    if (plan.scan.max_time != INT64_MAX) {
      prepared.predicates.push_back(
          {*plan.time_field_id, types::CompareOp::kLt, {plan.scan.max_time}});
    }
  }
  return prepared;
}

Result<int64_t> RecordsService::CountDelete(const PreparedDelete& prepared) {
  exec::CollectSink sink;
  STRATA_RETURN_IF_ERROR(queries_.Execute(prepared.count, sink, 0, nullptr).status());
  return sink.num_rows == 1 ? sink.columns[0].IntAt(0) : 0;
}

Result<int64_t> RecordsService::CommitDelete(const PreparedDelete& prepared) {
  return queries_.backend().DeleteWhere(prepared.dataset, prepared.predicates);
}

Result<int64_t> RecordsService::Delete(const security::Principal& caller,
                                       const std::string& dataset, const std::string& filter) {
  STRATA_ASSIGN_OR_RETURN(PreparedDelete prepared, PrepareDelete(caller, dataset, filter));
  STRATA_ASSIGN_OR_RETURN(int64_t matched, CountDelete(prepared));
  if (matched > 0) STRATA_RETURN_IF_ERROR(CommitDelete(prepared).status());
  return matched;
}

Result<RecordsPage> RecordsService::Changes(const security::Principal& caller,
                                            const ChangesRequest& request) {
  if (request.limit < 1 || request.limit > queries_.limits().max_rows) {
    return BadParameter(
        "limit", "limit must be between 1 and " + std::to_string(queries_.limits().max_rows));
  }
  STRATA_RETURN_IF_ERROR(
      datasets_.LoadForData(caller, request.dataset, security::Permission::kDataRead).status());
  const std::string mac_scope = caller.ref + "\n" + request.dataset;
  int64_t since = 0;
  if (!request.since.empty()) {
    STRATA_ASSIGN_OR_RETURN(std::string payload,
                            cursors_.Decode(kChangesCursor, mac_scope, request.since));
    Result<json::Value> state = json::Parse(payload);
    const json::Value* seq = state.ok() ? state->Find("seq") : nullptr;
    if (seq == nullptr || !seq->is_int64())
      return InvalidCursor("since", "the cursor is not valid");
    since = seq->int64_value();
  }
  STRATA_ASSIGN_OR_RETURN(sql::Statement statement, BuildStatement(request.dataset, {}, "", {}));
  DataRead read;
  read.via = "changes";
  read.fingerprint = QueryFingerprint("changes " + request.dataset);
  STRATA_ASSIGN_OR_RETURN(
      sql::BoundStatement bound,
      queries_.BindStatement(caller, statement, "", nullptr, request.dataset, std::nullopt,
                             NowMicros(), &read.policies, nullptr, &read.row_filters));
  sql::QueryPlan& plan = bound.plan;
  DescribeRead(plan, read);
  const int seq_slot = AddSequenceColumn(plan);
  plan.scan.min_seq = since;
  std::vector<BoundExprPtr> conjuncts = sql::SplitConjuncts(std::move(plan.filter));
  conjuncts.push_back(Fn2(FuncId::kGt, BoundExpr::Column(seq_slot, DataType::kInt64),
                          BoundExpr::Constant(since, DataType::kInt64)));
  plan.filter = sql::JoinConjuncts(std::move(conjuncts));
  plan.limit = request.limit;

  exec::CollectSink sink;
  STRATA_RETURN_IF_ERROR(queries_.Execute(plan, sink, 0, request.cancellation).status());
  if (!request.since.empty()) {
    // Read after the scan: a delete or retention pass that raced it is then not missed.
    STRATA_ASSIGN_OR_RETURN(types::DatasetStats stats, queries_.backend().Stats(request.dataset));
    if (since < stats.resync_horizon) {
      return Status::Conflict(
                 "rows were deleted or expired after this cursor; read the dataset "
                 "again (GET /v1/datasets/" +
                 request.dataset + "/changes without since) and continue from the new cursor")
          .WithProblemCode("resync_required");
    }
  }
  RecordsPage page = PageOf(sink, plan.visible_columns, sink.num_rows);
  const int64_t next =
      sink.num_rows == 0 ? since : sink.columns[plan.visible_columns - 1].IntAt(sink.num_rows - 1);
  JsonWriter state;
  state.BeginObject();
  state.Member("seq", next);
  state.EndObject();
  page.next_cursor = cursors_.Encode(kChangesCursor, mac_scope, state.str());
  read.rows = page.num_rows;
  STRATA_RETURN_IF_ERROR(
      AuditDataRead(queries_.audit_sink(), caller.ref, request.audit_ids, read, Status()));
  return page;
}

}  // namespace strata::service
