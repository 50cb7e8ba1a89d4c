#include "sql/ast.h"

#include <charconv>
#include <string>
#include <variant>

namespace strata::sql {
namespace {

bool IsPlainName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || static_cast<unsigned char>(c) >= 0x80;
    if (!ok) return false;
  }
  return true;
}

void AppendName(std::string& out, std::string_view name) {
  if (IsPlainName(name)) {
    out += name;
    return;
  }
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void AppendQuoted(std::string& out, std::string_view text) {
  out += '\'';
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
}

void AppendDouble(std::string& out, double value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  const std::string_view text(buffer, ec == std::errc() ? end - buffer : 0);
  out += text;
  if (text.find_first_of(".eni") == std::string_view::npos) out += ".0";
}

void AppendLiteral(std::string& out, const Expr& expr) {
  switch (expr.literal_kind) {
    case LiteralKind::kNull: out += "NULL"; return;
    case LiteralKind::kBool: out += std::get<bool>(expr.value) ? "TRUE" : "FALSE"; return;
    case LiteralKind::kInt: out += std::to_string(std::get<int64_t>(expr.value)); return;
    case LiteralKind::kFloat: AppendDouble(out, std::get<double>(expr.value)); return;
    case LiteralKind::kString: AppendQuoted(out, std::get<std::string>(expr.value)); return;
    case LiteralKind::kInterval:
      out += "(interval " + std::to_string(std::get<int64_t>(expr.value)) + ")";
      return;
  }
}

void Append(std::string& out, const Expr& expr);

// "(head child child ...)" over children[from...].
void AppendList(std::string& out, std::string_view head, const Expr& expr, size_t from = 0) {
  out += '(';
  out += head;
  for (size_t idx = from; idx < expr.children.size(); ++idx) {
    out += ' ';
    Append(out, *expr.children[idx]);
  }
  out += ')';
}

void AppendCase(std::string& out, const Expr& expr) {
  out += "(CASE";
  size_t idx = 0;
  if (expr.has_operand) {
    out += ' ';
    Append(out, *expr.children[idx++]);
  }
  const size_t whens_end = expr.children.size() - (expr.has_else ? 1 : 0);
  for (; idx + 1 < whens_end; idx += 2) {
    out += " (WHEN ";
    Append(out, *expr.children[idx]);
    out += ' ';
    Append(out, *expr.children[idx + 1]);
    out += ')';
  }
  if (expr.has_else) {
    out += " (ELSE ";
    Append(out, *expr.children.back());
    out += ')';
  }
  out += ')';
}

void AppendQualified(std::string& out, const Expr& expr, std::string_view name) {
  if (!expr.qualifier.empty()) {
    AppendName(out, expr.qualifier);
    out += '.';
  }
  if (name == "*") {
    out += '*';
  } else {
    AppendName(out, name);
  }
}

void Append(std::string& out, const Expr& expr) {
  const std::string_view not_prefix = expr.negated ? "NOT " : "";
  switch (expr.kind) {
    case ExprKind::kLiteral: AppendLiteral(out, expr); return;
    case ExprKind::kParam: out += "$" + expr.name; return;
    case ExprKind::kColumn: AppendQualified(out, expr, expr.name); return;
    case ExprKind::kStar: AppendQualified(out, expr, "*"); return;
    case ExprKind::kUnary:
    case ExprKind::kBinary: AppendList(out, OpSymbol(expr.op), expr); return;
    case ExprKind::kFunction:
      AppendList(out, expr.distinct ? expr.name + " DISTINCT" : expr.name, expr);
      return;
    case ExprKind::kCase: AppendCase(out, expr); return;
    case ExprKind::kCast:
      AppendList(out, "::", expr);
      out.insert(out.size() - 1, " " + expr.type_name);
      return;
    case ExprKind::kIn: AppendList(out, std::string(not_prefix) + "IN", expr); return;
    case ExprKind::kBetween: AppendList(out, std::string(not_prefix) + "BETWEEN", expr); return;
    case ExprKind::kLike:
      AppendList(out, std::string(not_prefix) + (expr.case_insensitive ? "ILIKE" : "LIKE"), expr);
      return;
    case ExprKind::kIsNull: AppendList(out, expr.negated ? "IS NOT NULL" : "IS NULL", expr); return;
    case ExprKind::kJsonAccess: AppendList(out, expr.json_text ? "->>" : "->", expr); return;
  }
}

void AppendExprs(std::string& out, std::string_view head, const std::vector<ExprPtr>& exprs) {
  out += " (";
  out += head;
  for (const ExprPtr& expr : exprs) {
    out += ' ';
    Append(out, *expr);
  }
  out += ')';
}

void AppendClause(std::string& out, std::string_view head, const ExprPtr& expr) {
  if (expr == nullptr) return;
  out += " (";
  out += head;
  out += ' ';
  Append(out, *expr);
  out += ')';
}

void AppendSelect(std::string& out, const Select& select);

void AppendFrom(std::string& out, const FromItem& from) {
  out += " (from ";
  if (from.subquery != nullptr) {
    AppendSelect(out, *from.subquery);
  } else {
    AppendName(out, from.name);
  }
  if (!from.alias.empty()) {
    out += ' ';
    AppendName(out, from.alias);
  }
  out += ')';
}

void AppendOrderBy(std::string& out, const std::vector<OrderItem>& order_by) {
  out += " (order-by";
  for (const OrderItem& item : order_by) {
    out += " (";
    Append(out, *item.expr);
    if (item.descending) out += " DESC";
    if (item.nulls == NullsOrder::kFirst) out += " NULLS FIRST";
    if (item.nulls == NullsOrder::kLast) out += " NULLS LAST";
    out += ')';
  }
  out += ')';
}

void AppendItems(std::string& out, const std::vector<SelectItem>& items) {
  out += " (items";
  for (const SelectItem& item : items) {
    out += ' ';
    if (item.alias.empty()) {
      Append(out, *item.expr);
      continue;
    }
    out += "(AS ";
    Append(out, *item.expr);
    out += ' ';
    AppendName(out, item.alias);
    out += ')';
  }
  out += ')';
}

void AppendSelect(std::string& out, const Select& select) {
  out += "(select";
  if (select.distinct) out += " distinct";
  if (!select.distinct_on.empty()) AppendExprs(out, "distinct-on", select.distinct_on);
  AppendItems(out, select.items);
  if (select.has_from) AppendFrom(out, select.from);
  AppendClause(out, "where", select.where);
  if (!select.group_by.empty()) AppendExprs(out, "group-by", select.group_by);
  AppendClause(out, "having", select.having);
  if (!select.order_by.empty()) AppendOrderBy(out, select.order_by);
  AppendClause(out, "limit", select.limit);
  AppendClause(out, "offset", select.offset);
  out += ')';
}

}  // namespace

std::string_view OpSymbol(Op op) {
  switch (op) {
    case Op::kNone: return "";
    case Op::kNeg: return "-";
    case Op::kPlus: return "+";
    case Op::kNot: return "NOT";
    case Op::kOr: return "OR";
    case Op::kAnd: return "AND";
    case Op::kEq: return "=";
    case Op::kNe: return "<>";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
    case Op::kConcat: return "||";
    case Op::kAdd: return "+";
    case Op::kSub: return "-";
    case Op::kMul: return "*";
    case Op::kDiv: return "/";
    case Op::kMod: return "%";
  }
  return "";
}

std::string DebugString(const Expr& expr) {
  std::string out;
  Append(out, expr);
  return out;
}

std::string DebugString(const Select& select) {
  std::string out;
  AppendSelect(out, select);
  return out;
}

std::string DebugString(const Statement& statement) {
  std::string out;
  if (statement.explain) out += statement.analyze ? "EXPLAIN ANALYZE " : "EXPLAIN ";
  if (!statement.with.empty()) {
    out += "(with";
    for (const CommonTable& table : statement.with) {
      out += " (";
      AppendName(out, table.name);
      out += ' ';
      AppendSelect(out, *table.select);
      out += ')';
    }
    out += ") ";
  }
  if (statement.select != nullptr) AppendSelect(out, *statement.select);
  return out;
}

}  // namespace strata::sql
