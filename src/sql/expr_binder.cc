#include "sql/expr_binder.h"

#include <cmath>
#include <limits>

#include "common/strings.h"
#include "common/time_util.h"
#include "sql/interval.h"
#include "sql/sql_error.h"

namespace strata::sql {

using types::DataType;
using types::Value;

namespace {

constexpr int kMaxDepth = 256;

bool IsNumeric(DataType type) { return type == DataType::kInt64 || type == DataType::kFloat64; }

std::string TypeName(DataType type) { return std::string(types::DataTypeName(type)); }

std::optional<AggKind> AggregateKind(std::string_view name) {
  if (name == "count") return AggKind::kCount;
  if (name == "approx_count_distinct") return AggKind::kApproxCountDistinct;
  if (name == "sum") return AggKind::kSum;
  if (name == "avg" || name == "mean") return AggKind::kAvg;
  if (name == "min") return AggKind::kMin;
  if (name == "max") return AggKind::kMax;
  if (name == "stddev" || name == "stddev_samp") return AggKind::kStddev;
  if (name == "quantile" || name == "percentile" || name == "median") return AggKind::kQuantile;
  if (name == "first") return AggKind::kFirst;
  if (name == "last") return AggKind::kLast;
  return std::nullopt;
}

struct ScalarSpec {
  std::string_view name;
  FuncId func;
  size_t min_args;
  size_t max_args;
};

constexpr ScalarSpec kScalars[] = {
    {"abs", FuncId::kAbs, 1, 1},
    {"round", FuncId::kRound, 1, 2},
    {"floor", FuncId::kFloor, 1, 1},
    {"ceil", FuncId::kCeil, 1, 1},
    {"ceiling", FuncId::kCeil, 1, 1},
    {"lower", FuncId::kLower, 1, 1},
    {"upper", FuncId::kUpper, 1, 1},
    {"length", FuncId::kLength, 1, 1},
    {"char_length", FuncId::kLength, 1, 1},
    {"substring", FuncId::kSubstring, 2, 3},
    {"substr", FuncId::kSubstring, 2, 3},
    {"concat", FuncId::kConcat, 1, 64},
    {"coalesce", FuncId::kCoalesce, 1, 64},
    {"time_bucket", FuncId::kTimeBucket, 2, 3},
    {"date_trunc", FuncId::kDateTrunc, 2, 2},
    {"extract", FuncId::kExtract, 2, 2},
    {"date_part", FuncId::kExtract, 2, 2},
};

std::vector<std::string_view> FunctionNames() {
  std::vector<std::string_view> names;
  for (const ScalarSpec& spec : kScalars) names.push_back(spec.name);
  for (std::string_view name :
       {"count", "sum", "avg", "min", "max", "stddev", "quantile", "percentile", "median",
        "approx_count_distinct", "first", "last", "now", "cast"}) {
    names.push_back(name);
  }
  return names;
}

const std::vector<std::string_view>& DateUnits() {
  static const std::vector<std::string_view> units = {
      "microsecond", "millisecond", "second", "minute",  "hour",
      "day",         "week",        "month",  "quarter", "year"};
  return units;
}

const std::vector<std::string_view>& ExtractFields() {
  static const std::vector<std::string_view> fields = {
      "epoch",  "year",   "quarter",     "month",       "week", "day",    "hour",
      "minute", "second", "millisecond", "microsecond", "dow",  "isodow", "doy"};
  return fields;
}

bool Contains(const std::vector<std::string_view>& list, std::string_view value) {
  for (std::string_view item : list) {
    if (item == value) return true;
  }
  return false;
}

std::string WithSuggestion(std::string message, std::string_view name,
                           const std::vector<std::string_view>& candidates) {
  if (std::optional<std::string> near = SuggestName(name, candidates)) {
    message += "; did you mean '" + *near + "'?";
  }
  return message;
}

FuncId FlipComparison(FuncId func) {
  switch (func) {
    case FuncId::kLt: return FuncId::kGt;
    case FuncId::kLe: return FuncId::kGe;
    case FuncId::kGt: return FuncId::kLt;
    case FuncId::kGe: return FuncId::kLe;
    default: return func;
  }
}

// `int_expr <func> constant` where the constant is a float: the same comparison on int64
// (so that it stays a plain column predicate the scan can use), or nullopt when the constant
// is out of int64 range. Sets `always` to the answer for every non-NULL row when it does not
// depend on the row's value (x = 90.5 is false, x <> 90.5 true); NULL rows still answer NULL.
std::optional<std::pair<FuncId, int64_t>> IntComparisonFor(FuncId func, double c,
                                                           std::optional<bool>& always) {
  if (!std::isfinite(c) || c < -9.2e18 || c > 9.2e18) return std::nullopt;
  const double floor_c = std::floor(c);
  const double ceil_c = std::ceil(c);
  const bool integral = floor_c == c;
  switch (func) {
    case FuncId::kEq:
    case FuncId::kNe:
      if (!integral) {
        always = func == FuncId::kNe;
        return std::make_pair(func, int64_t{0});
      }
      return std::make_pair(func, static_cast<int64_t>(c));
    case FuncId::kLt:  // x < 90.5 <=> x < 91; x < 90.0 <=> x < 90.
      return std::make_pair(FuncId::kLt, static_cast<int64_t>(ceil_c));
    case FuncId::kLe:  // x <= 90.5 <=> x <= 90.
      return std::make_pair(FuncId::kLe, static_cast<int64_t>(floor_c));
    case FuncId::kGt:  // x > 90.5 <=> x > 90.
      return std::make_pair(FuncId::kGt, static_cast<int64_t>(floor_c));
    case FuncId::kGe:  // x >= 90.5 <=> x >= 91.
      return std::make_pair(FuncId::kGe, static_cast<int64_t>(ceil_c));
    default: return std::nullopt;
  }
}

}  // namespace

std::optional<DataType> CastTypeByName(std::string_view name) {
  if (name == "int" || name == "integer" || name == "bigint" || name == "int64" ||
      name == "smallint" || name == "int8" || name == "long") {
    return DataType::kInt64;
  }
  if (name == "float" || name == "double" || name == "float64" || name == "real" ||
      name == "float8" || name == "numeric" || name == "decimal") {
    return DataType::kFloat64;
  }
  if (name == "text" || name == "varchar" || name == "string" || name == "char") {
    return DataType::kString;
  }
  if (name == "bool" || name == "boolean") return DataType::kBool;
  if (name == "timestamp" || name == "timestamptz") return DataType::kTimestamp;
  if (name == "json" || name == "jsonb") return DataType::kJson;
  return std::nullopt;
}

bool ExprBinder::IsAggregateName(std::string_view name) { return AggregateKind(name).has_value(); }

bool ExprBinder::ContainsAggregate(const Expr& ast) {
  if (ast.kind == ExprKind::kFunction && IsAggregateName(ast.name)) return true;
  for (const ExprPtr& child : ast.children) {
    if (ContainsAggregate(*child)) return true;
  }
  return false;
}

Result<BoundExprPtr> ExprBinder::Bind(const Expr& ast, ExprScope& scope) {
  if (++depth_ > kMaxDepth) {
    --depth_;
    return SemanticError(ast.pos, "expression nested too deeply");
  }
  Result<BoundExprPtr> result = scope.Intercept(ast, *this);
  if (result.ok() && *result == nullptr) result = BindNode(ast, scope);
  --depth_;
  return result;
}

Result<BoundExprPtr> ExprBinder::BindPredicate(const Expr& ast, ExprScope& scope) {
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr expr, Bind(ast, scope));
  if (expr->IsNullConstant()) return BoundExpr::Constant(Value(), DataType::kBool);
  if (expr->type != DataType::kBool) {
    return SemanticError(ast.pos, std::string(scope.context()) +
                                      " must be a boolean expression, not " + TypeName(expr->type));
  }
  return expr;
}

Result<BoundExprPtr> ExprBinder::BindNode(const Expr& ast, ExprScope& scope) {
  switch (ast.kind) {
    case ExprKind::kLiteral: return BindLiteral(ast);
    case ExprKind::kParam: return BindParam(ast);
    case ExprKind::kColumn: return scope.Column(ast);
    case ExprKind::kStar:
      return SemanticError(ast.pos, "'*' is only allowed in a select list or count(*)");
    case ExprKind::kUnary: return BindUnary(ast, scope);
    case ExprKind::kBinary: return BindBinary(ast, scope);
    case ExprKind::kFunction: return BindFunction(ast, scope);
    case ExprKind::kCase: return BindCase(ast, scope);
    case ExprKind::kCast: return BindCast(ast, scope);
    case ExprKind::kIn: return BindIn(ast, scope);
    case ExprKind::kBetween: return BindBetween(ast, scope);
    case ExprKind::kLike: return BindLike(ast, scope);
    case ExprKind::kIsNull: {
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr operand, Bind(*ast.children[0], scope));
      std::vector<BoundExprPtr> args;
      args.push_back(std::move(operand));
      return BoundExpr::Function(ast.negated ? FuncId::kIsNotNull : FuncId::kIsNull,
                                 DataType::kBool, std::move(args));
    }
    case ExprKind::kJsonAccess: return BindJsonAccess(ast, scope);
  }
  return SemanticError(ast.pos, "unsupported expression");
}

Result<BoundExprPtr> ExprBinder::BindLiteral(const Expr& ast) {
  switch (ast.literal_kind) {
    case LiteralKind::kNull:
      // Untyped NULL: int64 until context gives it a type (Coerce retypes NULL constants).
      return BoundExpr::Constant(Value(), DataType::kInt64);
    case LiteralKind::kBool: return BoundExpr::Constant(ast.value, DataType::kBool);
    case LiteralKind::kInt:
    case LiteralKind::kInterval: return BoundExpr::Constant(ast.value, DataType::kInt64);
    case LiteralKind::kFloat: return BoundExpr::Constant(ast.value, DataType::kFloat64);
    case LiteralKind::kString: return BoundExpr::Constant(ast.value, DataType::kString);
  }
  return SemanticError(ast.pos, "unsupported literal");
}

Result<BoundExprPtr> ExprBinder::BindParam(const Expr& ast) {
  if (StartsWith(ast.name, "user.")) {
    // Row policies have their $user.<attribute> replaced by literals before binding; in a
    // statement, the caller's attributes are not parameters it could set or read.
    return SemanticError(ast.pos, "$" + ast.name +
                                      " is only available in row policies; pass values of your "
                                      "own as parameters such as $region");
  }
  const ParamMap* params = options_.params;
  auto it = params == nullptr ? ParamMap::const_iterator() : params->find(ast.name);
  if (params == nullptr || it == params->end()) {
    const bool positional =
        !ast.name.empty() && std::isdigit(static_cast<unsigned char>(ast.name[0]));
    return SemanticError(ast.pos, "parameter $" + ast.name +
                                      " has no value; pass it in \"params\"" +
                                      (positional ? " (an array: $1 is its first element)" : ""));
  }
  const Value& value = it->second;
  if (std::holds_alternative<bool>(value)) return BoundExpr::Constant(value, DataType::kBool);
  if (std::holds_alternative<int64_t>(value)) return BoundExpr::Constant(value, DataType::kInt64);
  if (std::holds_alternative<double>(value)) return BoundExpr::Constant(value, DataType::kFloat64);
  if (std::holds_alternative<std::string>(value)) {
    return BoundExpr::Constant(value, DataType::kString);
  }
  return BoundExpr::Constant(Value(), DataType::kInt64);
}

Result<BoundExprPtr> ExprBinder::Coerce(BoundExprPtr expr, DataType type, const SourcePos& pos) {
  if (expr->type == type) return expr;
  if (expr->IsNullConstant()) {
    expr->type = type;
    return expr;
  }
  if (expr->type == DataType::kInt64 && type == DataType::kFloat64) {
    if (expr->IsConstant()) {
      return BoundExpr::Constant(static_cast<double>(std::get<int64_t>(expr->value)), type);
    }
    std::vector<BoundExprPtr> args;
    args.push_back(std::move(expr));
    return BoundExpr::Function(FuncId::kCast, type, std::move(args));
  }
  if (expr->type == DataType::kInt64 && type == DataType::kTimestamp && expr->IsConstant()) {
    return BoundExpr::Constant(expr->value, type);
  }
  if (expr->type == DataType::kString && expr->IsConstant()) {
    const std::string& text = std::get<std::string>(expr->value);
    if (type == DataType::kTimestamp) {
      if (std::optional<int64_t> micros = ParseRfc3339(text)) {
        return BoundExpr::Constant(*micros, type);
      }
      return SemanticError(pos, "'" + text + "' is not an RFC 3339 timestamp");
    }
    if (type == DataType::kJson) return BoundExpr::Constant(expr->value, type);
  }
  if (expr->type == DataType::kJson && type == DataType::kString) {
    std::vector<BoundExprPtr> args;
    args.push_back(std::move(expr));
    return BoundExpr::Function(FuncId::kCast, type, std::move(args));
  }
  return SemanticError(pos, "cannot use a value of type " + TypeName(expr->type) + " where " +
                                TypeName(type) + " is expected");
}

Result<BoundExprPtr> ExprBinder::BindUnary(const Expr& ast, ExprScope& scope) {
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr operand, Bind(*ast.children[0], scope));
  if (ast.op == Op::kPlus) {
    if (!IsNumeric(operand->type) && !operand->IsNullConstant()) {
      return SemanticError(ast.pos, "unary '+' needs a number, not " + TypeName(operand->type));
    }
    return operand;
  }
  std::vector<BoundExprPtr> args;
  if (ast.op == Op::kNot) {
    STRATA_ASSIGN_OR_RETURN(operand, Coerce(std::move(operand), DataType::kBool, ast.pos));
    args.push_back(std::move(operand));
    return BoundExpr::Function(FuncId::kNot, DataType::kBool, std::move(args));
  }
  if (!IsNumeric(operand->type) && !operand->IsNullConstant()) {
    return SemanticError(ast.pos, "unary '-' needs a number, not " + TypeName(operand->type));
  }
  const DataType type = operand->type;
  args.push_back(std::move(operand));
  return BoundExpr::Function(FuncId::kNeg, type, std::move(args));
}

Result<BoundExprPtr> ExprBinder::BindBinary(const Expr& ast, ExprScope& scope) {
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr left, Bind(*ast.children[0], scope));
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr right, Bind(*ast.children[1], scope));
  switch (ast.op) {
    case Op::kAnd:
    case Op::kOr: {
      STRATA_ASSIGN_OR_RETURN(left, Coerce(std::move(left), DataType::kBool, ast.children[0]->pos));
      STRATA_ASSIGN_OR_RETURN(right,
                              Coerce(std::move(right), DataType::kBool, ast.children[1]->pos));
      std::vector<BoundExprPtr> args;
      args.push_back(std::move(left));
      args.push_back(std::move(right));
      return BoundExpr::Function(ast.op == Op::kAnd ? FuncId::kAnd : FuncId::kOr, DataType::kBool,
                                 std::move(args));
    }
    case Op::kEq: return BindComparison(FuncId::kEq, std::move(left), std::move(right), ast);
    case Op::kNe: return BindComparison(FuncId::kNe, std::move(left), std::move(right), ast);
    case Op::kLt: return BindComparison(FuncId::kLt, std::move(left), std::move(right), ast);
    case Op::kLe: return BindComparison(FuncId::kLe, std::move(left), std::move(right), ast);
    case Op::kGt: return BindComparison(FuncId::kGt, std::move(left), std::move(right), ast);
    case Op::kGe: return BindComparison(FuncId::kGe, std::move(left), std::move(right), ast);
    case Op::kConcat: {
      for (BoundExprPtr* side : {&left, &right}) {
        if ((*side)->type != DataType::kString) {
          STRATA_ASSIGN_OR_RETURN(BoundExprPtr text,
                                  Coerce(std::move(*side), DataType::kString, ast.pos));
          *side = std::move(text);
        }
      }
      std::vector<BoundExprPtr> args;
      args.push_back(std::move(left));
      args.push_back(std::move(right));
      return BoundExpr::Function(FuncId::kConcat, DataType::kString, std::move(args));
    }
    case Op::kAdd: return BindArithmetic(FuncId::kAdd, std::move(left), std::move(right), ast);
    case Op::kSub: return BindArithmetic(FuncId::kSub, std::move(left), std::move(right), ast);
    case Op::kMul: return BindArithmetic(FuncId::kMul, std::move(left), std::move(right), ast);
    case Op::kDiv: return BindArithmetic(FuncId::kDiv, std::move(left), std::move(right), ast);
    case Op::kMod: return BindArithmetic(FuncId::kMod, std::move(left), std::move(right), ast);
    default: return SemanticError(ast.pos, "unsupported operator");
  }
}

Result<BoundExprPtr> ExprBinder::BindArithmetic(FuncId func, BoundExprPtr left, BoundExprPtr right,
                                                const Expr& ast) {
  if (left->IsNullConstant()) left->type = right->type;
  if (right->IsNullConstant()) right->type = left->type;
  DataType type;
  const DataType lt = left->type;
  const DataType rt = right->type;
  if (IsNumeric(lt) && IsNumeric(rt)) {
    type = lt == DataType::kFloat64 || rt == DataType::kFloat64 ? DataType::kFloat64
                                                                : DataType::kInt64;
    STRATA_ASSIGN_OR_RETURN(left, Coerce(std::move(left), type, ast.pos));
    STRATA_ASSIGN_OR_RETURN(right, Coerce(std::move(right), type, ast.pos));
  } else if (lt == DataType::kTimestamp && rt == DataType::kInt64 &&
             (func == FuncId::kAdd || func == FuncId::kSub)) {
    type = DataType::kTimestamp;
  } else if (lt == DataType::kInt64 && rt == DataType::kTimestamp && func == FuncId::kAdd) {
    std::swap(left, right);
    type = DataType::kTimestamp;
  } else if (lt == DataType::kTimestamp && rt == DataType::kTimestamp && func == FuncId::kSub) {
    type = DataType::kInt64;  // Microseconds.
  } else {
    return SemanticError(ast.pos, "operator '" + std::string(OpSymbol(ast.op)) +
                                      "' cannot combine " + TypeName(lt) + " and " + TypeName(rt));
  }
  std::vector<BoundExprPtr> args;
  args.push_back(std::move(left));
  args.push_back(std::move(right));
  return BoundExpr::Function(func, type, std::move(args));
}

Result<BoundExprPtr> ExprBinder::BindComparison(FuncId func, BoundExprPtr left, BoundExprPtr right,
                                                const Expr& ast) {
  if (left->IsConstant() && !right->IsConstant()) {
    std::swap(left, right);
    func = FlipComparison(func);
  }
  if (left->IsNullConstant()) left->type = right->type;
  if (right->IsNullConstant()) right->type = left->type;
  if (left->type == DataType::kInt64 && right->type == DataType::kFloat64 && right->IsConstant() &&
      !right->IsNullConstant()) {
    std::optional<bool> always;
    if (auto int_form = IntComparisonFor(func, std::get<double>(right->value), always)) {
      if (always) {
        // The answer is *always for every row except NULL rows, which stay NULL:
        // x <> 90.5 is (x IS NOT NULL) OR NULL, x = 90.5 is (x IS NULL) AND NULL.
        std::vector<BoundExprPtr> args;
        args.push_back(std::move(left));
        BoundExprPtr null_test = BoundExpr::Function(*always ? FuncId::kIsNotNull : FuncId::kIsNull,
                                                     DataType::kBool, std::move(args));
        std::vector<BoundExprPtr> both;
        both.push_back(std::move(null_test));
        both.push_back(BoundExpr::Constant(Value(), DataType::kBool));
        return BoundExpr::Function(*always ? FuncId::kOr : FuncId::kAnd, DataType::kBool,
                                   std::move(both));
      }
      func = int_form->first;
      right = BoundExpr::Constant(int_form->second, DataType::kInt64);
    }
  }
  const DataType lt = left->type;
  const DataType rt = right->type;
  if (lt != rt) {
    if (IsNumeric(lt) && IsNumeric(rt)) {
      STRATA_ASSIGN_OR_RETURN(left, Coerce(std::move(left), DataType::kFloat64, ast.pos));
      STRATA_ASSIGN_OR_RETURN(right, Coerce(std::move(right), DataType::kFloat64, ast.pos));
    } else if (right->IsConstant()) {
      STRATA_ASSIGN_OR_RETURN(right, Coerce(std::move(right), lt, ast.children[1]->pos));
    } else if (left->IsConstant()) {
      STRATA_ASSIGN_OR_RETURN(left, Coerce(std::move(left), rt, ast.children[0]->pos));
    } else if (lt == DataType::kJson && rt == DataType::kString) {
      STRATA_ASSIGN_OR_RETURN(left, Coerce(std::move(left), rt, ast.pos));
    } else if (lt == DataType::kString && rt == DataType::kJson) {
      STRATA_ASSIGN_OR_RETURN(right, Coerce(std::move(right), lt, ast.pos));
    } else {
      return SemanticError(ast.pos, "cannot compare " + TypeName(lt) + " with " + TypeName(rt));
    }
  }
  std::vector<BoundExprPtr> args;
  args.push_back(std::move(left));
  args.push_back(std::move(right));
  return BoundExpr::Function(func, DataType::kBool, std::move(args));
}

Result<BoundExprPtr> ExprBinder::BindIn(const Expr& ast, ExprScope& scope) {
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr value, Bind(*ast.children[0], scope));
  std::vector<BoundExprPtr> items;
  bool all_constant = true;
  for (size_t i = 1; i < ast.children.size(); ++i) {
    STRATA_ASSIGN_OR_RETURN(BoundExprPtr item, Bind(*ast.children[i], scope));
    all_constant = all_constant && item->IsConstant();
    items.push_back(std::move(item));
  }
  BoundExprPtr result;
  if (all_constant && !value->IsConstant()) {
    DataType type = value->type;
    if (type == DataType::kInt64) {
      for (const BoundExprPtr& item : items) {
        if (item->type == DataType::kFloat64) type = DataType::kFloat64;
      }
    }
    STRATA_ASSIGN_OR_RETURN(value, Coerce(std::move(value), type, ast.pos));
    std::vector<BoundExprPtr> args;
    args.push_back(std::move(value));
    bool has_null = false;
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i]->IsNullConstant()) {
        has_null = true;  // x IN (.., NULL) is NULL where it would be false.
        continue;
      }
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr item,
                              Coerce(std::move(items[i]), type, ast.children[i + 1]->pos));
      args.push_back(std::move(item));
    }
    result = BoundExpr::Function(FuncId::kIn, DataType::kBool, std::move(args));
    if (has_null) {
      // (x IN list) OR NULL: true stays true, false becomes NULL.
      std::vector<BoundExprPtr> either;
      either.push_back(std::move(result));
      either.push_back(BoundExpr::Constant(Value(), DataType::kBool));
      result = BoundExpr::Function(FuncId::kOr, DataType::kBool, std::move(either));
    }
  } else {
    for (BoundExprPtr& item : items) {
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr eq,
                              BindComparison(FuncId::kEq, value->Clone(), std::move(item), ast));
      if (!result) {
        result = std::move(eq);
        continue;
      }
      std::vector<BoundExprPtr> either;
      either.push_back(std::move(result));
      either.push_back(std::move(eq));
      result = BoundExpr::Function(FuncId::kOr, DataType::kBool, std::move(either));
    }
  }
  if (ast.negated) {
    std::vector<BoundExprPtr> args;
    args.push_back(std::move(result));
    result = BoundExpr::Function(FuncId::kNot, DataType::kBool, std::move(args));
  }
  return result;
}

Result<BoundExprPtr> ExprBinder::BindBetween(const Expr& ast, ExprScope& scope) {
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr value, Bind(*ast.children[0], scope));
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr low, Bind(*ast.children[1], scope));
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr high, Bind(*ast.children[2], scope));
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr ge,
                          BindComparison(FuncId::kGe, value->Clone(), std::move(low), ast));
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr le,
                          BindComparison(FuncId::kLe, std::move(value), std::move(high), ast));
  std::vector<BoundExprPtr> args;
  args.push_back(std::move(ge));
  args.push_back(std::move(le));
  BoundExprPtr result = BoundExpr::Function(FuncId::kAnd, DataType::kBool, std::move(args));
  if (ast.negated) {
    std::vector<BoundExprPtr> not_args;
    not_args.push_back(std::move(result));
    result = BoundExpr::Function(FuncId::kNot, DataType::kBool, std::move(not_args));
  }
  return result;
}

Result<BoundExprPtr> ExprBinder::BindLike(const Expr& ast, ExprScope& scope) {
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr value, Bind(*ast.children[0], scope));
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr pattern, Bind(*ast.children[1], scope));
  STRATA_ASSIGN_OR_RETURN(value, Coerce(std::move(value), DataType::kString, ast.children[0]->pos));
  if (!pattern->IsConstant() ||
      (pattern->type != DataType::kString && !pattern->IsNullConstant())) {
    return SemanticError(ast.children[1]->pos, "the LIKE pattern must be a string constant");
  }
  pattern->type = DataType::kString;
  std::vector<BoundExprPtr> args;
  args.push_back(std::move(value));
  args.push_back(std::move(pattern));
  BoundExprPtr result = BoundExpr::Function(FuncId::kLike, DataType::kBool, std::move(args));
  result->case_insensitive = ast.case_insensitive;
  if (ast.negated) {
    std::vector<BoundExprPtr> not_args;
    not_args.push_back(std::move(result));
    result = BoundExpr::Function(FuncId::kNot, DataType::kBool, std::move(not_args));
  }
  return result;
}

Status ExprBinder::Unify(std::vector<BoundExprPtr*> exprs, const Expr& ast) {
  std::optional<DataType> type;
  for (BoundExprPtr* expr : exprs) {
    if ((*expr)->IsNullConstant()) continue;
    const DataType t = (*expr)->type;
    if (!type) {
      type = t;
    } else if (*type != t) {
      if (IsNumeric(*type) && IsNumeric(t)) {
        type = DataType::kFloat64;
      } else if ((*expr)->IsConstant() && t == DataType::kString) {
        continue;  // Coerced below.
      } else {
        return SemanticError(ast.pos, "results of type " + TypeName(*type) + " and " + TypeName(t) +
                                          " cannot be mixed");
      }
    }
  }
  const DataType target = type.value_or(DataType::kInt64);
  for (BoundExprPtr* expr : exprs) {
    STRATA_ASSIGN_OR_RETURN(*expr, Coerce(std::move(*expr), target, ast.pos));
  }
  return Status();
}

Result<BoundExprPtr> ExprBinder::BindCase(const Expr& ast, ExprScope& scope) {
  std::vector<BoundExprPtr> children;
  for (const ExprPtr& child : ast.children) {
    STRATA_ASSIGN_OR_RETURN(BoundExprPtr bound, Bind(*child, scope));
    children.push_back(std::move(bound));
  }
  size_t i = 0;
  BoundExprPtr operand;
  if (ast.has_operand) operand = std::move(children[i++]);
  const size_t end = children.size() - (ast.has_else ? 1 : 0);
  std::vector<BoundExprPtr> args;
  std::vector<size_t> result_indexes;
  for (; i + 1 < end + 1 && i < end; i += 2) {
    BoundExprPtr when = std::move(children[i]);
    if (operand) {
      STRATA_ASSIGN_OR_RETURN(
          when, BindComparison(FuncId::kEq, operand->Clone(), std::move(when), *ast.children[i]));
    } else {
      STRATA_ASSIGN_OR_RETURN(when, Coerce(std::move(when), DataType::kBool, ast.children[i]->pos));
    }
    args.push_back(std::move(when));
    result_indexes.push_back(args.size());
    args.push_back(std::move(children[i + 1]));
  }
  if (ast.has_else) {
    result_indexes.push_back(args.size());
    args.push_back(std::move(children.back()));
  }
  std::vector<BoundExprPtr*> results;
  for (size_t index : result_indexes) results.push_back(&args[index]);
  STRATA_RETURN_IF_ERROR(Unify(results, ast));
  const DataType type = args[result_indexes.front()]->type;
  BoundExprPtr result = BoundExpr::Function(FuncId::kCase, type, std::move(args));
  result->has_else = ast.has_else;
  return result;
}

Result<BoundExprPtr> ExprBinder::BindCast(const Expr& ast, ExprScope& scope) {
  std::optional<DataType> type = CastTypeByName(ast.type_name);
  if (!type) {
    static const std::vector<std::string_view> names = {"int64", "float64",   "string",
                                                        "bool",  "timestamp", "json"};
    return SemanticError(
        ast.pos, WithSuggestion("unknown type '" + ast.type_name + "'", ast.type_name, names));
  }
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr operand, Bind(*ast.children[0], scope));
  if (operand->type == *type) return operand;
  if (operand->IsNullConstant()) {
    operand->type = *type;
    return operand;
  }
  std::vector<BoundExprPtr> args;
  args.push_back(std::move(operand));
  return BoundExpr::Function(FuncId::kCast, *type, std::move(args));
}

Result<BoundExprPtr> ExprBinder::BindJsonAccess(const Expr& ast, ExprScope& scope) {
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr object, Bind(*ast.children[0], scope));
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr key, Bind(*ast.children[1], scope));
  if (object->type != DataType::kJson && !object->IsNullConstant()) {
    return SemanticError(ast.pos,
                         "'->' needs a json value on its left, not " + TypeName(object->type));
  }
  if (key->type != DataType::kString && key->type != DataType::kInt64) {
    return SemanticError(ast.children[1]->pos, "a JSON key must be a string or an integer");
  }
  object->type = DataType::kJson;
  std::vector<BoundExprPtr> args;
  args.push_back(std::move(object));
  args.push_back(std::move(key));
  return BoundExpr::Function(ast.json_text ? FuncId::kJsonGetText : FuncId::kJsonGet,
                             ast.json_text ? DataType::kString : DataType::kJson, std::move(args));
}

Result<std::vector<BoundExprPtr>> ExprBinder::BindArgs(const Expr& ast, ExprScope& scope) {
  std::vector<BoundExprPtr> args;
  for (const ExprPtr& child : ast.children) {
    STRATA_ASSIGN_OR_RETURN(BoundExprPtr arg, Bind(*child, scope));
    args.push_back(std::move(arg));
  }
  return args;
}

Result<int64_t> ExprBinder::IntervalArg(const BoundExpr& expr, const Expr& ast) {
  if (expr.IsConstant() && expr.type == DataType::kString) {
    std::string error;
    if (auto micros = ParseIntervalMicros(std::get<std::string>(expr.value), error)) {
      if (*micros <= 0) return SemanticError(ast.pos, "the interval must be positive");
      return *micros;
    }
    return SemanticError(ast.pos, error);
  }
  if (expr.IsConstant() && expr.type == DataType::kInt64 && !expr.IsNullConstant()) {
    const int64_t micros = std::get<int64_t>(expr.value);
    if (micros <= 0) return SemanticError(ast.pos, "the interval must be positive");
    return micros;
  }
  return SemanticError(ast.pos,
                       "expected an interval constant such as '1 hour' or INTERVAL '5 minutes'");
}

Result<BoundExprPtr> ExprBinder::BindFunction(const Expr& ast, ExprScope& scope) {
  if (IsAggregateName(ast.name)) return BindAggregate(ast, scope);
  if (ast.distinct) return SemanticError(ast.pos, "DISTINCT is only allowed in aggregates");
  if (ast.name == "now") {
    if (!ast.children.empty()) return SemanticError(ast.pos, "now() takes no arguments");
    return BoundExpr::Constant(options_.now_micros, DataType::kTimestamp);
  }
  const ScalarSpec* spec = nullptr;
  for (const ScalarSpec& candidate : kScalars) {
    if (candidate.name == ast.name) spec = &candidate;
  }
  if (spec == nullptr) {
    return SemanticError(
        ast.pos, WithSuggestion("unknown function '" + ast.name + "'", ast.name, FunctionNames()));
  }
  const size_t n = ast.children.size();
  if (n < spec->min_args || n > spec->max_args) {
    std::string expected =
        spec->min_args == spec->max_args
            ? std::to_string(spec->min_args)
            : std::to_string(spec->min_args) + " to " + std::to_string(spec->max_args);
    return SemanticError(ast.pos, ast.name + "() takes " + expected + " argument" +
                                      (spec->max_args == 1 ? "" : "s") + ", got " +
                                      std::to_string(n));
  }
  STRATA_ASSIGN_OR_RETURN(std::vector<BoundExprPtr> args, BindArgs(ast, scope));
  auto need = [&](size_t i, DataType type) -> Status {
    STRATA_ASSIGN_OR_RETURN(args[i], Coerce(std::move(args[i]), type, ast.children[i]->pos));
    return Status();
  };
  auto numeric = [&](size_t i) -> Status {
    if (args[i]->IsNullConstant() || IsNumeric(args[i]->type)) return Status();
    return SemanticError(ast.children[i]->pos,
                         ast.name + "() needs a number, not " + TypeName(args[i]->type));
  };
  DataType type = DataType::kInt64;
  std::string unit;
  switch (spec->func) {
    case FuncId::kAbs:
    case FuncId::kFloor:
    case FuncId::kCeil:
      STRATA_RETURN_IF_ERROR(numeric(0));
      type = args[0]->type;
      break;
    case FuncId::kRound:
      STRATA_RETURN_IF_ERROR(numeric(0));
      if (n == 2) STRATA_RETURN_IF_ERROR(need(1, DataType::kInt64));
      type = args[0]->type;
      break;
    case FuncId::kLower:
    case FuncId::kUpper:
      STRATA_RETURN_IF_ERROR(need(0, DataType::kString));
      type = DataType::kString;
      break;
    case FuncId::kLength:
      STRATA_RETURN_IF_ERROR(need(0, DataType::kString));
      type = DataType::kInt64;
      break;
    case FuncId::kSubstring:
      STRATA_RETURN_IF_ERROR(need(0, DataType::kString));
      for (size_t i = 1; i < n; ++i) STRATA_RETURN_IF_ERROR(need(i, DataType::kInt64));
      type = DataType::kString;
      break;
    case FuncId::kConcat:
      for (size_t i = 0; i < n; ++i) {
        if (args[i]->type != DataType::kString && !args[i]->IsNullConstant()) {
          std::vector<BoundExprPtr> cast_args;
          cast_args.push_back(std::move(args[i]));
          args[i] = BoundExpr::Function(FuncId::kCast, DataType::kString, std::move(cast_args));
        } else {
          args[i]->type = DataType::kString;
        }
      }
      type = DataType::kString;
      break;
    case FuncId::kCoalesce: {
      std::vector<BoundExprPtr*> all;
      for (BoundExprPtr& arg : args) all.push_back(&arg);
      STRATA_RETURN_IF_ERROR(Unify(all, ast));
      type = args[0]->type;
      break;
    }
    case FuncId::kTimeBucket: {
      STRATA_ASSIGN_OR_RETURN(int64_t micros, IntervalArg(*args[0], *ast.children[0]));
      args[0] = BoundExpr::Constant(micros, DataType::kInt64);
      STRATA_RETURN_IF_ERROR(need(1, DataType::kTimestamp));
      if (n == 3) STRATA_RETURN_IF_ERROR(need(2, DataType::kTimestamp));
      type = DataType::kTimestamp;
      break;
    }
    case FuncId::kDateTrunc:
    case FuncId::kExtract: {
      const bool trunc = spec->func == FuncId::kDateTrunc;
      if (!args[0]->IsConstant() || args[0]->type != DataType::kString) {
        return SemanticError(ast.children[0]->pos,
                             ast.name + "() needs a unit constant such as 'hour'");
      }
      unit = ToLower(std::get<std::string>(args[0]->value));
      const auto& allowed = trunc ? DateUnits() : ExtractFields();
      if (!Contains(allowed, unit)) {
        return SemanticError(
            ast.children[0]->pos,
            WithSuggestion("unknown " + std::string(trunc ? "unit" : "field") + " '" + unit + "'",
                           unit, allowed));
      }
      STRATA_RETURN_IF_ERROR(need(1, DataType::kTimestamp));
      args.erase(args.begin());
      type = trunc ? DataType::kTimestamp : DataType::kFloat64;
      break;
    }
    default: break;
  }
  BoundExprPtr result = BoundExpr::Function(spec->func, type, std::move(args));
  result->unit = std::move(unit);
  return result;
}

Result<BoundExprPtr> ExprBinder::BindAggregate(const Expr& ast, ExprScope& scope) {
  ExprScope* source = scope.SourceScope();
  if (source == nullptr) {
    return SemanticError(ast.pos, "aggregate function " + ast.name + "() is not allowed in " +
                                      std::string(scope.context()));
  }
  for (const ExprPtr& child : ast.children) {
    if (ContainsAggregate(*child)) {
      return SemanticError(child->pos, "aggregate calls cannot be nested");
    }
  }
  AggregateCall call;
  call.kind = *AggregateKind(ast.name);
  const size_t n = ast.children.size();
  auto arity = [&](size_t expected) -> Status {
    if (n == expected) return Status();
    return SemanticError(ast.pos, ast.name + "() takes " + std::to_string(expected) + " argument" +
                                      (expected == 1 ? "" : "s") + ", got " + std::to_string(n));
  };
  if (call.kind == AggKind::kCount && n == 1 && ast.children[0]->kind == ExprKind::kStar) {
    if (ast.distinct) return SemanticError(ast.pos, "count(DISTINCT *) is not supported");
    call.kind = AggKind::kCountStar;
    call.type = DataType::kInt64;
    return scope.Aggregate(ast, std::move(call));
  }
  if (ast.distinct && call.kind != AggKind::kCount) {
    return SemanticError(ast.pos, "DISTINCT is supported in count() only");
  }
  const bool by_time = call.kind == AggKind::kFirst || call.kind == AggKind::kLast;
  const size_t value_args = call.kind == AggKind::kQuantile && ast.name != "median" ? 2 : 1;
  if (!(by_time && n == 2)) STRATA_RETURN_IF_ERROR(arity(value_args));
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr value, Bind(*ast.children[0], *source));
  const DataType vt = value->type;
  switch (call.kind) {
    case AggKind::kCount:
      if (ast.distinct) call.kind = AggKind::kCountDistinct;
      call.type = DataType::kInt64;
      break;
    case AggKind::kApproxCountDistinct: call.type = DataType::kInt64; break;
    case AggKind::kSum:
    case AggKind::kAvg:
    case AggKind::kStddev:
    case AggKind::kQuantile:
      if (!IsNumeric(vt) && !value->IsNullConstant()) {
        return SemanticError(ast.children[0]->pos,
                             ast.name + "() needs a number, not " + TypeName(vt));
      }
      call.type = call.kind == AggKind::kSum ? vt : DataType::kFloat64;
      break;
    case AggKind::kMin:
    case AggKind::kMax:
      if (vt == DataType::kJson) {
        return SemanticError(ast.children[0]->pos, ast.name + "() cannot order json values");
      }
      call.type = vt;
      break;
    case AggKind::kFirst:
    case AggKind::kLast: call.type = vt; break;
    case AggKind::kCountStar:
    case AggKind::kCountDistinct: break;
  }
  if (call.kind == AggKind::kQuantile) {
    double q = 0.5;
    if (ast.name != "median") {
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr q_expr, Bind(*ast.children[1], *source));
      if (!q_expr->IsConstant() || !IsNumeric(q_expr->type) || q_expr->IsNullConstant()) {
        return SemanticError(ast.children[1]->pos, ast.name + "() needs a constant fraction");
      }
      q = q_expr->type == DataType::kInt64 ? static_cast<double>(std::get<int64_t>(q_expr->value))
                                           : std::get<double>(q_expr->value);
      if (ast.name == "percentile") q /= 100;
      if (!(q >= 0 && q <= 1)) {
        return SemanticError(ast.children[1]->pos, ast.name == "percentile"
                                                       ? "percentile() needs a value in [0, 100]"
                                                       : "quantile() needs a fraction in [0, 1]");
      }
    }
    call.quantile = q;
    if (vt == DataType::kInt64) {
      STRATA_ASSIGN_OR_RETURN(value, Coerce(std::move(value), DataType::kFloat64, ast.pos));
    }
  }
  call.args.push_back(std::move(value));
  if (by_time && n == 2) {
    STRATA_ASSIGN_OR_RETURN(BoundExprPtr time, Bind(*ast.children[1], *source));
    STRATA_ASSIGN_OR_RETURN(time,
                            Coerce(std::move(time), DataType::kTimestamp, ast.children[1]->pos));
    call.args.push_back(std::move(time));
  } else if (by_time) {
    std::optional<BoundExprPtr> time = source->TimeColumn();
    if (!time) {
      return SemanticError(ast.pos, ast.name +
                                        "() needs a time: first(x, time_column), or a "
                                        "dataset with a time field");
    }
    call.args.push_back(std::move(*time));
  }
  return scope.Aggregate(ast, std::move(call));
}

}  // namespace strata::sql
