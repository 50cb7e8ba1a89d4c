#include "service/login_throttle.h"

#include <gtest/gtest.h>

#include <string>

namespace strata::service {
namespace {

constexpr int64_t kSecond = 1'000'000;

TEST(LoginThrottleTest, BacksOffExponentiallyAfterTheThreshold) {
  LoginThrottleOptions options;
  options.max_failures = 3;
  options.max_delay_seconds = 10;
  LoginThrottle throttle(options);
  int64_t now = 1000 * kSecond;
  for (int failure = 1; failure <= 2; ++failure) {
    throttle.RecordFailure("user:ana", "10.0.0.1", now);
    EXPECT_EQ(throttle.RetryAfterSeconds("user:ana", "10.0.0.1", now), 0) << failure;
  }
  throttle.RecordFailure("user:ana", "10.0.0.1", now);  // 3rd: 1 s.
  EXPECT_EQ(throttle.RetryAfterSeconds("user:ana", "10.0.0.2", now), 1);
  throttle.RecordFailure("user:ana", "10.0.0.1", now);  // 4th: 2 s.
  EXPECT_EQ(throttle.RetryAfterSeconds("user:ana", "", now), 2);
  throttle.RecordFailure("user:ana", "10.0.0.1", now);  // 5th: 4 s.
  throttle.RecordFailure("user:ana", "10.0.0.1", now);  // 6th: 8 s.
  EXPECT_EQ(throttle.RetryAfterSeconds("user:ana", "", now), 8);
  throttle.RecordFailure("user:ana", "10.0.0.1", now);  // 7th: 16 s, capped at 10.
  EXPECT_EQ(throttle.RetryAfterSeconds("user:ana", "", now), 10);
  EXPECT_EQ(throttle.RetryAfterSeconds("user:ana", "", now + 9 * kSecond + 1), 1);
  EXPECT_EQ(throttle.RetryAfterSeconds("user:ana", "", now + 10 * kSecond), 0);
  // Other accounts from other addresses are not affected.
  EXPECT_EQ(throttle.RetryAfterSeconds("user:bob", "10.0.0.9", now), 0);
}

TEST(LoginThrottleTest, UnknownAndKnownAccountsAreTreatedAlike) {
  LoginThrottleOptions options;
  options.max_failures = 2;
  LoginThrottle throttle(options);
  const int64_t now = 5 * kSecond;
  for (const char* account : {"user:ana", "user:no-such-user"}) {
    throttle.RecordFailure(account, "", now);
    throttle.RecordFailure(account, "", now);
    EXPECT_EQ(throttle.RetryAfterSeconds(account, "", now), 1) << account;
  }
}

TEST(LoginThrottleTest, AddressIsBlockedAcrossAccounts) {
  LoginThrottleOptions options;
  options.max_failures = 100;
  options.max_failures_per_address = 3;
  LoginThrottle throttle(options);
  const int64_t now = 5 * kSecond;
  throttle.RecordFailure("user:a", "192.0.2.7", now);
  throttle.RecordFailure("user:b", "192.0.2.7", now);
  throttle.RecordFailure("user:c", "192.0.2.7", now);
  EXPECT_EQ(throttle.RetryAfterSeconds("user:d", "192.0.2.7", now), 1);
  EXPECT_EQ(throttle.RetryAfterSeconds("user:d", "192.0.2.8", now), 0);
}

TEST(LoginThrottleTest, SuccessClearsTheAccountNotTheAddress) {
  LoginThrottleOptions options;
  options.max_failures = 1;
  options.max_failures_per_address = 1;
  LoginThrottle throttle(options);
  const int64_t now = 5 * kSecond;
  throttle.RecordFailure("user:ana", "192.0.2.7", now);
  throttle.RecordSuccess("user:ana");
  EXPECT_EQ(throttle.RetryAfterSeconds("user:ana", "", now), 0);
  EXPECT_EQ(throttle.RetryAfterSeconds("user:ana", "192.0.2.7", now), 1);
}

TEST(LoginThrottleTest, APauseLongerThanTheWindowStartsAgain) {
  LoginThrottleOptions options;
  options.max_failures = 2;
  options.window_seconds = 60;
  LoginThrottle throttle(options);
  int64_t now = 5 * kSecond;
  throttle.RecordFailure("user:ana", "", now);
  now += 61 * kSecond;
  throttle.RecordFailure("user:ana", "", now);
  EXPECT_EQ(throttle.RetryAfterSeconds("user:ana", "", now), 0);
  throttle.RecordFailure("user:ana", "", now);
  EXPECT_EQ(throttle.RetryAfterSeconds("user:ana", "", now), 1);
}

TEST(LoginThrottleTest, MemoryIsBounded) {
  LoginThrottleOptions options;
  options.max_failures = 1;
  options.max_entries = 10;
  LoginThrottle throttle(options);
  const int64_t now = 5 * kSecond;
  for (int i = 0; i < 100; ++i) {
    throttle.RecordFailure("user:u" + std::to_string(i), "", now);
  }
  // The first ten are blocked and kept; later keys found no room.
  EXPECT_EQ(throttle.RetryAfterSeconds("user:u0", "", now), 1);
  EXPECT_EQ(throttle.RetryAfterSeconds("user:u99", "", now), 0);
  // Once they are unblocked, room is made again.
  throttle.RecordFailure("user:late", "", now + 2 * kSecond);
  EXPECT_EQ(throttle.RetryAfterSeconds("user:late", "", now + 2 * kSecond), 1);
}

TEST(LoginThrottleTest, ThrottledStatusCarriesItsWait) {
  Status status = Throttled("slow_down", 42);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(status.problem_code(), "slow_down");
  EXPECT_EQ(ThrottledRetryAfter(status), 42);
  EXPECT_EQ(ThrottledRetryAfter(Status::ResourceExhausted("quota")), std::nullopt);
  EXPECT_EQ(ThrottledRetryAfter(Status::InvalidArgument("x")), std::nullopt);
}

TEST(LoginThrottleTest, AddressOfPeerDropsThePort) {
  EXPECT_EQ(AddressOfPeer("127.0.0.1:5678"), "127.0.0.1");
  EXPECT_EQ(AddressOfPeer("::1:5678"), "::1");
  EXPECT_EQ(AddressOfPeer("-"), "-");
}

}  // namespace
}  // namespace strata::service
