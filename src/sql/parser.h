// The SQL parser: statement text to the syntax tree of ast.h (DESIGN.md "Query language").
// Grammar:
//   statement := [EXPLAIN [ANALYZE]] [WITH name AS (select) [, ...]] select [;]
//   select    := SELECT [DISTINCT | DISTINCT ON (expr, ...)] item [, ...]
//                [FROM name [[AS] alias] | FROM (select) [[AS] alias]] [WHERE expr]
//                [GROUP BY expr, ...] [HAVING expr]
//                [ORDER BY expr [ASC|DESC] [NULLS FIRST|LAST], ...]
//                [LIMIT int|param] [OFFSET int|param]      (LIMIT and OFFSET in either order)
//   item      := * | name.* | expr [[AS] alias]
// Expression precedence, lowest first: OR; AND; NOT; comparisons and predicates (= <> != < <=
// > >=, IS [NOT] NULL, [NOT] IN (...), [NOT] BETWEEN a AND b, [NOT] LIKE|ILIKE; these do not
// chain); ||; + -; * / %; unary - +; postfix ::type; -> ->>. A minus before a number literal
// folds into it, so -9223372036854775808 is an int64 literal.
// Errors are sql_syntax InvalidArgument statuses (sql_error.h) that say what was expected and
// what was found, at the found token. Nesting deeper than kMaxNestingDepth is an error too, so
// no input overflows the stack here or in later recursive passes over the tree.
// Thread safety: thread-safe.
#pragma once

#include <string_view>

#include "common/result.h"
#include "sql/ast.h"
#include "sql/sql_error.h"

namespace strata::sql {

// The deepest allowed nesting of expressions (tree height, parentheses, function arguments)
// and of subqueries.
inline constexpr int kMaxNestingDepth = 256;

// One statement with an optional trailing ';' and nothing after it.
Result<Statement> ParseStatement(std::string_view sql);

// A standalone expression, such as a `filter=` query parameter; nothing may follow it.
Result<ExprPtr> ParseExpression(std::string_view text);

}  // namespace strata::sql
