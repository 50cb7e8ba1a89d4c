#include "security/recovery_codes.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace strata::security {
namespace {

constexpr std::string_view kAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";

TEST(RecoveryCodesTest, FormatAndAlphabet) {
  const std::vector<std::string> codes = GenerateRecoveryCodes();
  ASSERT_EQ(codes.size(), kRecoveryCodeCount);
  for (const std::string& code : codes) {
    ASSERT_EQ(code.size(), 11u) << code;
    EXPECT_EQ(code[5], '-') << code;
    for (size_t char_idx = 0; char_idx < code.size(); ++char_idx) {
      if (char_idx == 5) continue;
      EXPECT_NE(kAlphabet.find(code[char_idx]), std::string_view::npos) << code;
    }
  }
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), codes.size());
  EXPECT_EQ(GenerateRecoveryCodes(3).size(), 3u);
  EXPECT_TRUE(GenerateRecoveryCodes(0).empty());
}

TEST(RecoveryCodesTest, UsesTheWholeAlphabet) {
  std::set<char> seen;
  for (const std::string& code : GenerateRecoveryCodes(200)) {
    for (char c : code) {
      if (c != '-') seen.insert(c);
    }
  }
  EXPECT_EQ(seen.size(), kAlphabet.size());  // 2000 draws from 32 symbols.
}

TEST(RecoveryCodesTest, HashIsSha256HexOfTheNormalisedCode) {
  // SHA-256("abcde01234").
  EXPECT_EQ(HashRecoveryCode("abcde-01234"),
            "7db33e23679eb5a2f67af7bf49082bfd819f530a9c176a0789acf7db28e4146b");
  for (const char* spelling :
       {"abcde-01234", "abcde01234", "ABCDE-01234", "AbCdE 01234", " abcde - 01234 ", "abcde-o1234",
        "abcde-0i234", "abcde-0L234", "abcde--01234"}) {
    EXPECT_EQ(HashRecoveryCode(spelling), HashRecoveryCode("abcde-01234")) << spelling;
  }
  EXPECT_NE(HashRecoveryCode("abcde-01235"), HashRecoveryCode("abcde-01234"));
  EXPECT_NE(HashRecoveryCode("abcde-0123"), HashRecoveryCode("abcde-01234"));
}

TEST(RecoveryCodesTest, GeneratedCodesHashDistinctly) {
  std::set<std::string> hashes;
  for (const std::string& code : GenerateRecoveryCodes()) {
    const std::string hash = HashRecoveryCode(code);
    EXPECT_EQ(hash.size(), 64u);
    hashes.insert(hash);
  }
  EXPECT_EQ(hashes.size(), kRecoveryCodeCount);
}

}  // namespace
}  // namespace strata::security
