// Errors that point into the statement text.
// Thread safety: thread-safe.
#pragma once

#include <string_view>

#include "common/status.h"
#include "sql/ast.h"

namespace strata::sql {

// InvalidArgument("line L, column C: <message>") with `problem_code` ("sql_syntax" from the
// parser, "sql_semantic" from the binder).
Status SqlError(std::string_view problem_code, const SourcePos& pos, std::string_view message);

inline Status SyntaxError(const SourcePos& pos, std::string_view message) {
  return SqlError("sql_syntax", pos, message);
}

inline Status SemanticError(const SourcePos& pos, std::string_view message) {
  return SqlError("sql_semantic", pos, message);
}

}  // namespace strata::sql
