// LikePattern: a LIKE / ILIKE pattern compiled once per call and matched against many strings.
// Syntax: % matches any sequence of characters (also none), _ exactly one character (a
// UTF-8 code point), \ makes the next character literal; everything else matches itself.
// The whole string must match. ILIKE folds ASCII letters only; other bytes match exactly.
// Thread safety: immutable after Compile; Matches may run concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace strata::exec {

class LikePattern {
 public:
  // Fails (InvalidArgument) when the pattern ends with an unescaped backslash.
  static Result<LikePattern> Compile(std::string_view pattern, bool case_insensitive);

  bool Matches(std::string_view text) const;

 private:
  // Patterns without _ whose % signs are only at the ends are matched by string operations.
  enum class Shape { kExact, kPrefix, kSuffix, kContains, kGeneral };
  struct Token {
    enum class Kind : uint8_t { kLiteral, kAnyOne, kAnySequence };
    Kind kind;
    char byte;  // kLiteral; ASCII-lower-cased when case-insensitive.
  };

  bool MatchesGeneral(std::string_view text) const;

  Shape shape_ = Shape::kGeneral;
  bool case_insensitive_ = false;
  std::string literal_;        // The literal bytes of the simple shapes.
  std::vector<Token> tokens_;  // kGeneral. Invariant: no two adjacent kAnySequence.
};

}  // namespace strata::exec
