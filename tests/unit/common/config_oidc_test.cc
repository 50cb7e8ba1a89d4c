// [[auth.oidc.issuers]]: reading the tables of the TOML file, and ValidateConfig's checks of
// each issuer (every error names the issuer and the option).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "common/config.h"
#include "common/temp_config_file.h"
#include "test_util.h"

namespace strata {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Loads `toml` and validates it; the status of whichever step fails first.
Status Load(std::string_view toml, Config& config) {
  TempConfigFile file(toml);
  STRATA_RETURN_IF_ERROR(ApplyConfigFile(config, file.path()));
  return ValidateConfig(config);
}

Status Load(std::string_view toml) {
  Config config;
  return Load(toml, config);
}

constexpr std::string_view kMinimal = R"(
[[auth.oidc.issuers]]
name = "corp"
issuer = "https://login.example.com/"
audiences = ["strata"]
jwks_url = "https://login.example.com/jwks.json"
)";

// kMinimal with `extra` lines added to its table; a key of kMinimal that `extra` sets is
// left out of it.
std::string Issuer(std::string_view extra) {
  std::string out;
  std::string_view rest = kMinimal;
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    const size_t eq = line.find(" = ");
    if (eq != std::string_view::npos &&
        std::string_view(extra).find(std::string(line.substr(0, eq)) + " = ") == 0) {
      continue;
    }
    out += std::string(line) + "\n";
  }
  return out + std::string(extra);
}

TEST(ConfigOidcTest, MinimalIssuerGetsTheDocumentedDefaults) {
  Config config;
  ASSERT_OK(Load(kMinimal, config));
  ASSERT_EQ(config.auth.oidc_issuers.size(), 1u);
  const OidcIssuerConfig& issuer = config.auth.oidc_issuers[0];
  EXPECT_EQ(issuer.name, "corp");
  EXPECT_EQ(issuer.issuer, "https://login.example.com/");
  EXPECT_THAT(issuer.audiences, ElementsAre("strata"));
  EXPECT_EQ(issuer.jwks_url, "https://login.example.com/jwks.json");
  EXPECT_THAT(issuer.algorithms, ElementsAre("RS256", "ES256", "EdDSA"));
  EXPECT_THAT(issuer.types, ElementsAre("JWT", "at+jwt"));
  EXPECT_EQ(issuer.leeway_seconds, 60);
  EXPECT_EQ(issuer.subject_claim, "sub");
  EXPECT_EQ(issuer.groups_claim, "groups");
  EXPECT_TRUE(issuer.attribute_claims.empty());
  EXPECT_EQ(EffectiveGroupPrefix(issuer), "corp:");
  EXPECT_FALSE(issuer.map_scope);
  EXPECT_FALSE(issuer.jwks_refresh_seconds.has_value());
}

TEST(ConfigOidcTest, EveryOptionIsRead) {
  Config config;
  ASSERT_OK(Load(R"(
[[auth.oidc.issuers]]
name = "corp"
issuer = "https://login.example.com/"
audiences = ["strata", "api://strata"]
jwks_url = "http://127.0.0.1:8000/jwks.json"
algorithms = ["ES256"]
types = ["at+jwt", ""]
leeway_seconds = 5
subject_claim = "oid"
groups_claim = "/realm_access/roles"
group_prefix = ""
map_scope = true
jwks_refresh_seconds = 60
[auth.oidc.issuers.attribute_claims]
region = "region"
tenant = "tid"

[[auth.oidc.issuers]]
name = "partner"
issuer = "https://partner.example/"
audiences = ["strata"]
jwks_file = "/etc/strata/partner.jwks.json"
)",
                 config));
  ASSERT_EQ(config.auth.oidc_issuers.size(), 2u);
  const OidcIssuerConfig& corp = config.auth.oidc_issuers[0];
  EXPECT_THAT(corp.audiences, ElementsAre("strata", "api://strata"));
  EXPECT_THAT(corp.algorithms, ElementsAre("ES256"));
  EXPECT_THAT(corp.types, ElementsAre("at+jwt", ""));
  EXPECT_EQ(corp.leeway_seconds, 5);
  EXPECT_EQ(corp.subject_claim, "oid");
  EXPECT_EQ(corp.groups_claim, "/realm_access/roles");
  EXPECT_EQ(EffectiveGroupPrefix(corp), "");
  EXPECT_TRUE(corp.map_scope);
  EXPECT_EQ(corp.jwks_refresh_seconds, 60);
  EXPECT_EQ(corp.attribute_claims.at("region"), "region");
  EXPECT_EQ(corp.attribute_claims.at("tenant"), "tid");
  EXPECT_EQ(config.auth.oidc_issuers[1].name, "partner");
  EXPECT_EQ(config.auth.oidc_issuers[1].jwks_file, "/etc/strata/partner.jwks.json");
}

TEST(ConfigOidcTest, HmacAndNoneAreRefusedAtLoad) {
  for (std::string_view alg : {"HS256", "HS512", "hs384", "none", "None"}) {
    const Status status = Load(Issuer("algorithms = [\"ES256\", \"" + std::string(alg) + "\"]\n"));
    ASSERT_FALSE(status.ok()) << alg;
    EXPECT_THAT(status.message(), HasSubstr("auth.oidc.issuers 'corp'")) << alg;
    EXPECT_THAT(status.message(), HasSubstr("option algorithms")) << alg;
    EXPECT_THAT(status.message(), HasSubstr("refused")) << alg;
  }
  const Status unsupported = Load(Issuer("algorithms = [\"PS256\"]\n"));
  EXPECT_THAT(unsupported.message(), HasSubstr("'PS256' is not supported"));
  const Status empty = Load(Issuer("algorithms = []\n"));
  EXPECT_THAT(empty.message(), HasSubstr("option algorithms"));
}

TEST(ConfigOidcTest, ExactlyOneJwksSource) {
  const Status none = Load(R"(
[[auth.oidc.issuers]]
name = "corp"
issuer = "https://login.example.com/"
audiences = ["strata"]
)");
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.message(), HasSubstr("auth.oidc.issuers 'corp': option jwks_url: required"));

  const Status both = Load(Issuer("jwks_file = \"/etc/jwks.json\"\n"));
  ASSERT_FALSE(both.ok());
  EXPECT_THAT(both.message(), HasSubstr("not both"));

  const Status refresh_with_file = Load(R"(
[[auth.oidc.issuers]]
name = "corp"
issuer = "https://login.example.com/"
audiences = ["strata"]
jwks_file = "/etc/jwks.json"
jwks_refresh_seconds = 60
)");
  EXPECT_THAT(refresh_with_file.message(),
              HasSubstr("option jwks_refresh_seconds: applies to jwks_url only"));
}

TEST(ConfigOidcTest, JwksUrlMustBeHttpsExceptOnLoopback) {
  EXPECT_OK(Load(R"(
[[auth.oidc.issuers]]
name = "local"
issuer = "https://login.example.com/"
audiences = ["strata"]
jwks_url = "http://localhost:9000/keys"
)"));
  for (std::string_view url :
       {"http://login.example.com/keys", "ftp://login.example.com/keys",
        "https://user@login.example.com/keys", "https:///keys", "http://10.0.0.1/keys"}) {
    const Status status = Load(std::string(R"(
[[auth.oidc.issuers]]
name = "corp"
issuer = "https://login.example.com/"
audiences = ["strata"]
jwks_url = ")") + std::string(url) +
                               "\"\n");
    ASSERT_FALSE(status.ok()) << url;
    EXPECT_THAT(status.message(), HasSubstr("auth.oidc.issuers 'corp': option jwks_url")) << url;
  }
}

TEST(ConfigOidcTest, BadValuesNameTheIssuerAndOption) {
  struct Case {
    std::string extra;
    std::string expected;
  };
  const Case cases[] = {
      {"leeway_seconds = 61\n", "option leeway_seconds: expected an integer in [0, 60]"},
      {"leeway_seconds = -1\n", "option leeway_seconds"},
      {"types = []\n", "option types"},
      {"subject_claim = \"\"\n", "option subject_claim"},
      {"groups_claim = \"\"\n", "option groups_claim"},
      {"jwks_refresh_seconds = 5\n", "option jwks_refresh_seconds: expected an integer in"},
      {"[auth.oidc.issuers.attribute_claims]\n\"bad-name\" = \"x\"\n",
       "option attribute_claims.bad-name"},
      {"[auth.oidc.issuers.attribute_claims]\nregion = 3\n", "option attribute_claims.region"},
      {"leeway_seconds = \"5\"\n", "option leeway_seconds: expected an integer"},
      {"audiences = \"strata\"\n", "option audiences: expected an array of strings"},
      {"map_scope = 1\n", "option map_scope: expected a boolean"},
      {"audience = [\"x\"]\n", "unknown option 'audience' (did you mean 'audiences'?)"},
  };
  for (const Case& test : cases) {
    const Status status = Load(Issuer(test.extra));
    ASSERT_FALSE(status.ok()) << test.extra;
    EXPECT_THAT(status.message(), HasSubstr("auth.oidc.issuers 'corp'")) << test.extra;
    EXPECT_THAT(status.message(), HasSubstr(test.expected)) << test.extra;
  }
}

TEST(ConfigOidcTest, RequiredOptions) {
  EXPECT_THAT(Load("[[auth.oidc.issuers]]\nissuer = \"x\"\n").message(),
              HasSubstr("option name: required"));
  EXPECT_THAT(Load("[[auth.oidc.issuers]]\nname = \"Corp\"\n").message(),
              HasSubstr("option name: expected [a-z0-9][a-z0-9_-]{0,31}"));
  EXPECT_THAT(Load("[[auth.oidc.issuers]]\nname = \"a:b\"\n").message(), HasSubstr("option name"));
  EXPECT_THAT(Load("[[auth.oidc.issuers]]\nname = \"corp\"\n").message(),
              HasSubstr("auth.oidc.issuers 'corp': option issuer: required"));
  EXPECT_THAT(Load("[[auth.oidc.issuers]]\nname = \"corp\"\nissuer = \"x\"\n").message(),
              HasSubstr("option audiences: required"));
  EXPECT_THAT(Load(Issuer("audiences = [\"\"]\n")).message(), HasSubstr("an audience is empty"));
}

TEST(ConfigOidcTest, NamesAndIssuersAreUnique) {
  const std::string same_name = std::string(kMinimal) + R"(
[[auth.oidc.issuers]]
name = "corp"
issuer = "https://other.example/"
audiences = ["strata"]
jwks_url = "https://other.example/jwks.json"
)";
  EXPECT_THAT(Load(same_name).message(), HasSubstr("option name: used by two issuers"));
  const std::string same_issuer = std::string(kMinimal) + R"(
[[auth.oidc.issuers]]
name = "other"
issuer = "https://login.example.com/"
audiences = ["strata"]
jwks_url = "https://other.example/jwks.json"
)";
  EXPECT_THAT(Load(same_issuer).message(),
              HasSubstr("auth.oidc.issuers 'other': option issuer: "
                        "'https://login.example.com/' is also the issuer of 'corp'"));
}

TEST(ConfigOidcTest, WrongShapesAreClear) {
  EXPECT_THAT(Load("[auth.oidc.issuers]\nname = \"corp\"\n").message(),
              HasSubstr("expected an array of tables ([[auth.oidc.issuers]])"));
  EXPECT_THAT(Load("[auth.oidc]\nissuers = [\"corp\"]\n").message(),
              HasSubstr("auth.oidc.issuers[0]: expected a table"));
  EXPECT_THAT(Load(Issuer("audiences = [1]\n")).message(),
              HasSubstr("option audiences: expected an array of strings"));
  Config config;
  const Status set = ApplyConfigOption(config, "auth.oidc.issuers", "x");
  EXPECT_THAT(set.message(), HasSubstr("set only in the configuration file"));
  const Status typo = ApplyConfigOption(config, "auth.oidc.issuer", "x");
  EXPECT_THAT(typo.message(), HasSubstr("did you mean 'auth.oidc.issuers'?"));
}

}  // namespace
}  // namespace strata
