// The SQL lexer: splits a statement into tokens (token.h) with their positions.
// Thread safety: a Lexer is used by one thread at a time; Tokenize is thread-safe.
// Invariants: tokens come in text order; whitespace and comments (`-- ...` to end of line,
// `/* ... */`, which nest) separate tokens and produce none. After a kError token every call
// returns kEnd.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sql/token.h"

namespace strata::sql {

class Lexer {
 public:
  // `text` must outlive the lexer. REQUIRES: text.size() < 2^32.
  explicit Lexer(std::string_view text);

  // The next token. Unterminated strings, quoted identifiers and comments are kError tokens
  // at their start; so are malformed numbers ("12abc") and stray characters. Numbers are not
  // range-checked here: the parser converts them.
  Token Next();

 private:
  char At(size_t offset) const { return offset < text_.size() ? text_[offset] : '\0'; }
  // REQUIRES: `offset` is on the current line.
  SourcePos PosAt(size_t offset) const;
  void Advance(size_t count);  // Moves past `count` bytes, counting lines.
  // Skips whitespace and comments; false (with `error` set) on an unterminated comment.
  bool SkipSpace(Token& error);

  // A token from token_pos_ to the current offset.
  Token Make(TokenKind kind, std::string text);
  Token Error(const SourcePos& pos, std::string message);
  // Each starts at the current offset, which is token_pos_.
  Token LexWord();
  Token LexQuoted(char quote);
  Token LexNumber();
  Token LexParam();
  Token LexOperator();
  Token LexTwoCharOperator(char second, TokenKind if_second, TokenKind otherwise);

  std::string_view text_;
  size_t offset_ = 0;
  uint32_t line_ = 1;
  size_t line_start_ = 0;  // Offset of the first byte of line_.
  SourcePos token_pos_;    // Start of the token being lexed.
  bool done_ = false;      // Set after kEnd or kError.
};

// Every token up to and including kEnd, or the first lexical error as a sql_syntax Status.
Result<std::vector<Token>> Tokenize(std::string_view text);

}  // namespace strata::sql
