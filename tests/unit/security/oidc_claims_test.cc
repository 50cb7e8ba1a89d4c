// Claims of a verified external token -> Strata identity (security/oidc_claims.h).
#include "security/oidc_claims.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.h"

namespace strata::security {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

OidcIssuerConfig Corp() {
  OidcIssuerConfig issuer;
  issuer.name = "corp";
  issuer.issuer = "https://login.example.com/";
  issuer.audiences = {"strata"};
  issuer.jwks_file = "/unused";
  return issuer;
}

json::Value Claims(std::string_view text) {
  Result<json::Value> parsed = json::Parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? std::move(parsed).value() : json::Value::Object();
}

void ExpectRefused(const OidcIssuerConfig& issuer, std::string_view claims,
                   std::string_view reason) {
  Result<OidcIdentity> identity = MapOidcClaims(issuer, Claims(claims));
  ASSERT_FALSE(identity.ok()) << claims;
  EXPECT_EQ(identity.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(identity.status().problem_code(), "invalid_token");
  EXPECT_THAT(identity.status().message(), HasSubstr(reason)) << claims;
}

TEST(OidcClaimsTest, SubjectGroupsAndCredential) {
  ASSERT_OK_AND_ASSIGN(
      OidcIdentity identity,
      MapOidcClaims(Corp(), Claims(R"({"sub":"alice","jti":"t-1","groups":["eng","ops"]})")));
  EXPECT_EQ(identity.ref, "oidc:corp:alice");
  EXPECT_THAT(identity.groups, ElementsAre("corp:eng", "corp:ops"));
  EXPECT_EQ(identity.credential, "oidc:corp:t-1");
  EXPECT_FALSE(identity.scopes.has_value());
  EXPECT_TRUE(identity.attributes.empty());
}

TEST(OidcClaimsTest, CredentialFallsBackToTheSubject) {
  ASSERT_OK_AND_ASSIGN(OidcIdentity identity, MapOidcClaims(Corp(), Claims(R"({"sub":"bob"})")));
  EXPECT_EQ(identity.credential, "oidc:corp:bob");
  ASSERT_OK_AND_ASSIGN(identity, MapOidcClaims(Corp(), Claims(R"({"sub":"bob","jti":"a\nb"})")));
  EXPECT_EQ(identity.credential, "oidc:corp:bob");
}

TEST(OidcClaimsTest, GroupsClaimShapes) {
  ASSERT_OK_AND_ASSIGN(OidcIdentity one,
                       MapOidcClaims(Corp(), Claims(R"({"sub":"a","groups":"eng"})")));
  EXPECT_THAT(one.groups, ElementsAre("corp:eng"));
  ASSERT_OK_AND_ASSIGN(OidcIdentity missing, MapOidcClaims(Corp(), Claims(R"({"sub":"a"})")));
  EXPECT_THAT(missing.groups, IsEmpty());
  ASSERT_OK_AND_ASSIGN(OidcIdentity null_groups,
                       MapOidcClaims(Corp(), Claims(R"({"sub":"a","groups":null})")));
  EXPECT_THAT(null_groups.groups, IsEmpty());
  ASSERT_OK_AND_ASSIGN(OidcIdentity deduplicated,
                       MapOidcClaims(Corp(), Claims(R"({"sub":"a","groups":["x","","x","y"]})")));
  EXPECT_THAT(deduplicated.groups, ElementsAre("corp:x", "corp:y"));

  const std::string wrong_type = "the groups claim must be a string or an array of strings";
  ExpectRefused(Corp(), R"({"sub":"a","groups":3})", wrong_type);
  ExpectRefused(Corp(), R"({"sub":"a","groups":{"eng":true}})", wrong_type);
  ExpectRefused(Corp(), R"({"sub":"a","groups":["eng",7]})", wrong_type);
  ExpectRefused(Corp(), R"({"sub":"a","groups":["a\u0000b"]})", "control characters");
  std::string many = R"({"sub":"a","groups":[)";
  for (size_t group_idx = 0; group_idx <= kMaxOidcGroups; ++group_idx) {
    many += (group_idx ? ",\"g" : "\"g") + std::to_string(group_idx) + "\"";
  }
  ExpectRefused(Corp(), many + "]}", "too many groups");
}

TEST(OidcClaimsTest, GroupPrefixAndCustomClaimNames) {
  OidcIssuerConfig issuer = Corp();
  issuer.group_prefix = "";
  issuer.subject_claim = "oid";
  issuer.groups_claim = "/realm_access/roles";
  ASSERT_OK_AND_ASSIGN(OidcIdentity identity,
                       MapOidcClaims(issuer, Claims(R"({"sub":"ignored","oid":"0000-1111",
                                       "realm_access":{"roles":["admins"]}})")));
  EXPECT_EQ(identity.ref, "oidc:corp:0000-1111");
  EXPECT_THAT(identity.groups, ElementsAre("admins"));

  issuer.group_prefix = "ext/";
  issuer.groups_claim = "https://example.com/groups";  // Auth0-style namespaced claim.
  ASSERT_OK_AND_ASSIGN(
      identity, MapOidcClaims(issuer, Claims(R"({"oid":"x","https://example.com/groups":["a"]})")));
  EXPECT_THAT(identity.groups, ElementsAre("ext/a"));
}

TEST(OidcClaimsTest, JsonPointerClaims) {
  const json::Value claims = Claims(R"({"a":{"b/c":{"~d":[10,"x"]}},"e":"f"})");
  EXPECT_EQ(FindClaim(claims, "e")->string_value(), "f");
  EXPECT_EQ(FindClaim(claims, "/e")->string_value(), "f");
  EXPECT_EQ(FindClaim(claims, "/a/b~1c/~0d/1")->string_value(), "x");
  EXPECT_EQ(FindClaim(claims, "/a/b~1c/~0d/0")->int64_value(), 10);
  EXPECT_EQ(FindClaim(claims, "/a/b~1c/~0d/2"), nullptr);
  EXPECT_EQ(FindClaim(claims, "/a/b~1c/~0d/01"), nullptr);
  EXPECT_EQ(FindClaim(claims, "/a/missing"), nullptr);
  EXPECT_EQ(FindClaim(claims, "/e/deeper"), nullptr);
  EXPECT_EQ(FindClaim(claims, "a/b"), nullptr);  // Not a pointer: a member name.
}

TEST(OidcClaimsTest, SubjectMustBeAShortString) {
  ExpectRefused(Corp(), R"({"groups":["a"]})", "subject claim is missing");
  ExpectRefused(Corp(), R"({"sub":42})", "subject claim is missing or not a string");
  ExpectRefused(Corp(), R"({"sub":""})", "subject claim is missing");
  ExpectRefused(Corp(), R"({"sub":"a\tb"})", "control characters");
  ExpectRefused(Corp(), R"({"sub":")" + std::string(kMaxOidcSubjectBytes + 1, 'x') + "\"}",
                "too long");
}

TEST(OidcClaimsTest, AttributesFromStringsNumbersAndBooleans) {
  OidcIssuerConfig issuer = Corp();
  issuer.attribute_claims = {{"region", "region"},         {"level", "lvl"},     {"ratio", "ratio"},
                             {"admin", "is_admin"},        {"big", "big"},       {"tags", "tags"},
                             {"profile", "profile"},       {"absent", "absent"}, {"none", "none"},
                             {"city", "/address/locality"}};
  ASSERT_OK_AND_ASSIGN(OidcIdentity identity,
                       MapOidcClaims(issuer, Claims(R"({"sub":"a","region":"eu","lvl":3,"ratio":0.5,
                                       "is_admin":false,"big":18446744073709551615,
                                       "tags":["x"],"profile":{"k":"v"},"none":null,
                                       "address":{"locality":"Oslo"}})")));
  EXPECT_EQ(identity.attributes.size(), 6u);
  EXPECT_EQ(identity.attributes["region"], "eu");
  EXPECT_EQ(identity.attributes["level"], "3");
  EXPECT_EQ(identity.attributes["ratio"], "0.5");
  EXPECT_EQ(identity.attributes["admin"], "false");
  EXPECT_EQ(identity.attributes["big"], "18446744073709551615");
  EXPECT_EQ(identity.attributes["city"], "Oslo");
}

TEST(OidcClaimsTest, ScopesOnlyWhenMapped) {
  OidcIssuerConfig issuer = Corp();
  ASSERT_OK_AND_ASSIGN(OidcIdentity unmapped,
                       MapOidcClaims(issuer, Claims(R"({"sub":"a","scope":"data:read"})")));
  EXPECT_FALSE(unmapped.scopes.has_value());

  issuer.map_scope = true;
  ASSERT_OK_AND_ASSIGN(
      OidcIdentity scope,
      MapOidcClaims(issuer, Claims(R"({"sub":"a","scope":" data:read  datasets:read"})")));
  EXPECT_THAT(*scope.scopes, ElementsAre("data:read", "datasets:read"));
  ASSERT_OK_AND_ASSIGN(OidcIdentity scp_string,
                       MapOidcClaims(issuer, Claims(R"({"sub":"a","scp":"data:read"})")));
  EXPECT_THAT(*scp_string.scopes, ElementsAre("data:read"));
  ASSERT_OK_AND_ASSIGN(OidcIdentity scp_array,
                       MapOidcClaims(issuer, Claims(R"({"sub":"a","scp":["a","b"]})")));
  EXPECT_THAT(*scp_array.scopes, ElementsAre("a", "b"));
  ASSERT_OK_AND_ASSIGN(OidcIdentity neither, MapOidcClaims(issuer, Claims(R"({"sub":"a"})")));
  ASSERT_TRUE(neither.scopes.has_value());
  EXPECT_THAT(*neither.scopes, IsEmpty());  // Mapped but absent: nothing, not everything.
  ExpectRefused(issuer, R"({"sub":"a","scp":[1]})", "claim 'scp'");
  ExpectRefused(issuer, R"({"sub":"a","scope":["a"]})", "claim 'scope' must be a string");
}

}  // namespace
}  // namespace strata::security
