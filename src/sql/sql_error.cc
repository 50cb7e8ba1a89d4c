#include "sql/sql_error.h"

#include <string>

namespace strata::sql {

Status SqlError(std::string_view problem_code, const SourcePos& pos, std::string_view message) {
  std::string text =
      "line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column) + ": ";
  text += message;
  return Status::InvalidArgument(text).WithProblemCode(problem_code);
}

}  // namespace strata::sql
