#include "sql/bound_expr.h"

#include "common/json_writer.h"

namespace strata::sql {

BoundExprPtr BoundExpr::Constant(types::Value value, types::DataType type) {
  auto expr = std::make_unique<BoundExpr>();
  expr->kind = BoundKind::kConstant;
  expr->type = type;
  expr->value = std::move(value);
  return expr;
}

BoundExprPtr BoundExpr::Column(int slot, types::DataType type) {
  auto expr = std::make_unique<BoundExpr>();
  expr->kind = BoundKind::kColumn;
  expr->type = type;
  expr->slot = slot;
  return expr;
}

BoundExprPtr BoundExpr::Function(FuncId func, types::DataType type,
                                 std::vector<BoundExprPtr> args) {
  auto expr = std::make_unique<BoundExpr>();
  expr->kind = BoundKind::kFunction;
  expr->type = type;
  expr->func = func;
  expr->cast_to = type;
  expr->args = std::move(args);
  return expr;
}

BoundExprPtr BoundExpr::Clone() const {
  auto copy = std::make_unique<BoundExpr>();
  copy->kind = kind;
  copy->type = type;
  copy->value = value;
  copy->slot = slot;
  copy->func = func;
  copy->case_insensitive = case_insensitive;
  copy->has_else = has_else;
  copy->cast_to = cast_to;
  copy->unit = unit;
  copy->transform = transform;
  copy->args.reserve(args.size());
  for (const BoundExprPtr& arg : args) copy->args.push_back(arg->Clone());
  return copy;
}

std::string_view FuncName(FuncId func) {
  switch (func) {
    case FuncId::kAdd: return "+";
    case FuncId::kSub: return "-";
    case FuncId::kMul: return "*";
    case FuncId::kDiv: return "/";
    case FuncId::kMod: return "%";
    case FuncId::kNeg: return "-";
    case FuncId::kEq: return "=";
    case FuncId::kNe: return "<>";
    case FuncId::kLt: return "<";
    case FuncId::kLe: return "<=";
    case FuncId::kGt: return ">";
    case FuncId::kGe: return ">=";
    case FuncId::kAnd: return "AND";
    case FuncId::kOr: return "OR";
    case FuncId::kNot: return "NOT";
    case FuncId::kIsNull: return "IS NULL";
    case FuncId::kIsNotNull: return "IS NOT NULL";
    case FuncId::kIn: return "IN";
    case FuncId::kLike: return "LIKE";
    case FuncId::kCase: return "case";
    case FuncId::kCast: return "cast";
    case FuncId::kCoalesce: return "coalesce";
    case FuncId::kAbs: return "abs";
    case FuncId::kRound: return "round";
    case FuncId::kFloor: return "floor";
    case FuncId::kCeil: return "ceil";
    case FuncId::kLower: return "lower";
    case FuncId::kUpper: return "upper";
    case FuncId::kLength: return "length";
    case FuncId::kSubstring: return "substring";
    case FuncId::kConcat: return "concat";
    case FuncId::kTimeBucket: return "time_bucket";
    case FuncId::kDateTrunc: return "date_trunc";
    case FuncId::kExtract: return "extract";
    case FuncId::kJsonGet: return "->";
    case FuncId::kJsonGetText: return "->>";
    case FuncId::kTransform: return "transform";
  }
  return "?";
}

namespace {

bool IsInfix(FuncId func) {
  switch (func) {
    case FuncId::kAdd:
    case FuncId::kSub:
    case FuncId::kMul:
    case FuncId::kDiv:
    case FuncId::kMod:
    case FuncId::kEq:
    case FuncId::kNe:
    case FuncId::kLt:
    case FuncId::kLe:
    case FuncId::kGt:
    case FuncId::kGe:
    case FuncId::kAnd:
    case FuncId::kOr:
    case FuncId::kJsonGet:
    case FuncId::kJsonGetText: return true;
    default: return false;
  }
}

void AppendConstant(std::string& out, const types::Value& value, types::DataType type) {
  if (std::holds_alternative<std::monostate>(value)) {
    out += "NULL";
  } else if (const bool* b = std::get_if<bool>(&value)) {
    out += *b ? "true" : "false";
  } else if (const int64_t* i = std::get_if<int64_t>(&value)) {
    out += std::to_string(*i);
    if (type == types::DataType::kTimestamp) out += "::timestamp";
  } else if (const double* d = std::get_if<double>(&value)) {
    JsonWriter writer;
    writer.Double(*d);
    out += writer.Take();
  } else {
    out += '\'';
    for (char c : std::get<std::string>(value)) {
      if (c == '\'') out += '\'';
      out += c;
    }
    out += '\'';
  }
}

void Append(std::string& out, const BoundExpr& expr, const std::vector<std::string>* names) {
  switch (expr.kind) {
    case BoundKind::kConstant: AppendConstant(out, expr.value, expr.type); return;
    case BoundKind::kColumn:
      if (names != nullptr && expr.slot >= 0 && static_cast<size_t>(expr.slot) < names->size()) {
        out += (*names)[static_cast<size_t>(expr.slot)];
      } else {
        out += '#';
        out += std::to_string(expr.slot);
      }
      return;
    case BoundKind::kFunction: break;
  }
  if (IsInfix(expr.func) && expr.args.size() == 2) {
    out += '(';
    Append(out, *expr.args[0], names);
    out += ' ';
    out += FuncName(expr.func);
    out += ' ';
    Append(out, *expr.args[1], names);
    out += ')';
    return;
  }
  switch (expr.func) {
    case FuncId::kNeg:
    case FuncId::kNot:
      out += '(';
      out += FuncName(expr.func);
      out += expr.func == FuncId::kNot ? " " : "";
      Append(out, *expr.args[0], names);
      out += ')';
      return;
    case FuncId::kIsNull:
    case FuncId::kIsNotNull:
      out += '(';
      Append(out, *expr.args[0], names);
      out += ' ';
      out += FuncName(expr.func);
      out += ')';
      return;
    case FuncId::kIn:
    case FuncId::kLike:
      out += '(';
      Append(out, *expr.args[0], names);
      out += ' ';
      out += expr.case_insensitive ? "ILIKE" : FuncName(expr.func);
      out += expr.func == FuncId::kIn ? " (" : " ";
      for (size_t i = 1; i < expr.args.size(); ++i) {
        if (i > 1) out += ", ";
        Append(out, *expr.args[i], names);
      }
      out += expr.func == FuncId::kIn ? "))" : ")";
      return;
    case FuncId::kTransform:
      out += expr.transform ? expr.transform->name() : FuncName(expr.func);
      out += '(';
      Append(out, *expr.args[0], names);
      out += ')';
      return;
    case FuncId::kCast:
      out += "cast(";
      Append(out, *expr.args[0], names);
      out += " AS ";
      out += types::DataTypeName(expr.cast_to);
      out += ')';
      return;
    default: break;
  }
  out += FuncName(expr.func);
  out += '(';
  bool first = true;
  if (!expr.unit.empty()) {
    out += '\'' + expr.unit + '\'';
    first = false;
  }
  for (const BoundExprPtr& arg : expr.args) {
    if (!first) out += ", ";
    first = false;
    Append(out, *arg, names);
  }
  out += ')';
}

}  // namespace

std::string ToString(const BoundExpr& expr, const std::vector<std::string>* slot_names) {
  std::string out;
  Append(out, expr, slot_names);
  return out;
}

}  // namespace strata::sql
