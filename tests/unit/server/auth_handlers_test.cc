// The OAuth routes through the Dispatcher: form parsing, client authentication, RFC 6749 error
// shapes, no-store, discovery and JWKS documents, Bearer access tokens, MFA enrolment.
#include "server/api/handlers/auth_handlers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/ids.h"
#include "common/json.h"
#include "common/time_util.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "security/bearer_token_chain.h"
#include "security/encoding.h"
#include "security/password_hash.h"
#include "security/totp.h"
#include "server/api/dispatcher.h"
#include "test_util.h"

namespace strata::server {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kIssuer = "http://127.0.0.1:8080";
constexpr std::string_view kForm = "application/x-www-form-urlencoded";

std::string HeaderOf(const ApiResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

json::Value BodyOf(const ApiResponse& response) {
  Result<json::Value> body = json::Parse(response.body);
  EXPECT_TRUE(body.ok()) << response.body;
  return body.ok() ? *body : json::Value();
}

security::PasswordParams FastParams() {
  security::PasswordParams params;
  params.memory_kib = 64;
  params.iterations = 1;
  return params;
}

class AuthHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, meta::OpenSqliteMetaStore(":memory:"));
    authenticator_ = std::make_unique<security::Authenticator>(*store_, authorizer_);
    ASSERT_OK_AND_ASSIGN(std::optional<std::string> key, authenticator_->EnsureBootstrapAdmin(""));
    admin_key_ = key.value();
    ASSERT_OK_AND_ASSIGN(keys_, security::KeyRingStore::Open(*store_, security::KeyRingOptions{},
                                                             NowMicros() / 1'000'000));
    revoked_ = std::make_unique<security::RevokedTokenList>(*store_);
    security::AccessTokenOptions access;
    access.issuer = std::string(kIssuer);
    verifier_ = std::make_unique<security::AccessTokenVerifier>(*keys_, *revoked_, *store_,
                                                                authorizer_, access);
    chain_.Add(verifier_.get());
    authenticator_->SetTokenVerifier(&chain_);
    service::LoginThrottleOptions throttle_options;
    throttle_options.max_failures = 3;
    throttle_ = std::make_unique<service::LoginThrottle>(throttle_options);
    ASSERT_OK_AND_ASSIGN(passwords_, service::PasswordChecker::Create(FastParams(), 2));
    service::TokenServiceOptions options;
    options.password_grant = true;
    tokens_ = std::make_unique<service::TokenService>(*store_, authorizer_, *keys_, *verifier_,
                                                      *throttle_, *passwords_, options);
    mfa_ = std::make_unique<service::MfaService>(*store_, *throttle_, service::MfaOptions{});
    AddAuthRoutes(router_, *tokens_, *mfa_);
    dispatcher_ = std::make_unique<Dispatcher>(router_, *authenticator_, ApiOptions{});
    AddAccount("ana", "user", "ana-password", "reader");
    AddAccount("etl", "service", "etl-secret", "writer");
  }

  void AddAccount(const std::string& name, const std::string& kind, const std::string& secret,
                  const std::string& role) {
    meta::UserRecord user;
    user.name = name;
    user.kind = kind;
    ASSERT_OK_AND_ASSIGN(user.password_hash, security::HashPassword(secret, FastParams()));
    ASSERT_OK(store_->identity().CreateUser(user));
    ASSERT_OK(store_->identity().CreateGrant({NewUlid(), kind + ":" + name, role, "*", "t", 0}));
  }

  ApiResponse Send(Method method, std::string path, std::string body = "",
                   std::string content_type = std::string(kForm), Params headers = {}) {
    ApiRequest request;
    request.method = method;
    const size_t question = path.find('?');
    if (question != std::string::npos) {
      EXPECT_TRUE(ParseQueryString(path.substr(question + 1), request.query));
      path.resize(question);
    }
    request.path = path;
    request.body = std::move(body);
    request.request_id = "req-1";
    request.peer = "192.0.2.10:40000";
    if (!content_type.empty()) request.headers.emplace_back("content-type", content_type);
    for (auto& header : headers) request.headers.push_back(std::move(header));
    std::string principal;
    return dispatcher_->Run(request, dispatcher_->FindRoute(request), principal);
  }

  ApiResponse Token(std::string form, Params headers = {}) {
    return Send(Method::kPost, "/v1/auth/token", std::move(form), std::string(kForm),
                std::move(headers));
  }

  std::string AccessToken() {
    ApiResponse response = Token("grant_type=password&username=ana&password=ana-password");
    EXPECT_EQ(response.status, 200) << response.body;
    return BodyOf(response).Find("access_token")->string_value();
  }

  void ExpectOAuthError(const ApiResponse& response, int status, std::string_view error) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_EQ(HeaderOf(response, "Cache-Control"), "no-store");
    const json::Value body = BodyOf(response);
    ASSERT_TRUE(body.is_object());
    ASSERT_NE(body.Find("error"), nullptr) << response.body;
    EXPECT_EQ(body.Find("error")->string_value(), error) << response.body;
    for (const auto& [name, value] : body.members()) {
      EXPECT_TRUE(name == "error" || name == "error_description") << name;
    }
  }

  std::unique_ptr<meta::MetaStore> store_;
  security::Authorizer authorizer_;
  std::unique_ptr<security::Authenticator> authenticator_;
  std::string admin_key_;
  std::unique_ptr<security::KeyRingStore> keys_;
  std::unique_ptr<security::RevokedTokenList> revoked_;
  std::unique_ptr<security::AccessTokenVerifier> verifier_;
  security::BearerTokenChain chain_;
  std::unique_ptr<service::LoginThrottle> throttle_;
  std::unique_ptr<service::PasswordChecker> passwords_;
  std::unique_ptr<service::TokenService> tokens_;
  std::unique_ptr<service::MfaService> mfa_;
  Router router_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(AuthHandlersTest, PasswordGrantAnswersTokensWithNoStore) {
  ApiResponse response =
      Token("grant_type=password&username=ana&password=ana-password&scope=datasets%3Aread");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(HeaderOf(response, "Cache-Control"), "no-store");
  const json::Value body = BodyOf(response);
  EXPECT_EQ(body.Find("token_type")->string_value(), "Bearer");
  EXPECT_EQ(body.Find("expires_in")->int64_value(), 900);
  EXPECT_EQ(body.Find("scope")->string_value(), "datasets:read");
  EXPECT_TRUE(body.Find("refresh_token")->string_value().rfind("strata_rt_", 0) == 0);
  EXPECT_TRUE(security::LooksLikeJwt(body.Find("access_token")->string_value()));
}

TEST_F(AuthHandlersTest, MalformedFormsAreInvalidRequest) {
  ExpectOAuthError(
      Send(Method::kPost, "/v1/auth/token", "{\"grant_type\":\"password\"}", "application/json"),
      400, "invalid_request");
  ExpectOAuthError(
      Send(Method::kPost, "/v1/auth/token?grant_type=password", "", std::string(kForm)), 400,
      "invalid_request");
  ExpectOAuthError(Token("grant_type=password&grant_type=password"), 400, "invalid_request");
  ExpectOAuthError(Token("grant_type=password&username=%zz"), 400, "invalid_request");
  ExpectOAuthError(Token(""), 400, "invalid_request");
  ExpectOAuthError(Token("grant_type=implicit"), 400, "unsupported_grant_type");
  ExpectOAuthError(Token("grant_type=password&username=ana&password=ana-password&scope=x"), 400,
                   "invalid_scope");
  ExpectOAuthError(Token("grant_type=password&username=ana&password=wrong"), 400, "invalid_grant");
  ExpectOAuthError(Token("grant_type=refresh_token&refresh_token=strata_rt_x"), 400,
                   "invalid_grant");
  // A parameter without a value is omitted (RFC 6749 §3.1).
  ExpectOAuthError(Token("grant_type=password&username=ana&password="), 400, "invalid_request");
}

TEST_F(AuthHandlersTest, ClientCredentialsByBasicOrBody) {
  const std::string basic = "Basic " + security::Base64EncodeUnpadded("etl:etl-secret") + "=";
  ApiResponse response = Token("grant_type=client_credentials", {{"authorization", basic}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(BodyOf(response).Find("refresh_token"), nullptr);
  ASSERT_EQ(Token("grant_type=client_credentials&client_id=etl&client_secret=etl-secret").status,
            200);

  const std::string wrong = "Basic " + security::Base64EncodeUnpadded("etl:nope");
  response = Token("grant_type=client_credentials", {{"authorization", wrong}});
  ExpectOAuthError(response, 401, "invalid_client");
  EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"), "Basic realm=\"strata\"");
  ExpectOAuthError(Token("grant_type=client_credentials", {{"authorization", "Basic !!!"}}), 401,
                   "invalid_client");
  ExpectOAuthError(Token("grant_type=client_credentials&client_id=etl&client_secret=nope"), 401,
                   "invalid_client");
  ExpectOAuthError(
      Token("grant_type=client_credentials&client_secret=etl-secret", {{"authorization", basic}}),
      400, "invalid_request");
  ExpectOAuthError(Token("grant_type=client_credentials", {{"authorization", "Bearer x"}}), 400,
                   "invalid_request");
  // Form-encoded parts of Basic are decoded (RFC 6749 §2.3.1).
  AddAccount("a+b", "service", "s:e c", "reader");
  const std::string encoded = "Basic " + security::Base64EncodeUnpadded("a%2Bb:s%3Ae+c");
  EXPECT_EQ(Token("grant_type=client_credentials", {{"authorization", encoded}}).status, 200);
}

TEST_F(AuthHandlersTest, ThrottledSignInsAre429WithRetryAfter) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    Token("grant_type=password&username=ana&password=wrong");
  }
  ApiResponse response = Token("grant_type=password&username=ana&password=ana-password");
  ExpectOAuthError(response, 429, "slow_down");
  EXPECT_EQ(HeaderOf(response, "Retry-After"), "1");
}

TEST_F(AuthHandlersTest, AccessTokensAuthenticateAndCanBeIntrospectedAndRevoked) {
  const std::string token = AccessToken();
  const Params bearer = {{"authorization", "Bearer " + token}};
  ApiResponse response =
      Send(Method::kPost, "/v1/auth/introspect", "token=" + token, std::string(kForm), bearer);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(HeaderOf(response, "Cache-Control"), "no-store");
  json::Value state = BodyOf(response);
  EXPECT_TRUE(state.Find("active")->bool_value());
  EXPECT_EQ(state.Find("sub")->string_value(), "user:ana");
  EXPECT_EQ(state.Find("username")->string_value(), "ana");
  EXPECT_EQ(state.Find("iss")->string_value(), kIssuer);
  EXPECT_EQ(state.Find("token_type")->string_value(), "Bearer");

  response =
      Send(Method::kPost, "/v1/auth/introspect", "token=garbage", std::string(kForm), bearer);
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "{\"active\":false}");

  ExpectOAuthError(Send(Method::kPost, "/v1/auth/revoke", "", std::string(kForm), bearer), 400,
                   "invalid_request");
  response = Send(Method::kPost, "/v1/auth/revoke", "token=" + token + "&token_type_hint=foo",
                  std::string(kForm), bearer);
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_TRUE(response.body.empty());
  // Revoked: the token no longer authenticates (a problem with a Bearer challenge).
  response = Send(Method::kPost, "/v1/auth/introspect", "token=x", std::string(kForm), bearer);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_THAT(HeaderOf(response, "WWW-Authenticate"), HasSubstr("invalid_token"));
  // Without credentials.
  response = Send(Method::kPost, "/v1/auth/revoke", "token=x");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"), "Bearer realm=\"strata\"");
}

TEST_F(AuthHandlersTest, DiscoveryAndJwks) {
  for (const char* path :
       {"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"}) {
    ApiResponse response = Send(Method::kGet, path, "", "");
    ASSERT_EQ(response.status, 200) << path;
    const json::Value doc = BodyOf(response);
    EXPECT_EQ(doc.Find("issuer")->string_value(), kIssuer);
    EXPECT_EQ(doc.Find("token_endpoint")->string_value(), std::string(kIssuer) + "/v1/auth/token");
    EXPECT_EQ(doc.Find("jwks_uri")->string_value(),
              std::string(kIssuer) + "/.well-known/jwks.json");
    EXPECT_EQ(doc.Find("revocation_endpoint")->string_value(),
              std::string(kIssuer) + "/v1/auth/revoke");
    EXPECT_EQ(doc.Find("introspection_endpoint")->string_value(),
              std::string(kIssuer) + "/v1/auth/introspect");
    EXPECT_EQ(json::Serialize(*doc.Find("grant_types_supported")),
              "[\"password\",\"client_credentials\",\"refresh_token\"]");
    EXPECT_EQ(json::Serialize(*doc.Find("id_token_signing_alg_values_supported")), "[\"EdDSA\"]");
    EXPECT_EQ(json::Serialize(*doc.Find("subject_types_supported")), "[\"public\"]");
    EXPECT_NE(json::Serialize(*doc.Find("scopes_supported")).find("\"datasets:read\""),
              std::string::npos);
  }
  ApiResponse jwks = Send(Method::kGet, "/.well-known/jwks.json", "", "");
  ASSERT_EQ(jwks.status, 200);
  EXPECT_EQ(jwks.content_type, "application/jwk-set+json");
  ASSERT_OK_AND_ASSIGN(security::ParsedJwks parsed, security::ParseJwks(jwks.body));
  ASSERT_EQ(parsed.keys.size(), 1u);
  EXPECT_EQ(parsed.keys[0].kid(), keys_->Current()->ring.current().kid());
}

TEST_F(AuthHandlersTest, MfaEnrolmentOverHttp) {
  const Params admin = {{"authorization", "Bearer " + admin_key_}};
  ApiResponse begun = Send(Method::kPost, "/v1/auth/mfa/totp", "", "", admin);
  ASSERT_EQ(begun.status, 200) << begun.body;
  EXPECT_EQ(HeaderOf(begun, "Cache-Control"), "no-store");
  const std::string secret_text = BodyOf(begun).Find("secret")->string_value();
  EXPECT_THAT(BodyOf(begun).Find("otpauth_uri")->string_value(),
              HasSubstr("otpauth://totp/Strata:admin?secret=" + secret_text));
  const std::string secret = security::Base32Decode(secret_text).value();

  ApiResponse bad =
      Send(Method::kPost, "/v1/auth/mfa/totp/confirm", "{}", "application/json", admin);
  EXPECT_EQ(bad.status, 422) << bad.body;
  for (int attempt = 0; attempt < 3; ++attempt) {
    bad = Send(Method::kPost, "/v1/auth/mfa/totp/confirm", "{\"code\":\"abcdef\"}",
               "application/json", admin);
    EXPECT_EQ(bad.status, 422) << bad.body;
  }
  ApiResponse blocked = Send(Method::kPost, "/v1/auth/mfa/totp/confirm", "{\"code\":\"abcdef\"}",
                             "application/json", admin);
  EXPECT_EQ(blocked.status, 429) << blocked.body;
  EXPECT_EQ(HeaderOf(blocked, "Retry-After"), "1");
  EXPECT_EQ(BodyOf(blocked).Find("errors"), nullptr);
  throttle_->RecordSuccess("user:admin");

  const std::string code = security::TotpCode(secret, security::TotpStep(NowMicros() / 1'000'000));
  ApiResponse confirmed = Send(Method::kPost, "/v1/auth/mfa/totp/confirm",
                               "{\"code\":\"" + code + "\"}", "application/json", admin);
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(HeaderOf(confirmed, "Cache-Control"), "no-store");
  const json::Value codes = *BodyOf(confirmed).Find("recovery_codes");
  ASSERT_EQ(codes.items().size(), 10u);
  ApiResponse again = Send(Method::kPost, "/v1/auth/mfa/totp", "", "", admin);
  EXPECT_EQ(again.status, 409);
  ApiResponse disabled =
      Send(Method::kDelete, "/v1/auth/mfa/totp",
           "{\"code\":\"" + codes.items()[0].string_value() + "\"}", "application/json", admin);
  EXPECT_EQ(disabled.status, 204) << disabled.body;
}

}  // namespace
}  // namespace strata::server
