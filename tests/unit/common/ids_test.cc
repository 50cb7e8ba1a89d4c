#include "common/ids.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <unordered_set>

#include "common/time_util.h"

namespace strata {
namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

uint64_t UlidMillis(const std::string& ulid) {
  uint64_t millis = 0;
  for (size_t i = 0; i < 10; ++i) millis = millis * 32 + kCrockford.find(ulid[i]);
  return millis;
}

TEST(NewUlidTest, Is26CrockfordCharacters) {
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewUlid();
    ASSERT_EQ(id.size(), 26u) << id;
    EXPECT_EQ(id.find_first_not_of(kCrockford), std::string::npos) << id;
    EXPECT_LE(id[0], '7') << id;  // 48 bits of time leave the first character 3 bits.
  }
}

TEST(NewUlidTest, EncodesTheCurrentMillisecond) {
  const uint64_t before = static_cast<uint64_t>(NowMicros() / 1000);
  const std::string id = NewUlid();
  const uint64_t after = static_cast<uint64_t>(NowMicros() / 1000);
  EXPECT_GE(UlidMillis(id), before);
  EXPECT_LE(UlidMillis(id), after);
}

TEST(NewUlidTest, LaterIdsSortAfterEarlierOnesAcrossMilliseconds) {
  for (int round = 0; round < 5; ++round) {
    const std::string earlier = NewUlid();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const std::string later = NewUlid();
    EXPECT_LT(earlier, later);
    EXPECT_LT(UlidMillis(earlier), UlidMillis(later));
  }
}

TEST(NewUlidTest, UniqueOver10k) {
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(NewUlid());
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(NewUlidTest, UniqueAcrossThreads) {
  std::unordered_set<std::string> a, b;
  std::thread other([&b] {
    for (int i = 0; i < 2000; ++i) b.insert(NewUlid());
  });
  for (int i = 0; i < 2000; ++i) a.insert(NewUlid());
  other.join();
  size_t shared = 0;
  for (const std::string& id : a) shared += b.count(id);
  EXPECT_EQ(a.size(), 2000u);
  EXPECT_EQ(b.size(), 2000u);
  EXPECT_EQ(shared, 0u);
}

TEST(IsValidRequestIdTest, Cases) {
  EXPECT_TRUE(IsValidRequestId("a"));
  EXPECT_TRUE(IsValidRequestId(NewUlid()));
  EXPECT_TRUE(IsValidRequestId("req-1.2_3"));
  EXPECT_TRUE(IsValidRequestId("ABCxyz019"));
  EXPECT_TRUE(IsValidRequestId(std::string(128, 'x')));
  EXPECT_FALSE(IsValidRequestId(std::string(129, 'x')));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId("has space"));
  EXPECT_FALSE(IsValidRequestId("a/b"));
  EXPECT_FALSE(IsValidRequestId("a:b"));
  EXPECT_FALSE(IsValidRequestId("a\nb"));
  EXPECT_FALSE(IsValidRequestId("quote\""));
  EXPECT_FALSE(IsValidRequestId("caf\xc3\xa9"));
  EXPECT_FALSE(IsValidRequestId(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace strata
