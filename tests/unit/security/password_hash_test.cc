#include "security/password_hash.h"

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace strata::security {
namespace {

// Small parameters keep the tests fast; the defaults are exercised once.
constexpr PasswordParams kFast{.memory_kib = 64, .iterations = 1, .parallelism = 1};

// The argon2id vector of the reference implementation (phc-winner-argon2 src/test.c).
constexpr std::string_view kReferencePhc =
    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

TEST(PasswordHashTest, DefaultsRoundTrip) {
  ASSERT_OK_AND_ASSIGN(std::string phc, HashPassword("correct horse", PasswordParams{}));
  EXPECT_TRUE(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << phc;
  EXPECT_TRUE(VerifyPassword("correct horse", phc));
  EXPECT_FALSE(VerifyPassword("correct horse ", phc));
  EXPECT_FALSE(NeedsRehash(phc, PasswordParams{}));
}

TEST(PasswordHashTest, ShapeOfTheString) {
  ASSERT_OK_AND_ASSIGN(std::string phc, HashPassword("pw", kFast));
  const std::string prefix = "$argon2id$v=19$m=64,t=1,p=1$";
  ASSERT_TRUE(phc.starts_with(prefix)) << phc;
  const std::string rest = phc.substr(prefix.size());
  const size_t dollar = rest.find('$');
  ASSERT_NE(dollar, std::string::npos);
  EXPECT_EQ(dollar, 22u);                        // 16-byte salt, unpadded base64.
  EXPECT_EQ(rest.size() - dollar - 1, 43u);      // 32-byte hash.
  EXPECT_EQ(rest.find('='), std::string::npos);  // No padding.
}

TEST(PasswordHashTest, VerifiesTheReferenceVector) {
  EXPECT_TRUE(VerifyPassword("password", kReferencePhc));
  EXPECT_FALSE(VerifyPassword("Password", kReferencePhc));
  // An 8-byte salt is below what HashPassword writes, so it is rehashed on next login.
  EXPECT_TRUE(NeedsRehash(kReferencePhc, PasswordParams{}));
}

TEST(PasswordHashTest, WrongPasswordsFail) {
  ASSERT_OK_AND_ASSIGN(std::string phc, HashPassword("s3cret", kFast));
  EXPECT_TRUE(VerifyPassword("s3cret", phc));
  EXPECT_FALSE(VerifyPassword("s3cres", phc));
  EXPECT_FALSE(VerifyPassword("", phc));
  EXPECT_FALSE(VerifyPassword("S3cret", phc));
  EXPECT_FALSE(VerifyPassword(std::string("s3cret\0", 7), phc));
}

TEST(PasswordHashTest, SaltsDiffer) {
  ASSERT_OK_AND_ASSIGN(std::string a, HashPassword("same", kFast));
  ASSERT_OK_AND_ASSIGN(std::string b, HashPassword("same", kFast));
  EXPECT_NE(a, b);
  EXPECT_TRUE(VerifyPassword("same", a));
  EXPECT_TRUE(VerifyPassword("same", b));
}

TEST(PasswordHashTest, EmptyAndBinaryPasswords) {
  ASSERT_OK_AND_ASSIGN(std::string empty, HashPassword("", kFast));
  EXPECT_TRUE(VerifyPassword("", empty));
  const std::string binary("\0\xff\x01 \xc3\xa9", 6);
  ASSERT_OK_AND_ASSIGN(std::string phc, HashPassword(binary, kFast));
  EXPECT_TRUE(VerifyPassword(binary, phc));
}

TEST(PasswordHashTest, MaximumPasswordLength) {
  const std::string longest(kMaxPasswordBytes, 'a');
  ASSERT_OK_AND_ASSIGN(std::string phc, HashPassword(longest, kFast));
  EXPECT_TRUE(VerifyPassword(longest, phc));
  EXPECT_FALSE(VerifyPassword(longest + "a", phc));

  Result<std::string> too_long = HashPassword(longest + "a", kFast);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().code(), StatusCode::kValidationFailed);
  EXPECT_EQ(too_long.status().problem_code(), "password_too_long");
}

TEST(PasswordHashTest, RefusesParametersOutOfBounds) {
  for (const PasswordParams& params : {
           PasswordParams{.memory_kib = 7, .iterations = 1, .parallelism = 1},
           PasswordParams{.memory_kib = 16, .iterations = 1, .parallelism = 4},
           PasswordParams{.memory_kib = kMaxMemoryKib + 1, .iterations = 1, .parallelism = 1},
           PasswordParams{.memory_kib = 64, .iterations = 0, .parallelism = 1},
           PasswordParams{.memory_kib = 64, .iterations = 17, .parallelism = 1},
           PasswordParams{.memory_kib = 64, .iterations = 1, .parallelism = 0},
           PasswordParams{.memory_kib = 1024, .iterations = 1, .parallelism = 17},
       }) {
    Result<std::string> phc = HashPassword("pw", params);
    ASSERT_FALSE(phc.ok());
    EXPECT_EQ(phc.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(PasswordHashTest, ParametersParseBack) {
  const PasswordParams params{.memory_kib = 256, .iterations = 3, .parallelism = 2};
  ASSERT_OK_AND_ASSIGN(std::string phc, HashPassword("pw", params));
  ASSERT_OK_AND_ASSIGN(PasswordParams parsed, ParsePasswordParams(phc));
  EXPECT_EQ(parsed, params);
  EXPECT_TRUE(VerifyPassword("pw", phc));
  ASSERT_OK_AND_ASSIGN(PasswordParams reference, ParsePasswordParams(kReferencePhc));
  EXPECT_EQ(reference, (PasswordParams{.memory_kib = 65536, .iterations = 2, .parallelism = 1}));
}

TEST(PasswordHashTest, RehashWhenParametersRise) {
  const PasswordParams stored{.memory_kib = 256, .iterations = 2, .parallelism = 2};
  ASSERT_OK_AND_ASSIGN(std::string phc, HashPassword("pw", stored));
  EXPECT_FALSE(NeedsRehash(phc, stored));
  EXPECT_FALSE(NeedsRehash(phc, {.memory_kib = 128, .iterations = 1, .parallelism = 1}));
  EXPECT_TRUE(NeedsRehash(phc, {.memory_kib = 257, .iterations = 2, .parallelism = 2}));
  EXPECT_TRUE(NeedsRehash(phc, {.memory_kib = 256, .iterations = 3, .parallelism = 2}));
  EXPECT_TRUE(NeedsRehash(phc, {.memory_kib = 256, .iterations = 2, .parallelism = 3}));
}

TEST(PasswordHashTest, RehashWhenNotArgon2id) {
  EXPECT_TRUE(NeedsRehash("", PasswordParams{}));
  EXPECT_TRUE(NeedsRehash("$2y$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
                          PasswordParams{}));
  EXPECT_TRUE(
      NeedsRehash("$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
                  PasswordParams{}));
}

TEST(PasswordHashTest, MalformedStringsAreRefusedWithoutCrashing) {
  ASSERT_OK_AND_ASSIGN(std::string good, HashPassword("pw", kFast));
  ASSERT_TRUE(VerifyPassword("pw", good));
  const std::string salt_and_hash = good.substr(good.rfind("$", good.rfind('$') - 1));
  const std::string params = "m=64,t=1,p=1";
  const std::vector<std::string> malformed = {
      "", "$", "argon2id", "$argon2id", "$argon2id$", "$argon2id$v=19", "$argon2id$v=19$",
      "$argon2id$v=19$" + params, "$argon2id$v=19$" + params + "$",
      "$argon2id$v=19$" + params + salt_and_hash + "$",                 // Extra part.
      "$argon2id$v=19$" + params + salt_and_hash + "=",                 // Padding.
      "$argon2id$v=19$" + params + salt_and_hash + "\n",                // Trailing newline.
      " $argon2id$v=19$" + params + salt_and_hash,                      // Leading space.
      "$ARGON2ID$v=19$" + params + salt_and_hash,                       // Case.
      "$argon2i$v=19$" + params + salt_and_hash,                        // Other variant.
      "$argon2d$v=19$" + params + salt_and_hash,                        //
      "$argon2id$v=16$" + params + salt_and_hash,                       // Other version.
      "$argon2id$" + params + salt_and_hash,                            // No version.
      "$argon2id$v=19$t=1,m=64,p=1" + salt_and_hash,                    // Order.
      "$argon2id$v=19$m=64,t=1" + salt_and_hash,                        // Missing p.
      "$argon2id$v=19$m=64,t=1,p=1,keyid=abc" + salt_and_hash,          // Extra parameter.
      "$argon2id$v=19$m=064,t=1,p=1" + salt_and_hash,                   // Leading zero.
      "$argon2id$v=19$m=+64,t=1,p=1" + salt_and_hash,                   // Sign.
      "$argon2id$v=19$m=-64,t=1,p=1" + salt_and_hash,                   //
      "$argon2id$v=19$m=,t=1,p=1" + salt_and_hash,                      // Empty number.
      "$argon2id$v=19$m=64 ,t=1,p=1" + salt_and_hash,                   // Space.
      "$argon2id$v=19$m=4294967296,t=1,p=1" + salt_and_hash,            // > 32 bits.
      "$argon2id$v=19$m=99999999999999999999,t=1,p=1" + salt_and_hash,  // Overflow.
      "$argon2id$v=19$m=64,t=1,p=1$$" + salt_and_hash.substr(salt_and_hash.rfind('$') + 1),
      "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$",  // Empty hash.
      "$argon2id$v=19$m=64,t=1,p=1$c29tZXM$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",  // 5-byte
                                                                                          // salt.
      "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMa",  // 12-byte hash.
      "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPP_",  // base64url.
      "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbH*$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",  // Bad
                                                                                              // char.
      std::string("$argon2id$v=19$m=64,t=1,p=1\0", 28) + salt_and_hash,  // NUL.
  };
  for (const std::string& phc : malformed) {
    EXPECT_FALSE(VerifyPassword("pw", phc)) << phc;
    EXPECT_TRUE(NeedsRehash(phc, kFast)) << phc;
    EXPECT_FALSE(ParsePasswordParams(phc).ok()) << phc;
  }
}

TEST(PasswordHashTest, HostileParametersAreRefusedBeforeHashing) {
  const std::string salt_and_hash = "$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
  for (const char* params : {
           "m=1048577,t=1,p=1",  // Over 1 GiB.
           "m=4294967295,t=1,p=1",
           "m=64,t=17,p=1",  // Too many passes.
           "m=64,t=4294967295,p=1",
           "m=1024,t=1,p=17",  // Too many lanes.
           "m=64,t=0,p=1",     // Zero passes.
           "m=64,t=1,p=0",     // Zero lanes.
           "m=16,t=1,p=4",     // Under 8 KiB per lane.
       }) {
    const std::string phc = std::string("$argon2id$v=19$") + params + salt_and_hash;
    EXPECT_FALSE(VerifyPassword("password", phc)) << phc;
    EXPECT_TRUE(NeedsRehash(phc, kFast)) << phc;
    EXPECT_FALSE(ParsePasswordParams(phc).ok()) << phc;
  }
  // The largest accepted memory still parses (not hashed here: 1 GiB).
  EXPECT_TRUE(
      ParsePasswordParams(std::string("$argon2id$v=19$m=1048576,t=16,p=16") + salt_and_hash).ok());
}

}  // namespace
}  // namespace strata::security
