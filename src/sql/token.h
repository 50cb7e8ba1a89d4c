// Tokens of Strata's SQL dialect (DESIGN.md "Query language"), as the lexer (lexer.h) produces
// them for the parser (parser.h).
// Thread safety: plain values; the keyword functions are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sql/ast.h"

namespace strata::sql {

enum class TokenKind : uint8_t {
  kEnd,          // End of input; the lexer returns it forever once reached.
  kError,        // A lexical error; text is the message, pos where the bad token starts.
  kIdentifier,   // text: the name as written, or unescaped when quoted.
  kKeyword,      // keyword says which; text is the word as written.
  kInteger,      // text: the digits (the parser converts them, so "-9223372036854775808" folds).
  kFloat,        // text: the number as written ("1.5", ".5", "2.5E-3").
  kString,       // text: the unescaped contents.
  kParam,        // text: the name, "1" for $1, "from" for $from and :from.
  kEq,           // =
  kNe,           // <> or !=
  kLt,           // <
  kLe,           // <=
  kGt,           // >
  kGe,           // >=
  kPlus,         // +
  kMinus,        // -
  kStar,         // *
  kSlash,        // /
  kPercent,      // %
  kConcat,       // ||
  kArrow,        // ->
  kArrowText,    // ->>
  kDoubleColon,  // ::
  kLParen,
  kRParen,
  kComma,
  kDot,
  kSemicolon,
};

enum class Keyword : uint8_t {
  kNone,
  kSelect,
  kDistinct,
  kOn,
  kFrom,
  kWhere,
  kGroup,
  kBy,
  kHaving,
  kOrder,
  kAsc,
  kDesc,
  kNulls,
  kFirst,
  kLast,
  kLimit,
  kOffset,
  kAs,
  kAnd,
  kOr,
  kNot,
  kIn,
  kBetween,
  kLike,
  kIlike,
  kIs,
  kNull,
  kTrue,
  kFalse,
  kCase,
  kWhen,
  kThen,
  kElse,
  kEnd,
  kCast,
  kInterval,
  kWith,
  kExplain,
  kAnalyze,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  Keyword keyword = Keyword::kNone;  // Set iff kind == kKeyword.
  bool quoted = false;               // kIdentifier written as "name".
  std::string text;                  // See TokenKind.
  SourcePos pos;                     // Where the token starts.
  uint32_t end_offset = 0;           // One past its last byte.
};

// The keyword spelled `word` in any case, else kNone.
Keyword LookupKeyword(std::string_view word);
// The upper-case spelling ("SELECT"). REQUIRES: keyword != kNone.
std::string_view KeywordName(Keyword keyword);
// A reserved keyword cannot be a column, table, function or alias name unless quoted. The
// others (ON, BY, NULLS, FIRST, LAST, INTERVAL, EXPLAIN, ANALYZE) only act as keywords where
// the grammar expects them, so `first(x)` and a column named `last` work.
bool IsReserved(Keyword keyword);

}  // namespace strata::sql
