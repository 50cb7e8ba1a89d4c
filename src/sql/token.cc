#include "sql/token.h"

#include <array>

namespace strata::sql {
namespace {

struct KeywordInfo {
  std::string_view name;
  Keyword keyword;
  bool reserved;
};

constexpr std::array kKeywords = {
    KeywordInfo{"SELECT", Keyword::kSelect, true},
    KeywordInfo{"DISTINCT", Keyword::kDistinct, true},
    KeywordInfo{"ON", Keyword::kOn, false},
    KeywordInfo{"FROM", Keyword::kFrom, true},
    KeywordInfo{"WHERE", Keyword::kWhere, true},
    KeywordInfo{"GROUP", Keyword::kGroup, true},
    KeywordInfo{"BY", Keyword::kBy, false},
    KeywordInfo{"HAVING", Keyword::kHaving, true},
    KeywordInfo{"ORDER", Keyword::kOrder, true},
    KeywordInfo{"ASC", Keyword::kAsc, true},
    KeywordInfo{"DESC", Keyword::kDesc, true},
    KeywordInfo{"NULLS", Keyword::kNulls, false},
    KeywordInfo{"FIRST", Keyword::kFirst, false},
    KeywordInfo{"LAST", Keyword::kLast, false},
    KeywordInfo{"LIMIT", Keyword::kLimit, true},
    KeywordInfo{"OFFSET", Keyword::kOffset, true},
    KeywordInfo{"AS", Keyword::kAs, true},
    KeywordInfo{"AND", Keyword::kAnd, true},
    KeywordInfo{"OR", Keyword::kOr, true},
    KeywordInfo{"NOT", Keyword::kNot, true},
    KeywordInfo{"IN", Keyword::kIn, true},
    KeywordInfo{"BETWEEN", Keyword::kBetween, true},
    KeywordInfo{"LIKE", Keyword::kLike, true},
    KeywordInfo{"ILIKE", Keyword::kIlike, true},
    KeywordInfo{"IS", Keyword::kIs, true},
    KeywordInfo{"NULL", Keyword::kNull, true},
    KeywordInfo{"TRUE", Keyword::kTrue, true},
    KeywordInfo{"FALSE", Keyword::kFalse, true},
    KeywordInfo{"CASE", Keyword::kCase, true},
    KeywordInfo{"WHEN", Keyword::kWhen, true},
    KeywordInfo{"THEN", Keyword::kThen, true},
    KeywordInfo{"ELSE", Keyword::kElse, true},
    KeywordInfo{"END", Keyword::kEnd, true},
    KeywordInfo{"CAST", Keyword::kCast, true},
    KeywordInfo{"INTERVAL", Keyword::kInterval, false},
    KeywordInfo{"WITH", Keyword::kWith, true},
    KeywordInfo{"EXPLAIN", Keyword::kExplain, false},
    KeywordInfo{"ANALYZE", Keyword::kAnalyze, false},
};

bool EqualsIgnoringAsciiCase(std::string_view word, std::string_view upper) {
  if (word.size() != upper.size()) return false;
  for (size_t idx = 0; idx < word.size(); ++idx) {
    char c = word[idx];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper[idx]) return false;
  }
  return true;
}

const KeywordInfo* Find(Keyword keyword) {
  for (const KeywordInfo& info : kKeywords) {
    if (info.keyword == keyword) return &info;
  }
  return nullptr;
}

}  // namespace

Keyword LookupKeyword(std::string_view word) {
  if (word.size() < 2 || word.size() > 8) return Keyword::kNone;
  for (const KeywordInfo& info : kKeywords) {
    if (EqualsIgnoringAsciiCase(word, info.name)) return info.keyword;
  }
  return Keyword::kNone;
}

std::string_view KeywordName(Keyword keyword) {
  const KeywordInfo* info = Find(keyword);
  return info ? info->name : std::string_view();
}

bool IsReserved(Keyword keyword) {
  const KeywordInfo* info = Find(keyword);
  return info != nullptr && info->reserved;
}

}  // namespace strata::sql
