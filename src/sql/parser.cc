#include "sql/parser.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "sql/interval.h"
#include "sql/lexer.h"
#include "sql/token.h"

namespace strata::sql {
namespace {

// Binding powers of operators: higher binds tighter. An operator at power p takes its right
// operand at p + 1 (left-associative); prefix operators take theirs at their own power.
constexpr int kLowest = 0;
constexpr int kOrPower = 10;
constexpr int kAndPower = 20;
constexpr int kNotPower = 30;
constexpr int kComparePower = 40;  // Comparisons and predicates; they do not chain.
constexpr int kConcatPower = 50;
constexpr int kAddPower = 60;
constexpr int kMulPower = 70;
constexpr int kUnaryPower = 80;
constexpr int kCastPower = 90;
constexpr int kJsonPower = 100;
constexpr int kNoPower = -1;  // Not an infix or postfix operator.

constexpr size_t kMaxQuotedBytes = 40;  // Of a found token in an error message.

const std::vector<std::string_view>& ClauseKeywords() {
  static const std::vector<std::string_view> kClauses = {"FROM",  "WHERE", "GROUP", "HAVING",
                                                         "ORDER", "LIMIT", "OFFSET"};
  return kClauses;
}

bool IsClauseKeyword(Keyword keyword) {
  switch (keyword) {
    case Keyword::kFrom:
    case Keyword::kWhere:
    case Keyword::kGroup:
    case Keyword::kHaving:
    case Keyword::kOrder:
    case Keyword::kLimit:
    case Keyword::kOffset: return true;
    default: return false;
  }
}

// `text` cut to kMaxQuotedBytes at a UTF-8 character boundary, with "..." when cut.
std::string Abbreviate(std::string_view text) {
  if (text.size() <= kMaxQuotedBytes) return std::string(text);
  size_t cut = kMaxQuotedBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

// The keyword `word` is likely a misspelling of, if any (a swap of two adjacent letters,
// "FORM", counts as one edit).
std::optional<std::string> SuggestKeyword(std::string_view word,
                                          const std::vector<std::string_view>& keywords) {
  return SuggestName(word, keywords);
}

Op BinaryOp(TokenKind kind, Keyword keyword) {
  switch (kind) {
    case TokenKind::kEq: return Op::kEq;
    case TokenKind::kNe: return Op::kNe;
    case TokenKind::kLt: return Op::kLt;
    case TokenKind::kLe: return Op::kLe;
    case TokenKind::kGt: return Op::kGt;
    case TokenKind::kGe: return Op::kGe;
    case TokenKind::kConcat: return Op::kConcat;
    case TokenKind::kPlus: return Op::kAdd;
    case TokenKind::kMinus: return Op::kSub;
    case TokenKind::kStar: return Op::kMul;
    case TokenKind::kSlash: return Op::kDiv;
    case TokenKind::kPercent: return Op::kMod;
    case TokenKind::kKeyword:
      if (keyword == Keyword::kAnd) return Op::kAnd;
      if (keyword == Keyword::kOr) return Op::kOr;
      return Op::kNone;
    default: return Op::kNone;
  }
}

ExprPtr NewExpr(ExprKind kind, const SourcePos& pos) {
  auto expr = std::make_unique<Expr>();
  expr->kind = kind;
  expr->pos = pos;
  return expr;
}

class Parser {
 public:
  explicit Parser(std::string_view text);

  Result<Statement> ParseWholeStatement();
  Result<ExprPtr> ParseWholeExpression();

 private:
  // Tokens. Peek past the end returns the last token (kEnd, or kError).
  const Token& Peek(size_t ahead = 0) const;
  bool At(TokenKind kind, size_t ahead = 0) const { return Peek(ahead).kind == kind; }
  bool AtKeyword(Keyword keyword, size_t ahead = 0) const;
  // An identifier, or a keyword that is not reserved.
  bool AtName(size_t ahead = 0) const;
  bool AtPostfixOperator(size_t ahead) const;
  const Token& Take();
  bool Accept(TokenKind kind);
  bool AcceptKeyword(Keyword keyword);
  Status Expect(TokenKind kind, std::string_view expected);
  Status ExpectKeyword(Keyword keyword);

  // Errors, all about the next token unless a position is given.
  Status ErrorAt(const SourcePos& pos, std::string_view message) const;
  std::string Describe(const Token& token) const;
  Status Unexpected(std::string_view expected, std::string_view hint = "") const;
  // Adds the quoting hint when the next token is a reserved word that looks like a name;
  // `certain` when only a name can come here.
  Status UnexpectedName(std::string_view expected, bool certain = false) const;
  Status UnexpectedKeyword(std::string_view expected,
                           const std::vector<std::string_view>& keywords) const;
  Status UnexpectedEnd() const;
  bool NextCanStartOperand() const;

  // Nesting: Enter before recursing (paired with Leave when Enter succeeded); Finish every node
  // with children, which sets its end and checks the height of the tree.
  Status Enter();
  void Leave() { --depth_; }
  Result<ExprPtr> Finish(ExprPtr expr);
  int Height(const Expr& expr) const;

  // Statements.
  Status ParseWith(Statement& statement);
  Result<std::unique_ptr<Select>> ParseSelect();
  Result<std::unique_ptr<Select>> ParseSelectBody();
  Status ParseDistinct(Select& select);
  Result<SelectItem> ParseSelectItem();
  Status ParseFrom(Select& select);
  Result<std::string> ParseOptionalAlias();
  Status CheckMisspelledClause(const Token& alias) const;
  Status ParseOrderBy(Select& select);
  Status ParseLimitAndOffset(Select& select);
  Result<ExprPtr> ParseLimitValue(std::string_view clause);
  Result<std::vector<ExprPtr>> ParseExprList();

  // Expressions.
  Result<ExprPtr> ParseExpr(int min_power = kLowest);
  Result<ExprPtr> ParseExprBody(int min_power);
  int InfixPower() const;
  Result<ExprPtr> ParseInfix(ExprPtr left, int power);
  Result<ExprPtr> ParseBinary(ExprPtr left, int power);
  Result<ExprPtr> ParseIsNull(ExprPtr left);
  Result<ExprPtr> ParseIn(ExprPtr left, bool negated);
  Result<ExprPtr> ParseBetween(ExprPtr left, bool negated);
  Result<ExprPtr> ParseLike(ExprPtr left, bool negated);
  Result<ExprPtr> ParsePostfixCast(ExprPtr left);
  Result<ExprPtr> ParseJsonAccess(ExprPtr left);
  Result<ExprPtr> ParsePrefix();
  Result<ExprPtr> ParseKeywordPrefix();
  Result<ExprPtr> ParseNot();
  Result<ExprPtr> ParseSign();
  Result<ExprPtr> ParseNumber(const Token& number, const SourcePos& pos, bool negative);
  Result<ExprPtr> ParseStringLiteral();
  Result<ExprPtr> ParseParam();
  Result<ExprPtr> ParseKeywordLiteral();
  Result<ExprPtr> ParseInterval();
  Result<ExprPtr> ParseParenthesized();
  Result<ExprPtr> ParseName();
  Result<ExprPtr> ParseFunction(const Token& name);
  Status ParseArguments(Expr& function);
  Result<ExprPtr> ParseExtract(const Token& name);
  Result<ExprPtr> ParseCase();
  Result<ExprPtr> ParseCast();
  Result<std::string> ParseTypeName();

  std::string_view text_;
  std::vector<Token> tokens_;                     // Ends with kEnd or kError.
  size_t next_ = 0;                               // Index of the next token.
  SourcePos last_pos_;                            // Start of the last token taken.
  uint32_t last_end_ = 0;                         // End of the last token taken.
  int depth_ = 0;                                 // Open ParseExpr and ParseSelect calls.
  std::unordered_map<const Expr*, int> heights_;  // Nodes of height > 1.
};

Parser::Parser(std::string_view text) : text_(text) {
  Lexer lexer(text);
  for (;;) {
    tokens_.push_back(lexer.Next());
    const TokenKind kind = tokens_.back().kind;
    if (kind == TokenKind::kEnd || kind == TokenKind::kError) break;
  }
}

// ---- Tokens ----

const Token& Parser::Peek(size_t ahead) const {
  const size_t index = next_ + ahead;
  return index < tokens_.size() ? tokens_[index] : tokens_.back();
}

bool Parser::AtKeyword(Keyword keyword, size_t ahead) const {
  const Token& token = Peek(ahead);
  return token.kind == TokenKind::kKeyword && token.keyword == keyword;
}

bool Parser::AtName(size_t ahead) const {
  const Token& token = Peek(ahead);
  return token.kind == TokenKind::kIdentifier ||
         (token.kind == TokenKind::kKeyword && !IsReserved(token.keyword));
}

bool Parser::AtPostfixOperator(size_t ahead) const {
  const TokenKind kind = Peek(ahead).kind;
  return kind == TokenKind::kDoubleColon || kind == TokenKind::kArrow ||
         kind == TokenKind::kArrowText;
}

const Token& Parser::Take() {
  const Token& token = Peek();
  if (next_ < tokens_.size() - 1) ++next_;
  last_pos_ = token.pos;
  last_end_ = token.end_offset;
  return token;
}

bool Parser::Accept(TokenKind kind) {
  if (!At(kind)) return false;
  Take();
  return true;
}

bool Parser::AcceptKeyword(Keyword keyword) {
  if (!AtKeyword(keyword)) return false;
  Take();
  return true;
}

Status Parser::Expect(TokenKind kind, std::string_view expected) {
  if (Accept(kind)) return Status();
  return Unexpected(expected);
}

Status Parser::ExpectKeyword(Keyword keyword) {
  if (AcceptKeyword(keyword)) return Status();
  return UnexpectedKeyword(KeywordName(keyword), {KeywordName(keyword)});
}

// ---- Errors ----

Status Parser::ErrorAt(const SourcePos& pos, std::string_view message) const {
  return SyntaxError(pos, message);
}

std::string Parser::Describe(const Token& token) const {
  if (token.kind == TokenKind::kEnd) return "end of input";
  const std::string raw =
      Abbreviate(text_.substr(token.pos.offset, token.end_offset - token.pos.offset));
  if (token.kind == TokenKind::kString) return "string " + raw;
  return "'" + raw + "'";
}

Status Parser::Unexpected(std::string_view expected, std::string_view hint) const {
  const Token& found = Peek();
  if (found.kind == TokenKind::kError) return ErrorAt(found.pos, found.text);
  std::string message = "expected " + std::string(expected) + ", found " + Describe(found);
  message += hint;
  return ErrorAt(found.pos, message);
}

// True when the token after the next one could begin an operand. Then a reserved word as the
// next token is more likely a clause keyword where it does not belong ("SELECT FROM cpu") than
// a column name ("SELECT from FROM cpu"), and gets no quoting hint.
bool Parser::NextCanStartOperand() const {
  switch (Peek(1).kind) {
    case TokenKind::kIdentifier:
    case TokenKind::kInteger:
    case TokenKind::kFloat:
    case TokenKind::kString:
    case TokenKind::kParam:
    case TokenKind::kLParen: return true;
    case TokenKind::kKeyword: return !IsReserved(Peek(1).keyword);
    default: return false;
  }
}

Status Parser::UnexpectedName(std::string_view expected, bool certain) const {
  const Token& found = Peek();
  if (found.kind != TokenKind::kKeyword || !IsReserved(found.keyword) ||
      (!certain && NextCanStartOperand())) {
    return Unexpected(expected);
  }
  return Unexpected(
      expected, "; '" + found.text + "' is a reserved word; quote it as \"" + found.text + "\"");
}

Status Parser::UnexpectedKeyword(std::string_view expected,
                                 const std::vector<std::string_view>& keywords) const {
  const Token& found = Peek();
  if (found.kind != TokenKind::kIdentifier || found.quoted) return Unexpected(expected);
  const std::optional<std::string> suggestion = SuggestKeyword(found.text, keywords);
  return Unexpected(expected, suggestion ? "; did you mean " + *suggestion + "?" : "");
}

Status Parser::UnexpectedEnd() const {
  const Token& found = Peek();
  if (found.kind == TokenKind::kKeyword && IsClauseKeyword(found.keyword)) {
    return Unexpected("end of statement",
                      "; clauses go in the order FROM, WHERE, GROUP BY, HAVING, ORDER BY, "
                      "LIMIT, OFFSET, each at most once");
  }
  return UnexpectedKeyword("end of statement", ClauseKeywords());
}

// ---- Nesting ----

Status Parser::Enter() {
  if (depth_ >= kMaxNestingDepth) {
    return ErrorAt(Peek().pos, "expression nested too deeply (more than " +
                                   std::to_string(kMaxNestingDepth) + " levels)");
  }
  ++depth_;
  return Status();
}

int Parser::Height(const Expr& expr) const {
  const auto found = heights_.find(&expr);
  return found == heights_.end() ? 1 : found->second;
}

Result<ExprPtr> Parser::Finish(ExprPtr expr) {
  expr->end_offset = last_end_;
  int height = 1;
  for (const ExprPtr& child : expr->children) height = std::max(height, Height(*child) + 1);
  if (height > kMaxNestingDepth) {
    return ErrorAt(last_pos_, "expression nested too deeply (more than " +
                                  std::to_string(kMaxNestingDepth) + " levels)");
  }
  if (height > 1) heights_[expr.get()] = height;
  return expr;
}

// ---- Statements ----

Result<Statement> Parser::ParseWholeStatement() {
  if (At(TokenKind::kEnd) || (At(TokenKind::kSemicolon) && At(TokenKind::kEnd, 1))) {
    return ErrorAt(Peek().pos, "empty statement");
  }
  Statement statement;
  if (AcceptKeyword(Keyword::kExplain)) {
    statement.explain = true;
    statement.analyze = AcceptKeyword(Keyword::kAnalyze);
  }
  if (AtKeyword(Keyword::kWith)) STRATA_RETURN_IF_ERROR(ParseWith(statement));
  if (!AtKeyword(Keyword::kSelect)) {
    if (statement.explain || !statement.with.empty()) {
      return UnexpectedKeyword("SELECT", {"SELECT"});
    }
    return UnexpectedKeyword("SELECT", {"SELECT", "WITH", "EXPLAIN"});
  }
  STRATA_ASSIGN_OR_RETURN(statement.select, ParseSelect());
  if (Accept(TokenKind::kSemicolon) && !At(TokenKind::kEnd)) {
    return Unexpected("end of input after ';' (one statement at a time)");
  }
  if (!At(TokenKind::kEnd)) return UnexpectedEnd();
  return statement;
}

Status Parser::ParseWith(Statement& statement) {
  Take();  // WITH
  do {
    CommonTable table;
    table.pos = Peek().pos;
    if (!AtName()) return UnexpectedName("a name for the WITH query");
    table.name = Take().text;
    STRATA_RETURN_IF_ERROR(ExpectKeyword(Keyword::kAs));
    STRATA_RETURN_IF_ERROR(Expect(TokenKind::kLParen, "'('"));
    if (!AtKeyword(Keyword::kSelect)) return UnexpectedKeyword("SELECT", {"SELECT"});
    STRATA_ASSIGN_OR_RETURN(table.select, ParseSelect());
    STRATA_RETURN_IF_ERROR(Expect(TokenKind::kRParen, "')'"));
    statement.with.push_back(std::move(table));
  } while (Accept(TokenKind::kComma));
  return Status();
}

Result<std::unique_ptr<Select>> Parser::ParseSelect() {
  STRATA_RETURN_IF_ERROR(Enter());
  Result<std::unique_ptr<Select>> select = ParseSelectBody();
  Leave();
  return select;
}

Result<std::unique_ptr<Select>> Parser::ParseSelectBody() {
  auto select = std::make_unique<Select>();
  select->pos = Peek().pos;
  STRATA_RETURN_IF_ERROR(ExpectKeyword(Keyword::kSelect));
  STRATA_RETURN_IF_ERROR(ParseDistinct(*select));
  do {
    STRATA_ASSIGN_OR_RETURN(SelectItem item, ParseSelectItem());
    select->items.push_back(std::move(item));
  } while (Accept(TokenKind::kComma));
  if (AcceptKeyword(Keyword::kFrom)) STRATA_RETURN_IF_ERROR(ParseFrom(*select));
  if (AcceptKeyword(Keyword::kWhere)) {
    STRATA_ASSIGN_OR_RETURN(select->where, ParseExpr());
  }
  if (AcceptKeyword(Keyword::kGroup)) {
    STRATA_RETURN_IF_ERROR(ExpectKeyword(Keyword::kBy));
    STRATA_ASSIGN_OR_RETURN(select->group_by, ParseExprList());
  }
  if (AcceptKeyword(Keyword::kHaving)) {
    STRATA_ASSIGN_OR_RETURN(select->having, ParseExpr());
  }
  if (AcceptKeyword(Keyword::kOrder)) STRATA_RETURN_IF_ERROR(ParseOrderBy(*select));
  STRATA_RETURN_IF_ERROR(ParseLimitAndOffset(*select));
  return select;
}

Status Parser::ParseDistinct(Select& select) {
  if (!AcceptKeyword(Keyword::kDistinct)) return Status();
  if (!AtKeyword(Keyword::kOn) || !At(TokenKind::kLParen, 1)) {
    select.distinct = true;
    return Status();
  }
  Take();  // ON
  Take();  // (
  STRATA_ASSIGN_OR_RETURN(select.distinct_on, ParseExprList());
  return Expect(TokenKind::kRParen, "',' or ')'");
}

Result<SelectItem> Parser::ParseSelectItem() {
  SelectItem item;
  const bool qualified_star = AtName() && At(TokenKind::kDot, 1) && At(TokenKind::kStar, 2);
  if (At(TokenKind::kStar) || qualified_star) {
    item.expr = NewExpr(ExprKind::kStar, Peek().pos);
    if (qualified_star) {
      item.expr->qualifier = Take().text;
      Take();  // .
    }
    Take();  // *
    item.expr->end_offset = last_end_;
    return item;
  }
  STRATA_ASSIGN_OR_RETURN(item.expr, ParseExpr());
  STRATA_ASSIGN_OR_RETURN(item.alias, ParseOptionalAlias());
  return item;
}

Status Parser::ParseFrom(Select& select) {
  FromItem& from = select.from;
  from.pos = Peek().pos;
  if (Accept(TokenKind::kLParen)) {
    if (!AtKeyword(Keyword::kSelect)) return UnexpectedKeyword("SELECT", {"SELECT"});
    STRATA_ASSIGN_OR_RETURN(from.subquery, ParseSelect());
    STRATA_RETURN_IF_ERROR(Expect(TokenKind::kRParen, "')'"));
  } else if (AtName()) {
    from.name = Take().text;
  } else {
    return UnexpectedName("a dataset name or a subquery");
  }
  STRATA_ASSIGN_OR_RETURN(from.alias, ParseOptionalAlias());
  select.has_from = true;
  return Status();
}

Result<std::string> Parser::ParseOptionalAlias() {
  if (AcceptKeyword(Keyword::kAs)) {
    if (!AtName()) return UnexpectedName("an alias", /*certain=*/true);
    return Take().text;
  }
  if (!AtName()) return std::string();
  const Token& alias = Take();
  STRATA_RETURN_IF_ERROR(CheckMisspelledClause(alias));
  return alias.text;
}

// An alias without AS that is followed by something no alias can be followed by is more likely
// a misspelled clause keyword: "SELECT x FORM cpu", "FROM cpu WHRE x > 1".
Status Parser::CheckMisspelledClause(const Token& alias) const {
  if (alias.kind != TokenKind::kIdentifier || alias.quoted) return Status();
  const Token& next = Peek();
  switch (next.kind) {
    case TokenKind::kEnd:
    case TokenKind::kError:
    case TokenKind::kComma:
    case TokenKind::kSemicolon:
    case TokenKind::kRParen: return Status();
    case TokenKind::kKeyword:
      if (IsReserved(next.keyword)) return Status();
      break;
    default: break;
  }
  const std::optional<std::string> suggestion = SuggestKeyword(alias.text, ClauseKeywords());
  if (!suggestion) return Status();
  return ErrorAt(alias.pos, "expected end of statement, found " + Describe(alias) +
                                "; did you mean " + *suggestion + "?");
}

Status Parser::ParseOrderBy(Select& select) {
  STRATA_RETURN_IF_ERROR(ExpectKeyword(Keyword::kBy));
  do {
    OrderItem item;
    STRATA_ASSIGN_OR_RETURN(item.expr, ParseExpr());
    if (AcceptKeyword(Keyword::kDesc)) {
      item.descending = true;
    } else {
      AcceptKeyword(Keyword::kAsc);
    }
    if (AcceptKeyword(Keyword::kNulls)) {
      if (AcceptKeyword(Keyword::kFirst)) {
        item.nulls = NullsOrder::kFirst;
      } else if (AcceptKeyword(Keyword::kLast)) {
        item.nulls = NullsOrder::kLast;
      } else {
        return UnexpectedKeyword("FIRST or LAST", {"FIRST", "LAST"});
      }
    }
    select.order_by.push_back(std::move(item));
  } while (Accept(TokenKind::kComma));
  return Status();
}

Status Parser::ParseLimitAndOffset(Select& select) {
  for (;;) {
    if (select.limit == nullptr && AcceptKeyword(Keyword::kLimit)) {
      STRATA_ASSIGN_OR_RETURN(select.limit, ParseLimitValue("LIMIT"));
    } else if (select.offset == nullptr && AcceptKeyword(Keyword::kOffset)) {
      STRATA_ASSIGN_OR_RETURN(select.offset, ParseLimitValue("OFFSET"));
    } else {
      return Status();
    }
  }
}

Result<ExprPtr> Parser::ParseLimitValue(std::string_view clause) {
  if (At(TokenKind::kInteger)) {
    const Token& number = Take();
    return ParseNumber(number, number.pos, /*negative=*/false);
  }
  if (At(TokenKind::kParam)) return ParseParam();
  return Unexpected("a non-negative integer or a parameter after " + std::string(clause));
}

Result<std::vector<ExprPtr>> Parser::ParseExprList() {
  std::vector<ExprPtr> exprs;
  do {
    STRATA_ASSIGN_OR_RETURN(ExprPtr expr, ParseExpr());
    exprs.push_back(std::move(expr));
  } while (Accept(TokenKind::kComma));
  return exprs;
}

// ---- Expressions: infix and postfix operators ----

Result<ExprPtr> Parser::ParseExpr(int min_power) {
  STRATA_RETURN_IF_ERROR(Enter());
  Result<ExprPtr> expr = ParseExprBody(min_power);
  Leave();
  return expr;
}

Result<ExprPtr> Parser::ParseExprBody(int min_power) {
  STRATA_ASSIGN_OR_RETURN(ExprPtr left, ParsePrefix());
  bool left_is_comparison = false;
  for (int power = InfixPower(); power != kNoPower && power >= min_power; power = InfixPower()) {
    if (power == kComparePower && left_is_comparison) {
      return Unexpected("end of comparison",
                        "; comparisons do not chain, combine them with AND or parentheses");
    }
    STRATA_ASSIGN_OR_RETURN(left, ParseInfix(std::move(left), power));
    left_is_comparison = power == kComparePower;
  }
  return left;
}

int Parser::InfixPower() const {
  const Token& token = Peek();
  switch (token.kind) {
    case TokenKind::kEq:
    case TokenKind::kNe:
    case TokenKind::kLt:
    case TokenKind::kLe:
    case TokenKind::kGt:
    case TokenKind::kGe: return kComparePower;
    case TokenKind::kConcat: return kConcatPower;
    case TokenKind::kPlus:
    case TokenKind::kMinus: return kAddPower;
    case TokenKind::kStar:
    case TokenKind::kSlash:
    case TokenKind::kPercent: return kMulPower;
    case TokenKind::kDoubleColon: return kCastPower;
    case TokenKind::kArrow:
    case TokenKind::kArrowText: return kJsonPower;
    case TokenKind::kKeyword: break;
    default: return kNoPower;
  }
  switch (token.keyword) {
    case Keyword::kOr: return kOrPower;
    case Keyword::kAnd: return kAndPower;
    case Keyword::kIs:
    case Keyword::kIn:
    case Keyword::kBetween:
    case Keyword::kLike:
    case Keyword::kIlike: return kComparePower;
    case Keyword::kNot:
      return AtKeyword(Keyword::kIn, 1) || AtKeyword(Keyword::kBetween, 1) ||
                     AtKeyword(Keyword::kLike, 1) || AtKeyword(Keyword::kIlike, 1)
                 ? kComparePower
                 : kNoPower;
    default: return kNoPower;
  }
}

Result<ExprPtr> Parser::ParseInfix(ExprPtr left, int power) {
  if (power == kCastPower) return ParsePostfixCast(std::move(left));
  if (power == kJsonPower) return ParseJsonAccess(std::move(left));
  if (At(TokenKind::kKeyword)) {
    if (AtKeyword(Keyword::kIs)) return ParseIsNull(std::move(left));
    const bool negated = AcceptKeyword(Keyword::kNot);
    if (AtKeyword(Keyword::kIn)) return ParseIn(std::move(left), negated);
    if (AtKeyword(Keyword::kBetween)) return ParseBetween(std::move(left), negated);
    if (AtKeyword(Keyword::kLike) || AtKeyword(Keyword::kIlike)) {
      return ParseLike(std::move(left), negated);
    }
  }
  return ParseBinary(std::move(left), power);
}

Result<ExprPtr> Parser::ParseBinary(ExprPtr left, int power) {
  const Token& op = Take();
  ExprPtr expr = NewExpr(ExprKind::kBinary, left->pos);
  expr->op = BinaryOp(op.kind, op.keyword);
  STRATA_ASSIGN_OR_RETURN(ExprPtr right, ParseExpr(power + 1));
  expr->children.push_back(std::move(left));
  expr->children.push_back(std::move(right));
  return Finish(std::move(expr));
}

Result<ExprPtr> Parser::ParseIsNull(ExprPtr left) {
  Take();  // IS
  ExprPtr expr = NewExpr(ExprKind::kIsNull, left->pos);
  expr->negated = AcceptKeyword(Keyword::kNot);
  if (!AcceptKeyword(Keyword::kNull)) {
    return Unexpected(expr->negated ? "NULL after IS NOT" : "NULL or NOT after IS");
  }
  expr->children.push_back(std::move(left));
  return Finish(std::move(expr));
}

Result<ExprPtr> Parser::ParseIn(ExprPtr left, bool negated) {
  Take();  // IN
  ExprPtr expr = NewExpr(ExprKind::kIn, left->pos);
  expr->negated = negated;
  STRATA_RETURN_IF_ERROR(Expect(TokenKind::kLParen, "'(' after IN"));
  if (AtKeyword(Keyword::kSelect)) {
    return ErrorAt(Peek().pos, "subqueries are only supported in FROM; list the values instead");
  }
  STRATA_ASSIGN_OR_RETURN(std::vector<ExprPtr> values, ParseExprList());
  STRATA_RETURN_IF_ERROR(Expect(TokenKind::kRParen, "',' or ')'"));
  expr->children.push_back(std::move(left));
  for (ExprPtr& value : values) expr->children.push_back(std::move(value));
  return Finish(std::move(expr));
}

Result<ExprPtr> Parser::ParseBetween(ExprPtr left, bool negated) {
  Take();  // BETWEEN
  ExprPtr expr = NewExpr(ExprKind::kBetween, left->pos);
  expr->negated = negated;
  STRATA_ASSIGN_OR_RETURN(ExprPtr low, ParseExpr(kComparePower + 1));
  if (!AcceptKeyword(Keyword::kAnd)) {
    return UnexpectedKeyword(negated ? "AND after NOT BETWEEN x" : "AND after BETWEEN x", {"AND"});
  }
  STRATA_ASSIGN_OR_RETURN(ExprPtr high, ParseExpr(kComparePower + 1));
  expr->children.push_back(std::move(left));
  expr->children.push_back(std::move(low));
  expr->children.push_back(std::move(high));
  return Finish(std::move(expr));
}

Result<ExprPtr> Parser::ParseLike(ExprPtr left, bool negated) {
  const Token& op = Take();
  ExprPtr expr = NewExpr(ExprKind::kLike, left->pos);
  expr->negated = negated;
  expr->case_insensitive = op.keyword == Keyword::kIlike;
  STRATA_ASSIGN_OR_RETURN(ExprPtr pattern, ParseExpr(kComparePower + 1));
  expr->children.push_back(std::move(left));
  expr->children.push_back(std::move(pattern));
  return Finish(std::move(expr));
}

Result<ExprPtr> Parser::ParsePostfixCast(ExprPtr left) {
  Take();  // ::
  ExprPtr expr = NewExpr(ExprKind::kCast, left->pos);
  STRATA_ASSIGN_OR_RETURN(expr->type_name, ParseTypeName());
  expr->children.push_back(std::move(left));
  return Finish(std::move(expr));
}

Result<ExprPtr> Parser::ParseJsonAccess(ExprPtr left) {
  const Token& op = Take();
  ExprPtr expr = NewExpr(ExprKind::kJsonAccess, left->pos);
  expr->json_text = op.kind == TokenKind::kArrowText;
  STRATA_ASSIGN_OR_RETURN(ExprPtr key, ParseExpr(kJsonPower + 1));
  expr->children.push_back(std::move(left));
  expr->children.push_back(std::move(key));
  return Finish(std::move(expr));
}

// ---- Expressions: prefix operators and primaries ----

Result<ExprPtr> Parser::ParsePrefix() {
  switch (Peek().kind) {
    case TokenKind::kMinus:
    case TokenKind::kPlus: return ParseSign();
    case TokenKind::kInteger:
    case TokenKind::kFloat: {
      const Token& number = Take();
      return ParseNumber(number, number.pos, /*negative=*/false);
    }
    case TokenKind::kString: return ParseStringLiteral();
    case TokenKind::kParam: return ParseParam();
    case TokenKind::kLParen: return ParseParenthesized();
    case TokenKind::kIdentifier: return ParseName();
    case TokenKind::kKeyword: return ParseKeywordPrefix();
    default: return Unexpected("an expression");
  }
}

Result<ExprPtr> Parser::ParseKeywordPrefix() {
  switch (Peek().keyword) {
    case Keyword::kNot: return ParseNot();
    case Keyword::kNull:
    case Keyword::kTrue:
    case Keyword::kFalse: return ParseKeywordLiteral();
    case Keyword::kCase: return ParseCase();
    case Keyword::kCast: return ParseCast();
    case Keyword::kInterval:
      if (At(TokenKind::kString, 1) || At(TokenKind::kInteger, 1) || At(TokenKind::kFloat, 1)) {
        return ParseInterval();
      }
      return ParseName();
    case Keyword::kSelect: return ErrorAt(Peek().pos, "subqueries are only supported in FROM");
    default: break;
  }
  if (!IsReserved(Peek().keyword)) return ParseName();
  return UnexpectedName("an expression");
}

Result<ExprPtr> Parser::ParseNot() {
  ExprPtr expr = NewExpr(ExprKind::kUnary, Take().pos);
  expr->op = Op::kNot;
  STRATA_ASSIGN_OR_RETURN(ExprPtr operand, ParseExpr(kNotPower));
  expr->children.push_back(std::move(operand));
  return Finish(std::move(expr));
}

Result<ExprPtr> Parser::ParseSign() {
  const Token& sign = Take();
  const bool is_number = At(TokenKind::kInteger) || At(TokenKind::kFloat);
  if (sign.kind == TokenKind::kMinus && is_number && !AtPostfixOperator(1)) {
    const SourcePos pos = sign.pos;
    const Token& number = Take();
    return ParseNumber(number, pos, /*negative=*/true);
  }
  ExprPtr expr = NewExpr(ExprKind::kUnary, sign.pos);
  expr->op = sign.kind == TokenKind::kMinus ? Op::kNeg : Op::kPlus;
  STRATA_ASSIGN_OR_RETURN(ExprPtr operand, ParseExpr(kUnaryPower));
  expr->children.push_back(std::move(operand));
  return Finish(std::move(expr));
}

// `number` has just been taken; `pos` is where the literal starts (at the minus if negative).
Result<ExprPtr> Parser::ParseNumber(const Token& number, const SourcePos& pos, bool negative) {
  const std::string text = (negative ? "-" : "") + number.text;
  ExprPtr expr = NewExpr(ExprKind::kLiteral, pos);
  expr->end_offset = number.end_offset;
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  if (number.kind == TokenKind::kInteger) {
    int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr != end) {
      return ErrorAt(pos, "integer " + Abbreviate(text) + " is out of range for int64");
    }
    expr->literal_kind = LiteralKind::kInt;
    expr->value = value;
    return expr;
  }
  double value = 0;
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end) {
    return ErrorAt(pos, "number " + Abbreviate(text) + " is out of range for float64");
  }
  expr->literal_kind = LiteralKind::kFloat;
  expr->value = value;
  return expr;
}

Result<ExprPtr> Parser::ParseStringLiteral() {
  const Token& token = Take();
  ExprPtr expr = NewExpr(ExprKind::kLiteral, token.pos);
  expr->end_offset = token.end_offset;
  expr->literal_kind = LiteralKind::kString;
  expr->value = token.text;
  return expr;
}

Result<ExprPtr> Parser::ParseParam() {
  const Token& token = Take();
  ExprPtr expr = NewExpr(ExprKind::kParam, token.pos);
  expr->end_offset = token.end_offset;
  expr->name = token.text;
  return expr;
}

Result<ExprPtr> Parser::ParseKeywordLiteral() {
  const Token& token = Take();
  ExprPtr expr = NewExpr(ExprKind::kLiteral, token.pos);
  expr->end_offset = token.end_offset;
  if (token.keyword != Keyword::kNull) {
    expr->literal_kind = LiteralKind::kBool;
    expr->value = token.keyword == Keyword::kTrue;
  }
  return expr;
}

Result<ExprPtr> Parser::ParseInterval() {
  ExprPtr expr = NewExpr(ExprKind::kLiteral, Take().pos);
  if (!At(TokenKind::kString)) {
    return Unexpected("a quoted interval after INTERVAL, such as INTERVAL '5 minutes'");
  }
  const Token& text = Take();
  std::string error;
  const std::optional<int64_t> micros = ParseIntervalMicros(text.text, error);
  if (!micros) return ErrorAt(text.pos, error);
  expr->end_offset = text.end_offset;
  expr->literal_kind = LiteralKind::kInterval;
  expr->value = *micros;
  return expr;
}

// The node of a parenthesised expression spans the parentheses too, so that the text between
// pos and end_offset of every node, and of the binary nodes around it, is balanced.
Result<ExprPtr> Parser::ParseParenthesized() {
  const SourcePos pos = Take().pos;
  if (AtKeyword(Keyword::kSelect)) {
    return ErrorAt(Peek().pos, "subqueries are only supported in FROM");
  }
  STRATA_ASSIGN_OR_RETURN(ExprPtr expr, ParseExpr());
  STRATA_RETURN_IF_ERROR(Expect(TokenKind::kRParen, "')'"));
  expr->pos = pos;
  expr->end_offset = last_end_;
  return expr;
}

Result<ExprPtr> Parser::ParseName() {
  const Token& name = Take();
  if (At(TokenKind::kLParen)) {
    if (!name.quoted && ToLower(name.text) == "extract") return ParseExtract(name);
    return ParseFunction(name);
  }
  ExprPtr expr = NewExpr(ExprKind::kColumn, name.pos);
  if (Accept(TokenKind::kDot)) {
    // After a qualifier any word names a column: t.from is unambiguous.
    if (!At(TokenKind::kIdentifier) && !At(TokenKind::kKeyword)) {
      return Unexpected("a column name after '" + Abbreviate(name.text) + ".'");
    }
    expr->qualifier = name.text;
    expr->name = Take().text;
  } else {
    expr->name = name.text;
  }
  expr->end_offset = last_end_;
  return expr;
}

Result<ExprPtr> Parser::ParseFunction(const Token& name) {
  ExprPtr expr = NewExpr(ExprKind::kFunction, name.pos);
  expr->name = ToLower(name.text);
  Take();  // (
  if (!Accept(TokenKind::kRParen)) {
    STRATA_RETURN_IF_ERROR(ParseArguments(*expr));
    STRATA_RETURN_IF_ERROR(Expect(TokenKind::kRParen, "',' or ')'"));
  }
  return Finish(std::move(expr));
}

Status Parser::ParseArguments(Expr& function) {
  function.distinct = AcceptKeyword(Keyword::kDistinct);
  if (!function.distinct && At(TokenKind::kStar)) {
    const Token& star = Take();
    ExprPtr arg = NewExpr(ExprKind::kStar, star.pos);
    arg->end_offset = star.end_offset;
    function.children.push_back(std::move(arg));
    return Status();
  }
  STRATA_ASSIGN_OR_RETURN(function.children, ParseExprList());
  return Status();
}

// EXTRACT(field FROM e) is extract('field', e) with the field lower-cased.
Result<ExprPtr> Parser::ParseExtract(const Token& name) {
  ExprPtr expr = NewExpr(ExprKind::kFunction, name.pos);
  expr->name = "extract";
  Take();  // (
  if (!AtName() && !At(TokenKind::kString)) return Unexpected("a field such as hour or epoch");
  const Token& field_token = Take();
  ExprPtr field = NewExpr(ExprKind::kLiteral, field_token.pos);
  field->end_offset = field_token.end_offset;
  field->literal_kind = LiteralKind::kString;
  field->value = ToLower(field_token.text);
  STRATA_RETURN_IF_ERROR(ExpectKeyword(Keyword::kFrom));
  STRATA_ASSIGN_OR_RETURN(ExprPtr source, ParseExpr());
  STRATA_RETURN_IF_ERROR(Expect(TokenKind::kRParen, "')'"));
  expr->children.push_back(std::move(field));
  expr->children.push_back(std::move(source));
  return Finish(std::move(expr));
}

Result<ExprPtr> Parser::ParseCase() {
  ExprPtr expr = NewExpr(ExprKind::kCase, Take().pos);
  if (!AtKeyword(Keyword::kWhen)) {
    STRATA_ASSIGN_OR_RETURN(ExprPtr operand, ParseExpr());
    expr->children.push_back(std::move(operand));
    expr->has_operand = true;
  }
  if (!AtKeyword(Keyword::kWhen)) return UnexpectedKeyword("WHEN", {"WHEN"});
  while (AcceptKeyword(Keyword::kWhen)) {
    STRATA_ASSIGN_OR_RETURN(ExprPtr condition, ParseExpr());
    STRATA_RETURN_IF_ERROR(ExpectKeyword(Keyword::kThen));
    STRATA_ASSIGN_OR_RETURN(ExprPtr result, ParseExpr());
    expr->children.push_back(std::move(condition));
    expr->children.push_back(std::move(result));
  }
  if (AcceptKeyword(Keyword::kElse)) {
    STRATA_ASSIGN_OR_RETURN(ExprPtr otherwise, ParseExpr());
    expr->children.push_back(std::move(otherwise));
    expr->has_else = true;
  }
  if (!AcceptKeyword(Keyword::kEnd)) {
    return UnexpectedKeyword(expr->has_else ? "END" : "WHEN, ELSE or END", {"WHEN", "ELSE", "END"});
  }
  return Finish(std::move(expr));
}

Result<ExprPtr> Parser::ParseCast() {
  ExprPtr expr = NewExpr(ExprKind::kCast, Take().pos);
  STRATA_RETURN_IF_ERROR(Expect(TokenKind::kLParen, "'(' after CAST"));
  STRATA_ASSIGN_OR_RETURN(ExprPtr operand, ParseExpr());
  STRATA_RETURN_IF_ERROR(ExpectKeyword(Keyword::kAs));
  STRATA_ASSIGN_OR_RETURN(expr->type_name, ParseTypeName());
  STRATA_RETURN_IF_ERROR(Expect(TokenKind::kRParen, "')'"));
  expr->children.push_back(std::move(operand));
  return Finish(std::move(expr));
}

Result<std::string> Parser::ParseTypeName() {
  if (!AtName()) return UnexpectedName("a type name such as int, float, text or timestamp");
  return ToLower(Take().text);
}

Result<ExprPtr> Parser::ParseWholeExpression() {
  STRATA_ASSIGN_OR_RETURN(ExprPtr expr, ParseExpr());
  if (!At(TokenKind::kEnd)) return Unexpected("end of expression");
  return expr;
}

Status CheckLength(std::string_view text) {
  if (text.size() < std::numeric_limits<uint32_t>::max()) return Status();
  return SyntaxError(SourcePos{}, "statement is longer than 4 GiB");
}

}  // namespace

Result<Statement> ParseStatement(std::string_view sql) {
  STRATA_RETURN_IF_ERROR(CheckLength(sql));
  return Parser(sql).ParseWholeStatement();
}

Result<ExprPtr> ParseExpression(std::string_view text) {
  STRATA_RETURN_IF_ERROR(CheckLength(text));
  return Parser(text).ParseWholeExpression();
}

}  // namespace strata::sql
