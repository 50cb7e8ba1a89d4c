#include "security/totp.h"

#include <gtest/gtest.h>

#include <string>

#include "common/strings.h"
#include "security/encoding.h"

namespace strata::security {
namespace {

constexpr std::string_view kRfcSecret = "12345678901234567890";  // RFC 6238 Appendix B, SHA1.

TEST(TotpTest, Rfc6238AppendixBSha1Vectors) {
  const std::pair<int64_t, std::string> vectors[] = {
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
  };
  for (const auto& [time, code] : vectors) {
    EXPECT_EQ(TotpCode(kRfcSecret, TotpStep(time), 8), code) << time;
    // The 6-digit code is the last six digits of the same truncated value.
    EXPECT_EQ(TotpCode(kRfcSecret, TotpStep(time)), code.substr(2)) << time;
  }
}

TEST(TotpTest, Rfc4226AppendixDCounters) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (int64_t counter = 0; counter < 10; ++counter) {
    EXPECT_EQ(TotpCode(kRfcSecret, counter), expected[counter]) << counter;
  }
}

TEST(TotpTest, Steps) {
  EXPECT_EQ(TotpStep(0), 0);
  EXPECT_EQ(TotpStep(29), 0);
  EXPECT_EQ(TotpStep(30), 1);
  EXPECT_EQ(TotpStep(59), 1);
  EXPECT_EQ(TotpStep(1111111109), 37037036);
  EXPECT_EQ(TotpStep(-1), -1);
}

TEST(TotpTest, AcceptsOneStepOfDriftEitherWay) {
  const std::string secret = GenerateTotpSecret();
  const int64_t now = 1'700'000'015;  // Middle of a step.
  const int64_t step = TotpStep(now);
  EXPECT_EQ(VerifyTotp(secret, TotpCode(secret, step), now, kNoTotpStepAccepted), step);
  EXPECT_EQ(VerifyTotp(secret, TotpCode(secret, step - 1), now, kNoTotpStepAccepted), step - 1);
  EXPECT_EQ(VerifyTotp(secret, TotpCode(secret, step + 1), now, kNoTotpStepAccepted), step + 1);
  EXPECT_EQ(VerifyTotp(secret, TotpCode(secret, step - 2), now, kNoTotpStepAccepted), std::nullopt);
  EXPECT_EQ(VerifyTotp(secret, TotpCode(secret, step + 2), now, kNoTotpStepAccepted), std::nullopt);
}

TEST(TotpTest, WindowFollowsStepBoundaries) {
  const std::string secret = GenerateTotpSecret();
  const int64_t boundary = 30 * 56'666'667;  // First second of a step.
  const std::string previous = TotpCode(secret, TotpStep(boundary) - 1);
  EXPECT_TRUE(VerifyTotp(secret, previous, boundary + 29, kNoTotpStepAccepted).has_value());
  EXPECT_FALSE(VerifyTotp(secret, previous, boundary + 30, kNoTotpStepAccepted).has_value());
}

TEST(TotpTest, ReplayIsRefused) {
  const std::string secret = GenerateTotpSecret();
  const int64_t now = 1'700'000'000;
  const std::string code = TotpCode(secret, TotpStep(now));
  const std::optional<int64_t> accepted = VerifyTotp(secret, code, now, kNoTotpStepAccepted);
  ASSERT_TRUE(accepted.has_value());
  // The same code again, within the same step or the next one.
  EXPECT_FALSE(VerifyTotp(secret, code, now, *accepted).has_value());
  EXPECT_FALSE(VerifyTotp(secret, code, now + 30, *accepted).has_value());
  // An older code that is still inside the window is refused too.
  EXPECT_FALSE(VerifyTotp(secret, TotpCode(secret, TotpStep(now) - 1), now, *accepted).has_value());
  // The next step's code is fine.
  EXPECT_EQ(VerifyTotp(secret, TotpCode(secret, *accepted + 1), now + 30, *accepted),
            *accepted + 1);
}

TEST(TotpTest, RejectsMalformedCodes) {
  const std::string secret = GenerateTotpSecret();
  const int64_t now = 1'700'000'000;
  const std::string code = TotpCode(secret, TotpStep(now));
  for (const std::string& bad : {
           std::string(""),
           code.substr(0, 5),
           code + "0",
           " " + code,
           code + " ",
           code.substr(0, 3) + " " + code.substr(3),
           code.substr(0, 5) + "a",
           std::string("-") + code.substr(1),
           std::string("+") + code.substr(1),
           code.substr(0, 5) + std::string(1, '\0'),
           TotpCode(secret, TotpStep(now), 8),
       }) {
    EXPECT_FALSE(VerifyTotp(secret, bad, now, kNoTotpStepAccepted).has_value()) << bad;
  }
  EXPECT_TRUE(VerifyTotp(secret, code, now, kNoTotpStepAccepted).has_value());
  EXPECT_FALSE(VerifyTotp(GenerateTotpSecret(), code, now, kNoTotpStepAccepted).has_value());
}

TEST(TotpTest, SecretsAreRandomAndBase32RoundTrips) {
  const std::string secret = GenerateTotpSecret();
  EXPECT_EQ(secret.size(), kTotpSecretBytes);
  EXPECT_NE(secret, GenerateTotpSecret());
  const std::string text = Base32Encode(secret);
  EXPECT_EQ(text.size(), 32u);
  EXPECT_EQ(Base32Decode(text), secret);
  EXPECT_EQ(Base32Decode(ToLower(text)), secret);
}

TEST(OtpauthUriTest, Format) {
  EXPECT_EQ(OtpauthUri("Strata", "alice@example.com", "12345678901234567890"),
            "otpauth://totp/Strata:alice%40example.com"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Strata&algorithm=SHA1&digits=6"
            "&period=30");
}

TEST(OtpauthUriTest, PercentEncodesLabelAndIssuer) {
  EXPECT_EQ(OtpauthUri("ACME Co: EU", "bob:x/y?z&w=é", "\x01"),
            "otpauth://totp/ACME%20Co%3A%20EU:bob%3Ax%2Fy%3Fz%26w%3D%C3%A9"
            "?secret=AE&issuer=ACME%20Co%3A%20EU&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace strata::security
