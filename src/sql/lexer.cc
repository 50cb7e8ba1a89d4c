#include "sql/lexer.h"

#include <cstdio>
#include <string>
#include <utility>

#include "sql/sql_error.h"

namespace strata::sql {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
// Bytes of multi-byte UTF-8 sequences count as letters, so non-ASCII names need no quotes.
bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string DescribeChar(char c) {
  if (c >= 0x21 && c <= 0x7e) return std::string("'") + c + "'";
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "byte 0x%02X", static_cast<unsigned char>(c));
  return buffer;
}

}  // namespace

Lexer::Lexer(std::string_view text) : text_(text) {}

SourcePos Lexer::PosAt(size_t offset) const {
  return SourcePos{static_cast<uint32_t>(offset), line_,
                   static_cast<uint32_t>(offset - line_start_ + 1)};
}

void Lexer::Advance(size_t count) {
  for (; count > 0 && offset_ < text_.size(); --count) {
    if (text_[offset_] == '\n') {
      ++line_;
      line_start_ = offset_ + 1;
    }
    ++offset_;
  }
}

bool Lexer::SkipSpace(Token& error) {
  while (offset_ < text_.size()) {
    const char c = text_[offset_];
    if (IsSpace(c)) {
      Advance(1);
    } else if (c == '-' && At(offset_ + 1) == '-') {
      while (offset_ < text_.size() && text_[offset_] != '\n') Advance(1);
    } else if (c == '/' && At(offset_ + 1) == '*') {
      const SourcePos start = PosAt(offset_);
      Advance(2);
      for (int depth = 1; depth > 0;) {
        if (offset_ >= text_.size()) {
          error = Error(start, "unterminated comment: '/*' without a matching '*/'");
          return false;
        }
        if (text_[offset_] == '/' && At(offset_ + 1) == '*') {
          ++depth;
          Advance(2);
        } else if (text_[offset_] == '*' && At(offset_ + 1) == '/') {
          --depth;
          Advance(2);
        } else {
          Advance(1);
        }
      }
    } else {
      break;
    }
  }
  return true;
}

Token Lexer::Make(TokenKind kind, std::string text) {
  Token token;
  token.kind = kind;
  token.text = std::move(text);
  token.pos = token_pos_;
  token.end_offset = static_cast<uint32_t>(offset_);
  return token;
}

Token Lexer::Error(const SourcePos& pos, std::string message) {
  done_ = true;
  Token token;
  token.kind = TokenKind::kError;
  token.text = std::move(message);
  token.pos = pos;
  token.end_offset = pos.offset;
  return token;
}

Token Lexer::Next() {
  if (!done_) {
    Token error;
    if (!SkipSpace(error)) return error;
  }
  token_pos_ = PosAt(offset_);
  if (done_ || offset_ >= text_.size()) {
    done_ = true;
    token_pos_ = PosAt(offset_);
    return Make(TokenKind::kEnd, "");
  }
  const char c = text_[offset_];
  if (IsIdentStart(c)) return LexWord();
  if (IsDigit(c) || (c == '.' && IsDigit(At(offset_ + 1)))) return LexNumber();
  if (c == '\'' || c == '"') return LexQuoted(c);
  if (c == '$' || (c == ':' && IsIdentStart(At(offset_ + 1)))) return LexParam();
  return LexOperator();
}

Token Lexer::LexWord() {
  const size_t start = offset_;
  size_t end = start;
  while (IsIdentChar(At(end))) ++end;
  Advance(end - start);
  const std::string_view word = text_.substr(start, end - start);
  Token token = Make(TokenKind::kIdentifier, std::string(word));
  token.keyword = LookupKeyword(word);
  if (token.keyword != Keyword::kNone) token.kind = TokenKind::kKeyword;
  return token;
}

Token Lexer::LexQuoted(char quote) {
  const bool is_string = quote == '\'';
  std::string value;
  Advance(1);
  for (;;) {
    if (offset_ >= text_.size()) {
      return Error(token_pos_, is_string ? "unterminated string: missing closing '"
                                         : "unterminated quoted identifier: missing closing \"");
    }
    const size_t chunk_end = text_.find(quote, offset_);
    const size_t stop = chunk_end == std::string_view::npos ? text_.size() : chunk_end;
    value.append(text_.substr(offset_, stop - offset_));
    Advance(stop - offset_);
    if (stop == text_.size()) continue;
    if (At(offset_ + 1) != quote) break;
    value.push_back(quote);  // A doubled quote stands for one.
    Advance(2);
  }
  Advance(1);
  if (is_string) return Make(TokenKind::kString, std::move(value));
  if (value.empty()) return Error(token_pos_, "zero-length quoted identifier");
  Token token = Make(TokenKind::kIdentifier, std::move(value));
  token.quoted = true;
  return token;
}

Token Lexer::LexNumber() {
  const size_t start = offset_;
  size_t end = start;
  bool is_float = false;
  while (IsDigit(At(end))) ++end;
  if (At(end) == '.') {
    is_float = true;
    ++end;
    while (IsDigit(At(end))) ++end;
  }
  if (At(end) == 'e' || At(end) == 'E') {
    size_t digits = end + 1;
    if (At(digits) == '+' || At(digits) == '-') ++digits;
    if (IsDigit(At(digits))) {
      is_float = true;
      end = digits;
      while (IsDigit(At(end))) ++end;
    }
  }
  if (IsIdentChar(At(end))) {
    while (IsIdentChar(At(end))) ++end;
    return Error(token_pos_,
                 "invalid number '" + std::string(text_.substr(start, end - start)) + "'");
  }
  Advance(end - start);
  return Make(is_float ? TokenKind::kFloat : TokenKind::kInteger,
              std::string(text_.substr(start, end - start)));
}

Token Lexer::LexParam() {
  const size_t name_start = offset_ + 1;
  size_t end = name_start;
  if (text_[offset_] == '$' && IsDigit(At(end))) {
    while (IsDigit(At(end))) ++end;
    if (IsIdentChar(At(end))) {
      while (IsIdentChar(At(end))) ++end;
      return Error(token_pos_, "invalid parameter '" +
                                   std::string(text_.substr(offset_, end - offset_)) +
                                   "': write $1 or $name");
    }
  } else if (IsIdentStart(At(end))) {
    // A name, with dotted parts for attributes such as $user.region.
    do {
      if (At(end) == '.') ++end;
      while (IsIdentChar(At(end))) ++end;
    } while (At(end) == '.' && IsIdentStart(At(end + 1)));
  } else {
    return Error(token_pos_, "expected a parameter number or name after '$'");
  }
  std::string name(text_.substr(name_start, end - name_start));
  Advance(end - offset_);
  return Make(TokenKind::kParam, std::move(name));
}

Token Lexer::LexTwoCharOperator(char second, TokenKind if_second, TokenKind otherwise) {
  const bool two = At(offset_ + 1) == second;
  const size_t length = two ? 2 : 1;
  std::string text(text_.substr(offset_, length));
  Advance(length);
  return Make(two ? if_second : otherwise, std::move(text));
}

Token Lexer::LexOperator() {
  const char c = text_[offset_];
  const char next = At(offset_ + 1);
  switch (c) {
    case '<':
      if (next == '>') return LexTwoCharOperator('>', TokenKind::kNe, TokenKind::kLt);
      return LexTwoCharOperator('=', TokenKind::kLe, TokenKind::kLt);
    case '>': return LexTwoCharOperator('=', TokenKind::kGe, TokenKind::kGt);
    case '!':
      if (next == '=') return LexTwoCharOperator('=', TokenKind::kNe, TokenKind::kNe);
      break;
    case '|':
      if (next == '|') return LexTwoCharOperator('|', TokenKind::kConcat, TokenKind::kConcat);
      break;
    case ':':
      if (next == ':') {
        return LexTwoCharOperator(':', TokenKind::kDoubleColon, TokenKind::kDoubleColon);
      }
      break;
    case '-':
      if (next == '>' && At(offset_ + 2) == '>') {
        Advance(3);
        return Make(TokenKind::kArrowText, "->>");
      }
      return LexTwoCharOperator('>', TokenKind::kArrow, TokenKind::kMinus);
    default: break;
  }
  TokenKind kind;
  switch (c) {
    case '=': kind = TokenKind::kEq; break;
    case '+': kind = TokenKind::kPlus; break;
    case '*': kind = TokenKind::kStar; break;
    case '/': kind = TokenKind::kSlash; break;
    case '%': kind = TokenKind::kPercent; break;
    case '(': kind = TokenKind::kLParen; break;
    case ')': kind = TokenKind::kRParen; break;
    case ',': kind = TokenKind::kComma; break;
    case '.': kind = TokenKind::kDot; break;
    case ';': kind = TokenKind::kSemicolon; break;
    default: return Error(token_pos_, "unexpected character " + DescribeChar(c));
  }
  Advance(1);
  return Make(kind, std::string(1, c));
}

Result<std::vector<Token>> Tokenize(std::string_view text) {
  Lexer lexer(text);
  std::vector<Token> tokens;
  for (;;) {
    Token token = lexer.Next();
    if (token.kind == TokenKind::kError) return SyntaxError(token.pos, token.text);
    const bool end = token.kind == TokenKind::kEnd;
    tokens.push_back(std::move(token));
    if (end) return tokens;
  }
}

}  // namespace strata::sql
