#include "sql/binder.h"

#include <map>

#include "common/strings.h"
#include "sql/expr_binder.h"
#include "sql/sql_error.h"

namespace strata::sql {

using types::DataType;
using types::Value;

namespace {

constexpr int kMaxSubqueryDepth = 4;

std::string Quote(std::string_view name) { return "'" + std::string(name) + "'"; }

// The rows a SELECT reads: a dataset (fields become scan slots on first use) or the output
// columns of an inner plan (slot i is inner column i).
class FromScope : public ExprScope {
 public:
  FromScope(QueryPlan& plan, const TableInfo* table, std::string alias, const PolicyContext* policy,
            bool apply_field_policies)
      : plan_(plan),
        table_(table),
        alias_(std::move(alias)),
        policy_(policy),
        apply_field_policies_(apply_field_policies) {}

  std::string_view context() const override { return context_; }
  void set_context(std::string_view context) { context_ = context; }

  Result<BoundExprPtr> Column(const Expr& ast) override {
    std::string name = ast.name;
    if (!ast.qualifier.empty() && ast.qualifier != alias_) name = ast.qualifier + "." + ast.name;
    if (table_ != nullptr) return DatasetColumn(ast, name);
    for (size_t i = 0; i < plan_.source_columns.size(); ++i) {
      if (plan_.source_columns[i].name == name) {
        return BoundExpr::Column(static_cast<int>(i), plan_.source_columns[i].type);
      }
    }
    std::vector<std::string_view> names;
    for (const SourceColumn& column : plan_.source_columns) names.push_back(column.name);
    return UnknownColumn(ast, name, names);
  }

  Result<BoundExprPtr> Aggregate(const Expr& ast, AggregateCall) override {
    return SemanticError(ast.pos, "aggregate function " + ast.name + "() is not allowed in " +
                                      std::string(context_));
  }

  // first()/last() order by the time field only when the caller may read it as stored.
  std::optional<BoundExprPtr> TimeColumn() override {
    if (table_ == nullptr || !table_->time_field_id) return std::nullopt;
    for (const types::Field& field : table_->schema.fields) {
      if (field.id == *table_->time_field_id && Rule(field).action == FieldAction::kAllow) {
        return FieldSlot(field);
      }
    }
    return std::nullopt;
  }

  // Every column `*` stands for, in order, as (name, expression).
  Result<std::vector<std::pair<std::string, BoundExprPtr>>> Star() {
    std::vector<std::pair<std::string, BoundExprPtr>> columns;
    if (table_ == nullptr) {
      for (size_t i = 0; i < plan_.source_columns.size(); ++i) {
        columns.emplace_back(plan_.source_columns[i].name,
                             BoundExpr::Column(static_cast<int>(i), plan_.source_columns[i].type));
      }
      return columns;
    }
    for (const types::Field& field : table_->schema.fields) {
      if (Rule(field).action == FieldAction::kDeny) continue;
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr value, FieldValue(field, SourcePos()));
      columns.emplace_back(field.name, std::move(value));
    }
    return columns;
  }

  const std::string& alias() const { return alias_; }

 private:
  const FieldRule& Rule(const types::Field& field) const {
    static const FieldRule kAllowed;
    return apply_field_policies_ && policy_ != nullptr ? policy_->RuleFor(field.id) : kAllowed;
  }

  BoundExprPtr FieldSlot(const types::Field& field) {
    auto& ids = plan_.scan.field_ids;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] == field.id) return BoundExpr::Column(static_cast<int>(i), field.type);
    }
    ids.push_back(field.id);
    plan_.source_columns.push_back({field.name, field.type});
    return BoundExpr::Column(static_cast<int>(ids.size() - 1), field.type);
  }

  // What the caller reads of `field` under its field rule: the stored value, NULL, or the
  // rule's transform of the stored value. A denied field is an error at `pos`.
  Result<BoundExprPtr> FieldValue(const types::Field& field, const SourcePos& pos) {
    const FieldRule& rule = Rule(field);
    switch (rule.action) {
      case FieldAction::kAllow: return FieldSlot(field);
      case FieldAction::kDeny: return FieldDenied(pos, field.name);
      case FieldAction::kNull: return BoundExpr::Constant(Value(), field.type);
      case FieldAction::kMask:
        // Only text has a masked form; other values are hidden entirely.
        if (field.type != DataType::kString) return BoundExpr::Constant(Value(), field.type);
        break;
      case FieldAction::kHash:
      case FieldAction::kTokenize: break;
    }
    if (rule.transform == nullptr) {
      return Status::Internal("field policy '" + std::string(FieldActionName(rule.action)) +
                              "' on '" + field.name + "' has no transform");
    }
    std::vector<BoundExprPtr> args;
    args.push_back(FieldSlot(field));
    BoundExprPtr value =
        BoundExpr::Function(FuncId::kTransform, DataType::kString, std::move(args));
    value->transform = rule.transform;
    return value;
  }

  Result<BoundExprPtr> DatasetColumn(const Expr& ast, const std::string& name) {
    const types::Field* field = table_->schema.Find(name);
    if (field == nullptr) {
      std::vector<std::string_view> names;
      for (const types::Field& f : table_->schema.fields) {
        if (Rule(f).action != FieldAction::kDeny) names.push_back(f.name);
      }
      return UnknownColumn(ast, name, names);
    }
    return FieldValue(*field, ast.pos);
  }

  // The field exists but its values are withheld from the caller: 403, naming the field (its
  // name is no secret; its values are).
  static Status FieldDenied(const SourcePos& pos, const std::string& name) {
    return Status::PermissionDenied("line " + std::to_string(pos.line) + ", column " +
                                    std::to_string(pos.column) + ": access to field " +
                                    Quote(name) + " is denied by a field policy")
        .WithProblemCode("field_denied");
  }

  static Status UnknownColumn(const Expr& ast, const std::string& name,
                              const std::vector<std::string_view>& names) {
    std::string message = "unknown column " + Quote(name);
    if (std::optional<std::string> near = SuggestName(name, names)) {
      message += "; did you mean " + Quote(*near) + "?";
    }
    return SemanticError(ast.pos, message);
  }

  QueryPlan& plan_;
  const TableInfo* table_;
  std::string alias_;
  const PolicyContext* policy_;
  bool apply_field_policies_;
  std::string_view context_ = "WHERE";
};

// After aggregation: expressions equal to a GROUP BY key read the key; aggregate calls read
// their result; any other column is an error.
class AggregateScope : public ExprScope {
 public:
  AggregateScope(QueryPlan& plan, FromScope& source, std::vector<std::string> key_texts)
      : plan_(plan), source_(source), key_texts_(std::move(key_texts)) {}

  std::string_view context() const override { return context_; }
  void set_context(std::string_view context) { context_ = context; }
  ExprScope* SourceScope() override { return &source_; }

  Result<BoundExprPtr> Intercept(const Expr& ast, ExprBinder& binder) override {
    if (ast.kind == ExprKind::kLiteral || ast.kind == ExprKind::kParam ||
        ExprBinder::ContainsAggregate(ast) || key_texts_.empty()) {
      return BoundExprPtr();
    }
    Result<BoundExprPtr> source_form = binder.Bind(ast, source_);
    if (!source_form.ok()) return BoundExprPtr();
    const std::string text = ToString(**source_form);
    for (size_t i = 0; i < key_texts_.size(); ++i) {
      if (key_texts_[i] == text) {
        return BoundExpr::Column(static_cast<int>(i), plan_.group_keys[i]->type);
      }
    }
    return BoundExprPtr();
  }

  Result<BoundExprPtr> Column(const Expr& ast) override {
    return SemanticError(ast.pos, "column " + Quote(ast.name) +
                                      " must appear in GROUP BY or be used in an aggregate "
                                      "function");
  }

  Result<BoundExprPtr> Aggregate(const Expr&, AggregateCall call) override {
    std::string text = std::string(AggName(call.kind)) + "/" + std::to_string(call.quantile);
    for (const BoundExprPtr& arg : call.args) text += "/" + ToString(*arg);
    const size_t keys = plan_.group_keys.size();
    for (size_t i = 0; i < agg_texts_.size(); ++i) {
      if (agg_texts_[i] == text) {
        return BoundExpr::Column(static_cast<int>(keys + i), plan_.aggregates[i].type);
      }
    }
    agg_texts_.push_back(std::move(text));
    const DataType type = call.type;
    plan_.aggregates.push_back(std::move(call));
    return BoundExpr::Column(static_cast<int>(keys + plan_.aggregates.size() - 1), type);
  }

 private:
  QueryPlan& plan_;
  FromScope& source_;
  std::vector<std::string> key_texts_;
  std::vector<std::string> agg_texts_;
  std::string_view context_ = "the select list";
};

class SelectBinder {
 public:
  SelectBinder(const BindOptions& options, const std::vector<CommonTable>& with, int depth)
      : options_(options), with_(with), depth_(depth), exprs_(options) {}

  Result<QueryPlan> Bind(const Select& select) {
    QueryPlan plan;
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<FromScope> source, BindFrom(select, plan));
    STRATA_RETURN_IF_ERROR(BindWhere(select, plan, *source));

    plan.aggregate = !select.group_by.empty() || select.having != nullptr || AnyAggregate(select);
    std::unique_ptr<AggregateScope> aggregate_scope;
    ExprScope* post = source.get();
    if (plan.aggregate) {
      STRATA_ASSIGN_OR_RETURN(std::vector<std::string> key_texts,
                              BindGroupBy(select, plan, *source));
      aggregate_scope = std::make_unique<AggregateScope>(plan, *source, std::move(key_texts));
      post = aggregate_scope.get();
    }
    STRATA_RETURN_IF_ERROR(BindItems(select, plan, *source, *post, aggregate_scope.get()));
    if (select.having) {
      if (aggregate_scope) aggregate_scope->set_context("HAVING");
      STRATA_ASSIGN_OR_RETURN(plan.having, exprs_.BindPredicate(*select.having, *post));
    }
    if (aggregate_scope) aggregate_scope->set_context("ORDER BY");
    source->set_context("ORDER BY");
    plan.distinct = select.distinct;
    STRATA_RETURN_IF_ERROR(BindDistinctOn(select, plan, *post));
    STRATA_RETURN_IF_ERROR(BindOrderBy(select, plan, *post));
    STRATA_RETURN_IF_ERROR(BindLimit(select, plan));
    if (!plan.dataset.empty() && plan.scan.field_ids.empty()) {
      // Nothing is read but rows are counted (count(*)): scan the cheapest column.
      const TableInfo& table = *tables_.back();
      const types::Field* field = &table.schema.fields.front();
      for (const types::Field& candidate : table.schema.fields) {
        if (table.time_field_id && candidate.id == *table.time_field_id) field = &candidate;
      }
      plan.scan.field_ids.push_back(field->id);
      plan.source_columns.push_back({field->name, field->type});
    }
    return plan;
  }

 private:
  static bool AnyAggregate(const Select& select) {
    for (const SelectItem& item : select.items) {
      if (ExprBinder::ContainsAggregate(*item.expr)) return true;
    }
    for (const OrderItem& item : select.order_by) {
      if (ExprBinder::ContainsAggregate(*item.expr)) return true;
    }
    return false;
  }

  Result<std::unique_ptr<FromScope>> BindFrom(const Select& select, QueryPlan& plan) {
    if (!select.has_from) {
      // SELECT without FROM reads one empty row.
      return std::make_unique<FromScope>(plan, nullptr, "", nullptr, true);
    }
    const FromItem& from = select.from;
    const Select* inner_select = from.subquery.get();
    if (inner_select == nullptr) {
      for (const CommonTable& table : with_) {
        if (table.name == from.name) inner_select = table.select.get();
      }
    }
    if (inner_select != nullptr) {
      if (depth_ >= kMaxSubqueryDepth) {
        return SemanticError(from.pos, "subqueries are nested too deeply");
      }
      SelectBinder inner_binder(options_, with_, depth_ + 1);
      STRATA_ASSIGN_OR_RETURN(QueryPlan inner, inner_binder.Bind(*inner_select));
      for (size_t i = 0; i < inner.visible_columns; ++i) {
        plan.source_columns.push_back({inner.outputs[i].name, inner.outputs[i].type});
      }
      plan.inner = std::make_unique<QueryPlan>(std::move(inner));
      return std::make_unique<FromScope>(plan, nullptr, from.alias.empty() ? from.name : from.alias,
                                         nullptr, true);
    }
    std::optional<TableInfo> table = options_.catalog->Find(from.name);
    if (!table) {
      std::string message = "dataset " + Quote(from.name) + " does not exist";
      std::vector<std::string> names = options_.catalog->Names();
      for (const CommonTable& cte : with_) names.push_back(cte.name);
      std::vector<std::string_view> views(names.begin(), names.end());
      if (std::optional<std::string> near = SuggestName(from.name, views)) {
        message += "; did you mean " + Quote(*near) + "?";
      }
      return SemanticError(from.pos, message);
    }
    tables_.push_back(std::make_unique<TableInfo>(std::move(*table)));
    const TableInfo* info = tables_.back().get();
    plan.dataset = info->name;
    plan.time_field_id = info->time_field_id;
    return std::make_unique<FromScope>(plan, info, from.alias.empty() ? from.name : from.alias,
                                       &info->policy, true);
  }

  // The filter is the row policies first, then WHERE: the executor applies AND operands in
  // order, each to the rows still selected, so no expression of the statement runs on a row
  // the caller may not see (its errors and costs could reveal hidden values).
  Status BindWhere(const Select& select, QueryPlan& plan, FromScope& source) {
    BoundExprPtr where;
    if (select.where) {
      source.set_context("WHERE");
      STRATA_ASSIGN_OR_RETURN(where, exprs_.BindPredicate(*select.where, source));
    }
    BoundExprPtr filter;
    if (!plan.dataset.empty()) {
      // Row policies see the stored values, whatever the field policies show the caller.
      const TableInfo& table = *tables_.back();
      FromScope raw(plan, &table, source.alias(), &table.policy, false);
      raw.set_context("a row policy");
      for (const ExprPtr& policy : table.policy.row_filters) {
        Result<BoundExprPtr> bound = exprs_.BindPredicate(*policy, raw);
        if (!bound.ok()) {
          // The policy's text is the access manager's business, not the caller's.
          return Status::Conflict("a row policy of dataset " + Quote(table.name) +
                                  " does not apply to its schema (version " +
                                  std::to_string(table.schema.version) +
                                  "); an access manager must update it")
              .WithProblemCode("row_policy_invalid");
        }
        filter = And(std::move(filter), std::move(*bound));
      }
    }
    plan.filter = where ? And(std::move(filter), std::move(where)) : std::move(filter);
    return Status();
  }

  static BoundExprPtr And(BoundExprPtr left, BoundExprPtr right) {
    if (!left) return right;
    std::vector<BoundExprPtr> args;
    args.push_back(std::move(left));
    args.push_back(std::move(right));
    return BoundExpr::Function(FuncId::kAnd, DataType::kBool, std::move(args));
  }

  // A select item's expression when `ast` names it by position or alias (GROUP BY 1,
  // ORDER BY u); else null.
  const Expr* ItemReference(const Select& select, const Expr& ast, bool prefer_source,
                            QueryPlan& plan, Status& error) {
    if (ast.kind == ExprKind::kLiteral && ast.literal_kind == LiteralKind::kInt) {
      const int64_t position = std::get<int64_t>(ast.value);
      if (position < 1 || static_cast<size_t>(position) > select.items.size()) {
        error = SemanticError(ast.pos, "position " + std::to_string(position) +
                                           " is not in the select list (1 to " +
                                           std::to_string(select.items.size()) + ")");
        return nullptr;
      }
      return select.items[static_cast<size_t>(position) - 1].expr.get();
    }
    if (ast.kind != ExprKind::kColumn || !ast.qualifier.empty()) return nullptr;
    if (prefer_source) {
      for (const SourceColumn& column : plan.source_columns) {
        if (column.name == ast.name) return nullptr;
      }
      if (!plan.dataset.empty() && tables_.back()->schema.Find(ast.name) != nullptr) return nullptr;
    }
    for (const SelectItem& item : select.items) {
      if (item.alias == ast.name) return item.expr.get();
    }
    return nullptr;
  }

  Result<std::vector<std::string>> BindGroupBy(const Select& select, QueryPlan& plan,
                                               FromScope& source) {
    source.set_context("GROUP BY");
    std::vector<std::string> texts;
    for (const ExprPtr& item : select.group_by) {
      Status error;
      const Expr* target = ItemReference(select, *item, true, plan, error);
      STRATA_RETURN_IF_ERROR(error);
      if (target == nullptr) target = item.get();
      if (target->kind == ExprKind::kStar) {
        return SemanticError(item->pos, "GROUP BY cannot refer to '*'");
      }
      if (ExprBinder::ContainsAggregate(*target)) {
        return SemanticError(item->pos, "GROUP BY cannot contain aggregate functions");
      }
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr key, exprs_.Bind(*target, source));
      std::string text = ToString(*key);
      bool duplicate = false;
      for (const std::string& existing : texts) duplicate = duplicate || existing == text;
      if (duplicate) continue;
      texts.push_back(std::move(text));
      plan.group_keys.push_back(std::move(key));
    }
    return texts;
  }

  std::string OutputName(const SelectItem& item) const {
    if (!item.alias.empty()) return item.alias;
    const Expr& ast = *item.expr;
    if (ast.kind == ExprKind::kColumn) return ast.name;
    if (ast.end_offset > ast.pos.offset && ast.end_offset <= options_.sql.size()) {
      return std::string(options_.sql.substr(ast.pos.offset, ast.end_offset - ast.pos.offset));
    }
    return ast.kind == ExprKind::kFunction ? ast.name : "?column?";
  }

  Status BindItems(const Select& select, QueryPlan& plan, FromScope& source, ExprScope& post,
                   AggregateScope* aggregate_scope) {
    source.set_context("the select list");
    if (aggregate_scope) aggregate_scope->set_context("the select list");
    for (const SelectItem& item : select.items) {
      if (item.expr->kind == ExprKind::kStar) {
        if (plan.aggregate) {
          return SemanticError(item.expr->pos, "'*' cannot be used with GROUP BY or aggregates");
        }
        if (!item.expr->qualifier.empty() && item.expr->qualifier != source.alias()) {
          return SemanticError(item.expr->pos, "unknown table " + Quote(item.expr->qualifier));
        }
        if (!select.has_from) return SemanticError(item.expr->pos, "'*' needs a FROM clause");
        STRATA_ASSIGN_OR_RETURN(auto columns, source.Star());
        for (auto& [name, expr] : columns) {
          plan.outputs.push_back({name, expr->type, std::move(expr)});
        }
        continue;
      }
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr expr, exprs_.Bind(*item.expr, post));
      plan.outputs.push_back({OutputName(item), expr->type, std::move(expr)});
    }
    plan.visible_columns = plan.outputs.size();
    return Status();
  }

  // The output column `ast` refers to, adding a hidden one when it is not in the list.
  Result<int> OutputColumnFor(const Select& select, const Expr& ast, QueryPlan& plan,
                              ExprScope& post, std::string_view clause) {
    if (ast.kind == ExprKind::kLiteral && ast.literal_kind == LiteralKind::kInt) {
      const int64_t position = std::get<int64_t>(ast.value);
      if (position < 1 || static_cast<size_t>(position) > plan.visible_columns) {
        return SemanticError(ast.pos, std::string(clause) + " position " +
                                          std::to_string(position) +
                                          " is not in the select list (1 to " +
                                          std::to_string(plan.visible_columns) + ")");
      }
      return static_cast<int>(position - 1);
    }
    if (ast.kind == ExprKind::kColumn && ast.qualifier.empty()) {
      for (size_t i = 0; i < plan.visible_columns; ++i) {
        if (plan.outputs[i].name == ast.name) return static_cast<int>(i);
      }
    }
    (void)select;
    STRATA_ASSIGN_OR_RETURN(BoundExprPtr expr, exprs_.Bind(ast, post));
    const std::string text = ToString(*expr);
    for (size_t i = 0; i < plan.outputs.size(); ++i) {
      if (ToString(*plan.outputs[i].expr) == text) return static_cast<int>(i);
    }
    if (plan.distinct) {
      return SemanticError(ast.pos, "with SELECT DISTINCT, " + std::string(clause) +
                                        " expressions must appear in the select list");
    }
    plan.outputs.push_back({text, expr->type, std::move(expr)});
    return static_cast<int>(plan.outputs.size() - 1);
  }

  Status BindDistinctOn(const Select& select, QueryPlan& plan, ExprScope& post) {
    for (const ExprPtr& item : select.distinct_on) {
      STRATA_ASSIGN_OR_RETURN(int column,
                              OutputColumnFor(select, *item, plan, post, "DISTINCT ON"));
      plan.distinct_on.push_back(column);
    }
    return Status();
  }

  Status BindOrderBy(const Select& select, QueryPlan& plan, ExprScope& post) {
    for (const OrderItem& item : select.order_by) {
      STRATA_ASSIGN_OR_RETURN(int column,
                              OutputColumnFor(select, *item.expr, plan, post, "ORDER BY"));
      SortKey key;
      key.column = column;
      key.descending = item.descending;
      key.nulls_first =
          item.nulls == NullsOrder::kDefault ? item.descending : item.nulls == NullsOrder::kFirst;
      plan.order_by.push_back(key);
    }
    return Status();
  }

  Result<int64_t> Count(const Expr& ast, std::string_view clause) {
    FromScope none(dummy_, nullptr, "", nullptr, false);
    none.set_context(clause);
    STRATA_ASSIGN_OR_RETURN(BoundExprPtr expr, exprs_.Bind(ast, none));
    if (!expr->IsConstant() || expr->type != DataType::kInt64 || expr->IsNullConstant() ||
        std::get<int64_t>(expr->value) < 0) {
      return SemanticError(ast.pos, std::string(clause) + " needs a non-negative integer");
    }
    return std::get<int64_t>(expr->value);
  }

  Status BindLimit(const Select& select, QueryPlan& plan) {
    if (select.limit) {
      STRATA_ASSIGN_OR_RETURN(int64_t limit, Count(*select.limit, "LIMIT"));
      plan.limit = limit;
    }
    if (select.offset) {
      STRATA_ASSIGN_OR_RETURN(plan.offset, Count(*select.offset, "OFFSET"));
    }
    return Status();
  }

  const BindOptions& options_;
  const std::vector<CommonTable>& with_;
  int depth_;
  ExprBinder exprs_;
  std::vector<std::unique_ptr<TableInfo>> tables_;
  QueryPlan dummy_;
};

}  // namespace

Result<BoundStatement> Bind(const Statement& statement, const BindOptions& options) {
  if (options.catalog == nullptr) return Status::Internal("Bind needs a catalog");
  for (size_t i = 0; i < statement.with.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (statement.with[i].name == statement.with[j].name) {
        return SemanticError(statement.with[i].pos,
                             "WITH name " + Quote(statement.with[i].name) + " is used twice");
      }
    }
  }
  SelectBinder binder(options, statement.with, 0);
  STRATA_ASSIGN_OR_RETURN(QueryPlan plan, binder.Bind(*statement.select));
  BoundStatement bound;
  bound.explain = statement.explain;
  bound.analyze = statement.analyze;
  bound.plan = std::move(plan);
  return bound;
}

}  // namespace strata::sql
