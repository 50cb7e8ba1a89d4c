// ExprBinder: binds one ast::Expr to a BoundExpr — functions resolved and typed, arguments
// coerced, parameters and now() bound as constants. How leaves resolve (columns, aggregate
// calls, expressions equal to a GROUP BY key) is the ExprScope's business, so the same code
// binds WHERE, select items, HAVING and ORDER BY.
// Thread safety: one binder per statement.
#pragma once

#include <optional>
#include <string_view>

#include "common/result.h"
#include "sql/ast.h"
#include "sql/binder.h"
#include "sql/bound_expr.h"
#include "sql/query_plan.h"

namespace strata::sql {

class ExprBinder;

class ExprScope {
 public:
  virtual ~ExprScope() = default;
  // A kColumn node.
  virtual Result<BoundExprPtr> Column(const Expr& ast) = 0;
  // A call of an aggregate function; `call` has its arguments bound in the source scope.
  virtual Result<BoundExprPtr> Aggregate(const Expr& ast, AggregateCall call) = 0;
  // Called before binding any node; a non-null result replaces the node (GROUP BY keys).
  virtual Result<BoundExprPtr> Intercept(const Expr& ast, ExprBinder& binder) {
    (void)ast;
    (void)binder;
    return BoundExprPtr();
  }
  // The scope aggregate arguments are bound in (null: aggregates are not allowed here);
  // `context` names the clause for the error ("WHERE", "GROUP BY").
  virtual ExprScope* SourceScope() { return nullptr; }
  virtual std::string_view context() const = 0;
  // The slot of the time field for first()/last(), if the source has one.
  virtual std::optional<BoundExprPtr> TimeColumn() { return std::nullopt; }
};

class ExprBinder {
 public:
  explicit ExprBinder(const BindOptions& options) : options_(options) {}

  Result<BoundExprPtr> Bind(const Expr& ast, ExprScope& scope);
  // Binds and requires a bool result (WHERE, HAVING, filters).
  Result<BoundExprPtr> BindPredicate(const Expr& ast, ExprScope& scope);

  // `expr` converted to `type` (constants at once; int64 -> float64 and string constants ->
  // timestamp/other types); error at `pos` when no implicit conversion exists.
  Result<BoundExprPtr> Coerce(BoundExprPtr expr, types::DataType type, const SourcePos& pos);

  // Whether `ast` contains an aggregate call (not looking into subqueries).
  static bool ContainsAggregate(const Expr& ast);
  static bool IsAggregateName(std::string_view name);

  const BindOptions& options() const { return options_; }

 private:
  Result<BoundExprPtr> BindNode(const Expr& ast, ExprScope& scope);
  Result<BoundExprPtr> BindLiteral(const Expr& ast);
  Result<BoundExprPtr> BindParam(const Expr& ast);
  Result<BoundExprPtr> BindUnary(const Expr& ast, ExprScope& scope);
  Result<BoundExprPtr> BindBinary(const Expr& ast, ExprScope& scope);
  Result<BoundExprPtr> BindArithmetic(FuncId func, BoundExprPtr left, BoundExprPtr right,
                                      const Expr& ast);
  Result<BoundExprPtr> BindComparison(FuncId func, BoundExprPtr left, BoundExprPtr right,
                                      const Expr& ast);
  Result<BoundExprPtr> BindIn(const Expr& ast, ExprScope& scope);
  Result<BoundExprPtr> BindBetween(const Expr& ast, ExprScope& scope);
  Result<BoundExprPtr> BindLike(const Expr& ast, ExprScope& scope);
  Result<BoundExprPtr> BindCase(const Expr& ast, ExprScope& scope);
  Result<BoundExprPtr> BindCast(const Expr& ast, ExprScope& scope);
  Result<BoundExprPtr> BindJsonAccess(const Expr& ast, ExprScope& scope);
  Result<BoundExprPtr> BindFunction(const Expr& ast, ExprScope& scope);
  Result<BoundExprPtr> BindAggregate(const Expr& ast, ExprScope& scope);
  Result<std::vector<BoundExprPtr>> BindArgs(const Expr& ast, ExprScope& scope);
  // The common type of `exprs` for CASE/COALESCE results, coercing each to it.
  Status Unify(std::vector<BoundExprPtr*> exprs, const Expr& ast);
  Result<int64_t> IntervalArg(const BoundExpr& expr, const Expr& ast);

  const BindOptions& options_;
  int depth_ = 0;
};

// The DataType a CAST type name denotes ("int", "double", "text", ...).
std::optional<types::DataType> CastTypeByName(std::string_view name);

}  // namespace strata::sql
