#include "exec/like_pattern.h"

#include <algorithm>

namespace strata::exec {
namespace {

char FoldAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Bytes of the UTF-8 code point starting at text[pos] (1 for an invalid lead byte), never
// past the end of `text`. REQUIRES: pos < text.size().
size_t CodePointBytes(std::string_view text, size_t pos) {
  const auto lead = static_cast<uint8_t>(text[pos]);
  const size_t bytes = lead < 0xc0 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : lead < 0xf8 ? 4 : 1;
  return std::min(bytes, text.size() - pos);
}

}  // namespace

Result<LikePattern> LikePattern::Compile(std::string_view pattern, bool case_insensitive) {
  LikePattern compiled;
  compiled.case_insensitive_ = case_insensitive;
  bool has_any_one = false;
  for (size_t pos = 0; pos < pattern.size(); ++pos) {
    char c = pattern[pos];
    if (c == '%') {
      if (compiled.tokens_.empty() || compiled.tokens_.back().kind != Token::Kind::kAnySequence) {
        compiled.tokens_.push_back({Token::Kind::kAnySequence, 0});
      }
      continue;
    }
    if (c == '_') {
      compiled.tokens_.push_back({Token::Kind::kAnyOne, 0});
      has_any_one = true;
      continue;
    }
    if (c == '\\') {
      if (++pos == pattern.size()) {
        return Status::InvalidArgument("LIKE pattern must not end with an escape character");
      }
      c = pattern[pos];
    }
    compiled.tokens_.push_back({Token::Kind::kLiteral, case_insensitive ? FoldAscii(c) : c});
  }
  // Classify: % only at the ends and no _ (case-sensitive only) gives a simple shape.
  const std::vector<Token>& tokens = compiled.tokens_;
  const bool leading = !tokens.empty() && tokens.front().kind == Token::Kind::kAnySequence;
  const bool trailing =
      tokens.size() > (leading ? 1u : 0u) && tokens.back().kind == Token::Kind::kAnySequence;
  size_t inner_sequences = 0;
  for (size_t idx = leading ? 1 : 0; idx < tokens.size() - (trailing ? 1 : 0); ++idx) {
    if (tokens[idx].kind == Token::Kind::kAnySequence) ++inner_sequences;
    if (tokens[idx].kind == Token::Kind::kLiteral) compiled.literal_.push_back(tokens[idx].byte);
  }
  if (case_insensitive || has_any_one || inner_sequences > 0) return compiled;
  compiled.shape_ = leading && trailing ? Shape::kContains
                    : leading           ? Shape::kSuffix
                    : trailing          ? Shape::kPrefix
                                        : Shape::kExact;
  return compiled;
}

bool LikePattern::Matches(std::string_view text) const {
  switch (shape_) {
    case Shape::kExact: return text == literal_;
    case Shape::kPrefix: return text.starts_with(literal_);
    case Shape::kSuffix: return text.ends_with(literal_);
    case Shape::kContains: return text.find(literal_) != std::string_view::npos;
    case Shape::kGeneral: break;
  }
  return MatchesGeneral(text);
}

// Greedy matching that backtracks to the last % only: O(text * pattern) in the worst case,
// linear for typical patterns.
bool LikePattern::MatchesGeneral(std::string_view text) const {
  constexpr size_t kNone = SIZE_MAX;
  size_t text_pos = 0, token_idx = 0;
  size_t star_token = kNone, star_text = 0;
  while (text_pos < text.size()) {
    if (token_idx < tokens_.size()) {
      const Token& token = tokens_[token_idx];
      if (token.kind == Token::Kind::kAnySequence) {
        star_token = token_idx++;
        star_text = text_pos;
        continue;
      }
      if (token.kind == Token::Kind::kAnyOne) {
        text_pos += CodePointBytes(text, text_pos);
        ++token_idx;
        continue;
      }
      const char c = case_insensitive_ ? FoldAscii(text[text_pos]) : text[text_pos];
      if (c == token.byte) {
        ++text_pos;
        ++token_idx;
        continue;
      }
    }
    if (star_token == kNone) return false;
    // Let the last % absorb one more character and retry the tokens after it.
    star_text += CodePointBytes(text, star_text);
    text_pos = star_text;
    token_idx = star_token + 1;
  }
  while (token_idx < tokens_.size() && tokens_[token_idx].kind == Token::Kind::kAnySequence) {
    ++token_idx;
  }
  return token_idx == tokens_.size();
}

}  // namespace strata::exec
