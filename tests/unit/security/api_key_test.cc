#include "security/api_key.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace strata::security {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr size_t kKeyLength = 7 + 40 + 6;

TEST(GenerateApiKeyTest, Format) {
  for (int i = 0; i < 50; ++i) {
    const GeneratedKey generated = GenerateApiKey();
    ASSERT_EQ(generated.key.size(), kKeyLength) << generated.key;
    EXPECT_EQ(generated.key.substr(0, 7), "strata_");
    EXPECT_EQ(generated.key.find_first_not_of(kBase62, 7), std::string::npos) << generated.key;
    EXPECT_EQ(generated.prefix, generated.key.substr(0, 12));
    EXPECT_TRUE(ApiKeyChecksumOk(generated.key)) << generated.key;
  }
}

TEST(GenerateApiKeyTest, KeysAreUnique) {
  std::set<std::string> keys;
  for (int i = 0; i < 200; ++i) keys.insert(GenerateApiKey().key);
  EXPECT_EQ(keys.size(), 200u);
}

TEST(ApiKeyChecksumOkTest, AnyChangedCharacterIsDetected) {
  const std::string key = GenerateApiKey().key;
  for (size_t pos = 7; pos < key.size(); ++pos) {
    std::string changed = key;
    // The next character of the alphabet, so the key stays well-formed base62.
    changed[pos] = kBase62[(kBase62.find(key[pos]) + 1) % kBase62.size()];
    EXPECT_FALSE(ApiKeyChecksumOk(changed)) << "position " << pos << ": " << changed;
  }
}

TEST(ApiKeyChecksumOkTest, SwappedNeighboursAreDetected) {
  std::string key = GenerateApiKey().key;
  size_t pos = 7;
  while (key[pos] == key[pos + 1]) ++pos;
  std::swap(key[pos], key[pos + 1]);
  EXPECT_FALSE(ApiKeyChecksumOk(key));
}

TEST(ApiKeyChecksumOkTest, WrongLengthIsRefused) {
  const std::string key = GenerateApiKey().key;
  EXPECT_FALSE(ApiKeyChecksumOk(key.substr(0, key.size() - 1)));
  EXPECT_FALSE(ApiKeyChecksumOk(key.substr(0, 12)));
  EXPECT_FALSE(ApiKeyChecksumOk(key + "0"));
  EXPECT_FALSE(ApiKeyChecksumOk("strata_"));
  EXPECT_FALSE(ApiKeyChecksumOk(""));
}

TEST(ApiKeyChecksumOkTest, OperatorChosenKeysWithoutThePrefixPass) {
  EXPECT_TRUE(ApiKeyChecksumOk("an-operator-chosen-key-that-is-long"));
  EXPECT_TRUE(ApiKeyChecksumOk("x"));
  EXPECT_TRUE(ApiKeyChecksumOk("Strata_not_the_prefix_because_of_case"));
  EXPECT_TRUE(ApiKeyChecksumOk("strata-with-a-dash"));
}

}  // namespace
}  // namespace strata::security
