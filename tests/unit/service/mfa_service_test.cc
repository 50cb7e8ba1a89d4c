#include "service/mfa_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "common/time_util.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "security/encoding.h"
#include "security/recovery_codes.h"
#include "security/totp.h"
#include "service/oauth_scope.h"
#include "service/second_factor.h"
#include "test_util.h"

namespace strata::service {
namespace {

constexpr int64_t kSecond = 1'000'000;

class MfaServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, meta::OpenSqliteMetaStore(":memory:"));
    now_ = NowMicros();
    LoginThrottleOptions throttle_options;
    throttle_options.max_failures = 3;
    throttle_ = std::make_unique<LoginThrottle>(throttle_options);
    MfaOptions options;
    options.totp_issuer = "Strata Test";
    options.clock = [this] { return now_; };
    mfa_ = std::make_unique<MfaService>(*store_, *throttle_, options);
    meta::UserRecord ana;
    ana.name = "ana";
    ASSERT_OK(store_->identity().CreateUser(ana));
    ana_.ref = "user:ana";
  }

  std::string CodeFor(const std::string& base32_secret, int64_t offset_steps = 0) const {
    std::optional<std::string> secret = security::Base32Decode(base32_secret);
    EXPECT_TRUE(secret.has_value());
    return security::TotpCode(secret.value_or(""),
                              security::TotpStep(now_ / kSecond) + offset_steps);
  }

  std::unique_ptr<meta::MetaStore> store_;
  int64_t now_ = 0;
  std::unique_ptr<LoginThrottle> throttle_;
  std::unique_ptr<MfaService> mfa_;
  security::Principal ana_;
};

TEST_F(MfaServiceTest, EnrolConfirmUseAndDisable) {
  ASSERT_OK_AND_ASSIGN(TotpEnrolment enrolment, mfa_->BeginTotp(ana_));
  EXPECT_EQ(enrolment.secret.size(), 32u);  // 160 bits in base32.
  EXPECT_EQ(enrolment.otpauth_uri.rfind("otpauth://totp/Strata%20Test:ana?secret=", 0), 0u)
      << enrolment.otpauth_uri;
  EXPECT_FALSE(store_->identity().GetUser("ana")->totp_enabled);  // Pending.

  ASSERT_OK_AND_ASSIGN(std::vector<std::string> codes,
                       mfa_->ConfirmTotp(ana_, CodeFor(enrolment.secret), "192.0.2.1"));
  EXPECT_EQ(codes.size(), security::kRecoveryCodeCount);
  ASSERT_OK_AND_ASSIGN(meta::UserRecord user, store_->identity().GetUser("ana"));
  EXPECT_TRUE(user.totp_enabled);
  ASSERT_EQ(user.recovery_code_hashes.size(), codes.size());
  EXPECT_EQ(user.recovery_code_hashes[0], security::HashRecoveryCode(codes[0]));  // Hashed.

  // The confirming code was used: it cannot sign in afterwards.
  ASSERT_OK_AND_ASSIGN(SecondFactor replay, UseSecondFactor(store_->identity(), "ana",
                                                            CodeFor(enrolment.secret), "", now_));
  EXPECT_EQ(replay, SecondFactor::kRejected);
  // Enrolling again while enabled is a conflict.
  EXPECT_EQ(mfa_->BeginTotp(ana_).status().problem_code(), "mfa_already_enabled");

  // Disable with a recovery code.
  Status wrong = mfa_->DisableTotp(ana_, "zzzzz-zzzzz", "192.0.2.1");
  EXPECT_EQ(wrong.problem_code(), "invalid_mfa_code");
  EXPECT_EQ(wrong.code(), StatusCode::kValidationFailed);
  ASSERT_OK(mfa_->DisableTotp(ana_, codes[1], "192.0.2.1"));
  ASSERT_OK_AND_ASSIGN(user, store_->identity().GetUser("ana"));
  EXPECT_FALSE(user.totp_enabled);
  EXPECT_TRUE(user.totp_secret.empty());
  EXPECT_TRUE(user.recovery_code_hashes.empty());
  EXPECT_EQ(mfa_->DisableTotp(ana_, codes[2], "").problem_code(), "mfa_not_enabled");
}

TEST_F(MfaServiceTest, ConfirmNeedsAPendingEnrolmentAndTheRightCode) {
  EXPECT_EQ(mfa_->ConfirmTotp(ana_, "123456", "").status().problem_code(), "mfa_not_pending");
  ASSERT_OK_AND_ASSIGN(TotpEnrolment first, mfa_->BeginTotp(ana_));
  ASSERT_OK_AND_ASSIGN(TotpEnrolment second, mfa_->BeginTotp(ana_));  // Replaces the first.
  EXPECT_NE(first.secret, second.secret);
  const std::string stale = CodeFor(first.secret);
  if (stale != CodeFor(second.secret)) {
    EXPECT_EQ(mfa_->ConfirmTotp(ana_, stale, "").status().problem_code(), "invalid_mfa_code");
  }
  EXPECT_EQ(mfa_->ConfirmTotp(ana_, "12345", "").status().problem_code(), "invalid_mfa_code");
  ASSERT_OK(mfa_->ConfirmTotp(ana_, CodeFor(second.secret), "").status());
}

TEST_F(MfaServiceTest, DisableWithATotpCode) {
  ASSERT_OK_AND_ASSIGN(TotpEnrolment enrolment, mfa_->BeginTotp(ana_));
  ASSERT_OK(mfa_->ConfirmTotp(ana_, CodeFor(enrolment.secret), "").status());
  // The confirmation used this step; the next one disables.
  now_ += 30 * kSecond;
  ASSERT_OK(mfa_->DisableTotp(ana_, CodeFor(enrolment.secret), ""));
}

TEST_F(MfaServiceTest, WrongCodesAreThrottled) {
  ASSERT_OK_AND_ASSIGN(TotpEnrolment enrolment, mfa_->BeginTotp(ana_));
  const std::string right = CodeFor(enrolment.secret);
  const std::string wrong = right == "000000" ? "111111" : "000000";
  for (int attempt = 0; attempt < 3; ++attempt) {
    EXPECT_EQ(mfa_->ConfirmTotp(ana_, wrong, "").status().problem_code(), "invalid_mfa_code");
  }
  Status blocked = mfa_->ConfirmTotp(ana_, right, "").status();
  EXPECT_EQ(blocked.problem_code(), "too_many_attempts");
  EXPECT_EQ(ThrottledRetryAfter(blocked), 1);
}

TEST_F(MfaServiceTest, OnlyUsersEnrol) {
  security::Principal service;
  service.ref = "service:etl";
  EXPECT_EQ(mfa_->BeginTotp(service).status().code(), StatusCode::kPermissionDenied);
  security::Principal legacy_key;
  legacy_key.ref = "key:01ABC";
  EXPECT_EQ(mfa_->BeginTotp(legacy_key).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(mfa_->DisableTotp(service, "123456", "").code(), StatusCode::kPermissionDenied);
}

TEST(OAuthScopeTest, ParseJoinAndGrant) {
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names,
                       ParseScope("  datasets:read data:read  datasets:read "));
  EXPECT_EQ(names, (std::vector<std::string>{"datasets:read", "data:read"}));
  EXPECT_EQ(JoinScope(names), "datasets:read data:read");
  EXPECT_EQ(ParseScope("data:read nope").status().problem_code(), "invalid_scope");
  ASSERT_OK_AND_ASSIGN(names, ParseScope(""));
  EXPECT_TRUE(names.empty());

  security::Authorizer authorizer;
  security::Principal reader;
  reader.ref = "user:r";
  reader.dataset_roles["cpu"] = {"reader"};
  const std::vector<std::string> held = HeldPermissions(reader, authorizer);
  EXPECT_NE(std::find(held.begin(), held.end(), "data:read"), held.end());
  EXPECT_EQ(std::find(held.begin(), held.end(), "admin"), held.end());
  security::Principal admin;
  admin.roles = {"admin"};
  EXPECT_EQ(HeldPermissions(admin, authorizer).size(), security::AllPermissions().size());

  using Names = std::optional<std::vector<std::string>>;
  ASSERT_OK_AND_ASSIGN(Names none, GrantScope(std::nullopt, std::nullopt, held));
  EXPECT_FALSE(none.has_value());
  ASSERT_OK_AND_ASSIGN(
      Names inherited,
      GrantScope(std::nullopt, Names(std::vector<std::string>{"data:read"}), held));
  EXPECT_EQ(inherited, Names(std::vector<std::string>{"data:read"}));
  EXPECT_EQ(GrantScope(Names(std::vector<std::string>{"datasets:read"}),
                       Names(std::vector<std::string>{"data:read"}), held)
                .status()
                .problem_code(),
            "invalid_scope");
  // "admin" in the original grant admits anything still held.
  ASSERT_OK(GrantScope(Names(std::vector<std::string>{"datasets:read"}),
                       Names(std::vector<std::string>{"admin"}), held)
                .status());
}

}  // namespace
}  // namespace strata::service
