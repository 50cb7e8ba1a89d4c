#include "sql/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "test_util.h"

namespace strata::sql {
namespace {

// "kind:text" for every token but the final kEnd, space-separated.
std::string Kinds(std::string_view sql) {
  Result<std::vector<Token>> tokens = Tokenize(sql);
  if (!tokens.ok()) return "ERROR " + std::string(tokens.status().message());
  std::string out;
  for (const Token& token : *tokens) {
    if (token.kind == TokenKind::kEnd) break;
    if (!out.empty()) out += ' ';
    switch (token.kind) {
      case TokenKind::kIdentifier: out += token.quoted ? "qid:" : "id:"; break;
      case TokenKind::kKeyword: out += "kw:"; break;
      case TokenKind::kInteger: out += "int:"; break;
      case TokenKind::kFloat: out += "float:"; break;
      case TokenKind::kString: out += "str:"; break;
      case TokenKind::kParam: out += "param:"; break;
      default: out += "op:"; break;
    }
    out += token.text;
  }
  return out;
}

std::string LexError(std::string_view sql) {
  Result<std::vector<Token>> tokens = Tokenize(sql);
  if (tokens.ok()) return "OK";
  EXPECT_EQ(tokens.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tokens.status().problem_code(), "sql_syntax");
  return std::string(tokens.status().message());
}

TEST(LexerTest, SplitsAStatement) {
  EXPECT_EQ(Kinds("SELECT a, \"B c\" FROM t WHERE x >= 1.5 AND y <> 'it''s';"),
            "kw:SELECT id:a op:, qid:B c kw:FROM id:t kw:WHERE id:x op:>= float:1.5 kw:AND "
            "id:y op:<> str:it's op:;");
}

TEST(LexerTest, KeywordsAreCaseInsensitiveAndKeepTheirSpelling) {
  ASSERT_OK_AND_ASSIGN(std::vector<Token> tokens, Tokenize("select SeLeCt FIRST last"));
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[0].keyword, Keyword::kSelect);
  EXPECT_EQ(tokens[0].text, "select");
  EXPECT_EQ(tokens[1].keyword, Keyword::kSelect);
  EXPECT_EQ(tokens[1].text, "SeLeCt");
  EXPECT_EQ(tokens[2].keyword, Keyword::kFirst);
  EXPECT_EQ(tokens[3].keyword, Keyword::kLast);
  EXPECT_TRUE(IsReserved(Keyword::kSelect));
  EXPECT_FALSE(IsReserved(Keyword::kFirst));
  EXPECT_FALSE(IsReserved(Keyword::kOn));
  EXPECT_EQ(LookupKeyword("Ilike"), Keyword::kIlike);
  EXPECT_EQ(LookupKeyword("selects"), Keyword::kNone);
  EXPECT_EQ(KeywordName(Keyword::kAnalyze), "ANALYZE");
}

TEST(LexerTest, IdentifiersKeepCaseAndQuotedOnesUnescape) {
  EXPECT_EQ(Kinds("CpuUsage _x1 \"select\" \"a\"\"b\" \"Mixed Case\""),
            "id:CpuUsage id:_x1 qid:select qid:a\"b qid:Mixed Case");
  EXPECT_EQ(Kinds("température"), "id:température");
}

TEST(LexerTest, Numbers) {
  EXPECT_EQ(Kinds("42 1.5 .5 1e3 2.5E-3 1. 7e+2 9223372036854775808"),
            "int:42 float:1.5 float:.5 float:1e3 float:2.5E-3 float:1. float:7e+2 "
            "int:9223372036854775808");
}

TEST(LexerTest, StringsKeepNewlinesAndDoubledQuotes) {
  EXPECT_EQ(Kinds("'' 'a''b' 'two\nlines'"), "str: str:a'b str:two\nlines");
}

TEST(LexerTest, ParametersAndCasts) {
  EXPECT_EQ(Kinds("$1 $12 $name :name $user.region x::int y :: text"),
            "param:1 param:12 param:name param:name param:user.region id:x op::: id:int id:y "
            "op::: id:text");
}

TEST(LexerTest, Operators) {
  EXPECT_EQ(Kinds("= <> != < <= > >= + - * / % || -> ->> :: ( ) , . ;"),
            "op:= op:<> op:!= op:< op:<= op:> op:>= op:+ op:- op:* op:/ op:% op:|| op:-> op:->> "
            "op::: op:( op:) op:, op:. op:;");
  EXPECT_EQ(Kinds("a->>'k'->'j'"), "id:a op:->> str:k op:-> str:j");
  EXPECT_EQ(Kinds("1-2"), "int:1 op:- int:2");
}

TEST(LexerTest, CommentsSeparateTokens) {
  EXPECT_EQ(Kinds("SELECT -- the list\n a/* x */,/* nested /* inner */ still */b -- end"),
            "kw:SELECT id:a op:, id:b");
  EXPECT_EQ(Kinds("--only a comment"), "");
}

TEST(LexerTest, PositionsCountLinesAndBytes) {
  ASSERT_OK_AND_ASSIGN(std::vector<Token> tokens, Tokenize("SELECT\n  a,\n /* c\n */ 'x\ny' b"));
  ASSERT_EQ(tokens.size(), 6u);
  EXPECT_EQ(tokens[1].text, "a");
  EXPECT_EQ(tokens[1].pos.line, 2u);
  EXPECT_EQ(tokens[1].pos.column, 3u);
  EXPECT_EQ(tokens[1].pos.offset, 9u);
  EXPECT_EQ(tokens[1].end_offset, 10u);
  EXPECT_EQ(tokens[3].kind, TokenKind::kString);
  EXPECT_EQ(tokens[3].pos.line, 4u);
  EXPECT_EQ(tokens[3].pos.column, 5u);
  EXPECT_EQ(tokens[4].text, "b");
  EXPECT_EQ(tokens[4].pos.line, 5u);
  EXPECT_EQ(tokens[4].pos.column, 4u);
  EXPECT_EQ(tokens[5].kind, TokenKind::kEnd);
  EXPECT_EQ(tokens[5].pos.offset, 29u);  // The size of the text.
}

TEST(LexerTest, EndRepeatsAfterTheLastToken) {
  Lexer lexer("x");
  EXPECT_EQ(lexer.Next().kind, TokenKind::kIdentifier);
  EXPECT_EQ(lexer.Next().kind, TokenKind::kEnd);
  EXPECT_EQ(lexer.Next().kind, TokenKind::kEnd);
}

TEST(LexerTest, ErrorsPointAtTheStartOfTheBadToken) {
  EXPECT_EQ(LexError("SELECT 'abc"), "line 1, column 8: unterminated string: missing closing '");
  EXPECT_EQ(LexError("SELECT\n  \"abc"),
            "line 2, column 3: unterminated quoted identifier: missing closing \"");
  EXPECT_EQ(LexError("SELECT 1 /* a /* b */"),
            "line 1, column 10: unterminated comment: '/*' without a matching '*/'");
  EXPECT_EQ(LexError("SELECT \"\""), "line 1, column 8: zero-length quoted identifier");
  EXPECT_EQ(LexError("SELECT a ? b"), "line 1, column 10: unexpected character '?'");
  EXPECT_EQ(LexError("SELECT a ! b"), "line 1, column 10: unexpected character '!'");
  EXPECT_EQ(LexError("SELECT a | b"), "line 1, column 10: unexpected character '|'");
  EXPECT_EQ(LexError("SELECT a : b"), "line 1, column 10: unexpected character ':'");
  EXPECT_EQ(LexError(std::string_view("a \x01", 3)),
            "line 1, column 3: unexpected character byte 0x01");
  EXPECT_EQ(LexError("SELECT 12abc"), "line 1, column 8: invalid number '12abc'");
  EXPECT_EQ(LexError("SELECT 1e"), "line 1, column 8: invalid number '1e'");
  EXPECT_EQ(LexError("SELECT $"),
            "line 1, column 8: expected a parameter number or name after '$'");
  EXPECT_EQ(LexError("SELECT $1a"), "line 1, column 8: invalid parameter '$1a': write $1 or $name");
}

TEST(LexerTest, NothingAfterAnError) {
  Lexer lexer("'open");
  EXPECT_EQ(lexer.Next().kind, TokenKind::kError);
  EXPECT_EQ(lexer.Next().kind, TokenKind::kEnd);
}

}  // namespace
}  // namespace strata::sql
