// The syntax tree of one SQL statement (DESIGN.md "Query language"), as the parser produces
// it: names are unresolved and nothing is typed. The binder (binder.h) resolves and types it.
// Thread safety: plain values.
// Invariants: every node records where it starts in the statement text (1-based line and
// column, 0-based byte offset) and where it ends (byte offset one past its last character),
// so errors can point at it and unnamed select items take their text as column name.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "types/data_type.h"

namespace strata::sql {

struct SourcePos {
  uint32_t offset = 0;  // Byte offset in the statement.
  uint32_t line = 1;
  uint32_t column = 1;  // 1-based, in bytes.
};

enum class ExprKind {
  kLiteral,     // value + literal_kind.
  kParam,       // name: "1" for $1, "from" for $from or :from.
  kColumn,      // name; qualifier for "t.name" (else empty).
  kStar,        // "*" in a select list or count(*); qualifier for "t.*".
  kUnary,       // op (kNeg, kNot, kPlus); children[0].
  kBinary,      // op; children[0] op children[1].
  kFunction,    // name (lower-cased); children are the arguments; distinct for f(DISTINCT x).
  kCase,        // [operand] (WHEN w THEN t)+ [ELSE e]; see has_operand / has_else.
  kCast,        // CAST(children[0] AS type_name) or children[0]::type_name.
  kIn,          // children[0] [NOT] IN (children[1..]).
  kBetween,     // children[0] [NOT] BETWEEN children[1] AND children[2].
  kLike,        // children[0] [NOT] LIKE|ILIKE children[1].
  kIsNull,      // children[0] IS [NOT] NULL.
  kJsonAccess,  // children[0] -> children[1] (json) or ->> (text, json_text = true).
};

enum class LiteralKind { kNull, kBool, kInt, kFloat, kString, kInterval };

enum class Op {
  kNone,
  // Unary.
  kNeg,
  kPlus,
  kNot,
  // Binary, by precedence group (lowest first).
  kOr,
  kAnd,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kConcat,  // ||
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
};

std::string_view OpSymbol(Op op);

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  SourcePos pos;
  uint32_t end_offset = 0;

  // kLiteral. Intervals hold int64 microseconds ("INTERVAL '5 minutes'"); strings hold their
  // unescaped text; kNull holds monostate.
  LiteralKind literal_kind = LiteralKind::kNull;
  types::Value value;

  std::string name;       // kParam, kColumn, kFunction (lower-cased).
  std::string qualifier;  // kColumn, kStar: "t" of "t.x"; else empty.
  std::string type_name;  // kCast: the type as written, lower-cased ("float64", "int").
  Op op = Op::kNone;      // kUnary, kBinary.

  bool negated = false;           // NOT IN, NOT BETWEEN, NOT LIKE, IS NOT NULL.
  bool distinct = false;          // kFunction: f(DISTINCT ...).
  bool case_insensitive = false;  // kLike: ILIKE.
  bool json_text = false;         // kJsonAccess: ->> rather than ->.
  bool has_operand = false;       // kCase: children[0] is the operand.
  bool has_else = false;          // kCase: children.back() is the ELSE result.

  std::vector<std::unique_ptr<Expr>> children;
};

using ExprPtr = std::unique_ptr<Expr>;

// A canonical S-expression of `expr` for tests and EXPLAIN: `(+ a (* b 2))`, `(count *)`,
// `(count DISTINCT x)`, `(:: x int)`, `(IS NOT NULL x)`, `(NOT IN x 1 2)`, `(-> j 'k')`,
// `(CASE x (WHEN 1 'a') (ELSE 'b'))`, `(interval 300000000)`, `$1`, `t.x`, `'it''s'`, `1.5`.
// Names that are not plain identifiers are double-quoted.
std::string DebugString(const Expr& expr);

struct SelectItem {
  ExprPtr expr;       // kStar for "*" / "t.*".
  std::string alias;  // Empty when none was given.
};

enum class NullsOrder { kDefault, kFirst, kLast };

struct OrderItem {
  ExprPtr expr;  // An expression, an output alias, or an integer literal (1-based position).
  bool descending = false;
  NullsOrder nulls = NullsOrder::kDefault;
};

struct Select;

// FROM: a dataset by name, or a subquery (or a name of a WITH table, which the binder
// resolves before datasets).
struct FromItem {
  std::string name;  // Dataset or WITH name; empty for a subquery.
  SourcePos pos;
  std::unique_ptr<Select> subquery;
  std::string alias;  // "FROM cpu AS c", "FROM (...) t"; empty when none.
};

struct Select {
  SourcePos pos;
  bool distinct = false;
  std::vector<ExprPtr> distinct_on;  // DISTINCT ON (e, ...); distinct is false then.
  std::vector<SelectItem> items;
  bool has_from = false;
  FromItem from;
  ExprPtr where;
  std::vector<ExprPtr> group_by;  // Expressions, output aliases or 1-based positions.
  ExprPtr having;
  std::vector<OrderItem> order_by;
  ExprPtr limit;   // An integer literal or a parameter; null when absent.
  ExprPtr offset;  // Likewise.
};

struct CommonTable {
  std::string name;
  SourcePos pos;
  std::unique_ptr<Select> select;
};

struct Statement {
  bool explain = false;
  bool analyze = false;  // EXPLAIN ANALYZE: run the query and report what it did.
  std::vector<CommonTable> with;
  std::unique_ptr<Select> select;
};

// S-expressions of a query, clause by clause, e.g.
// `(select (items (AS (max x) m)) (from cpu c) (where (> x 1)) (order-by (m DESC)) (limit 5))`
// and `EXPLAIN ANALYZE (with (t (select ...))) (select ...)`.
std::string DebugString(const Select& select);
std::string DebugString(const Statement& statement);

}  // namespace strata::sql
