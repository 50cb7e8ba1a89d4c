#include "server/api/cors_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "meta/sqlite/sqlite_meta_store.h"
#include "server/api/dispatcher.h"
#include "test_util.h"

namespace strata::server {
namespace {

using ::testing::HasSubstr;

constexpr const char* kApp = "https://app.example.com";

std::optional<std::string> HeaderOf(const ApiResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

int CountCorsHeaders(const ApiResponse& response) {
  int count = 0;
  for (const auto& [key, value] : response.headers) count += key.starts_with("Access-Control-");
  return count;
}

ApiRequest Request(Method method, Params headers) {
  ApiRequest request;
  request.method = method;
  request.path = "/v1/datasets";
  request.headers = std::move(headers);
  request.request_id = "req-1";
  return request;
}

ApiRequest PreflightFrom(std::string origin) {
  return Request(Method::kOptions, {{"origin", std::move(origin)},
                                    {"access-control-request-method", "POST"},
                                    {"access-control-request-headers", "authorization"}});
}

CorsPolicy AppOnly() { return CorsPolicy({kApp, "http://localhost:5173"}); }

TEST(CorsPolicyTest, OffAddsNothingAndSeesNoPreflight) {
  const CorsPolicy off;
  EXPECT_FALSE(off.enabled());
  EXPECT_FALSE(off.IsPreflight(PreflightFrom(kApp)));
  ApiResponse response = ApiResponse::Json(200, "{}");
  off.Decorate(Request(Method::kGet, {{"origin", kApp}}), response);
  EXPECT_TRUE(response.headers.empty());
}

TEST(CorsPolicyTest, OriginsMatchExactlyIgnoringAsciiCase) {
  const CorsPolicy policy = AppOnly();
  EXPECT_TRUE(policy.IsAllowedOrigin(kApp));
  EXPECT_TRUE(policy.IsAllowedOrigin("HTTPS://App.Example.com"));
  EXPECT_TRUE(policy.IsAllowedOrigin("http://localhost:5173"));
  EXPECT_FALSE(policy.IsAllowedOrigin("http://app.example.com"));        // Other scheme.
  EXPECT_FALSE(policy.IsAllowedOrigin("https://app.example.com:8443"));  // Other port.
  EXPECT_FALSE(policy.IsAllowedOrigin("https://evil.app.example.com"));
  EXPECT_FALSE(policy.IsAllowedOrigin("https://app.example.com.evil"));
  EXPECT_FALSE(policy.IsAllowedOrigin("null"));
  EXPECT_FALSE(policy.IsAllowedOrigin(""));
}

TEST(CorsPolicyTest, PreflightNeedsOptionsOriginAndRequestMethod) {
  const CorsPolicy policy = AppOnly();
  EXPECT_TRUE(policy.IsPreflight(PreflightFrom(kApp)));
  EXPECT_TRUE(policy.IsPreflight(PreflightFrom("https://other.example")));
  EXPECT_FALSE(policy.IsPreflight(Request(Method::kOptions, {{"origin", kApp}})));
  EXPECT_FALSE(
      policy.IsPreflight(Request(Method::kOptions, {{"access-control-request-method", "POST"}})));
  EXPECT_FALSE(policy.IsPreflight(
      Request(Method::kPost, {{"origin", kApp}, {"access-control-request-method", "POST"}})));
}

TEST(CorsPolicyTest, AllowedPreflightIs204WithAllowHeaders) {
  const ApiResponse response = AppOnly().Preflight(PreflightFrom(kApp));
  EXPECT_EQ(response.status, 204);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), kApp);
  EXPECT_EQ(HeaderOf(response, "Vary"), "Origin");
  EXPECT_EQ(HeaderOf(response, "Access-Control-Max-Age"), "7200");
  const std::string methods = HeaderOf(response, "Access-Control-Allow-Methods").value_or("");
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}) {
    EXPECT_THAT(methods, HasSubstr(method));
  }
  const std::string headers = HeaderOf(response, "Access-Control-Allow-Headers").value_or("");
  for (const char* header : {"Authorization", "Content-Type", "Idempotency-Key", "traceparent",
                             "Tus-Resumable", "Upload-Offset", "If-Match"}) {
    EXPECT_THAT(headers, HasSubstr(header));
  }
  EXPECT_FALSE(HeaderOf(response, "Access-Control-Allow-Credentials").has_value());
}

TEST(CorsPolicyTest, PreflightFromAnotherOriginIs403WithoutCorsHeaders) {
  const ApiResponse response = AppOnly().Preflight(PreflightFrom("https://evil.example"));
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_THAT(response.body, HasSubstr("cors_origin_not_allowed"));
  EXPECT_THAT(response.body, HasSubstr("server.cors.allowed_origins"));
  EXPECT_EQ(CountCorsHeaders(response), 0);
  EXPECT_EQ(HeaderOf(response, "Vary"), "Origin");
}

TEST(CorsPolicyTest, ActualRequestFromAllowedOriginExposesHeaders) {
  ApiResponse response = ApiResponse::Json(201, "{}");
  response.WithHeader("Location", "/v1/datasets/cpu");
  AppOnly().Decorate(Request(Method::kPost, {{"origin", kApp}}), response);
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), kApp);
  EXPECT_EQ(HeaderOf(response, "Vary"), "Origin");
  const std::string exposed = HeaderOf(response, "Access-Control-Expose-Headers").value_or("");
  for (const char* header : {"Location", "ETag", "Link", "Retry-After", "RateLimit",
                             "Strata-Next-Cursor", "Upload-Offset", "X-Request-Id"}) {
    EXPECT_THAT(exposed, HasSubstr(header));
  }
  EXPECT_FALSE(HeaderOf(response, "Access-Control-Allow-Credentials").has_value());
}

TEST(CorsPolicyTest, OtherOriginsAndSameOriginRequestsGetOnlyVary) {
  for (const Params& headers : {Params{{"origin", "https://evil.example"}}, Params{}}) {
    ApiResponse response = ApiResponse::Json(200, "{}");
    AppOnly().Decorate(Request(Method::kGet, headers), response);
    EXPECT_EQ(CountCorsHeaders(response), 0);
    EXPECT_EQ(HeaderOf(response, "Vary"), "Origin");
  }
}

TEST(CorsPolicyTest, VaryOfTheHandlerIsExtendedOnce) {
  ApiResponse response = ApiResponse::Json(200, "{}");
  response.WithHeader("vary", "Accept-Encoding");
  const CorsPolicy policy = AppOnly();
  policy.Decorate(Request(Method::kGet, {{"origin", kApp}}), response);
  policy.Decorate(Request(Method::kGet, {{"origin", kApp}}), response);
  EXPECT_EQ(HeaderOf(response, "vary"), "Accept-Encoding, Origin");
  EXPECT_FALSE(HeaderOf(response, "Vary").has_value());
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), kApp);
  int allow_origin = 0;
  for (const auto& [key, value] : response.headers) {
    allow_origin += key == "Access-Control-Allow-Origin";
  }
  EXPECT_EQ(allow_origin, 1);
}

// Through the Dispatcher: one place for every route, before authentication.
class CorsDispatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<meta::MetaStore>> opened = meta::OpenSqliteMetaStore(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    authenticator_ = std::make_unique<security::Authenticator>(*store_, authorizer_);
    router_.Add(Method::kPost, "/v1/datasets", [](const RequestContext&) -> Result<ApiResponse> {
      ApiResponse response = ApiResponse::Json(200, R"({"access_token":"t"})");
      response.NoStore();
      return response;
    });
    dispatcher_ = std::make_unique<Dispatcher>(router_, *authenticator_, ApiOptions{}, AppOnly());
  }

  ApiResponse Run(const ApiRequest& request) {
    std::string principal;
    return dispatcher_->Run(request, dispatcher_->FindRoute(request), principal);
  }

  std::unique_ptr<meta::MetaStore> store_;
  security::Authorizer authorizer_;
  std::unique_ptr<security::Authenticator> authenticator_;
  Router router_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(CorsDispatchTest, PreflightIsAnsweredWithoutCredentialsOrRoute) {
  const ApiResponse response = Run(PreflightFrom(kApp));
  EXPECT_EQ(response.status, 204);
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), kApp);
}

TEST_F(CorsDispatchTest, ErrorsCarryCorsHeadersSoPagesCanReadThem) {
  const ApiResponse response = Run(Request(Method::kPost, {{"origin", kApp}}));
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), kApp);
  EXPECT_THAT(HeaderOf(response, "Access-Control-Expose-Headers").value_or(""),
              HasSubstr("WWW-Authenticate"));
}

TEST_F(CorsDispatchTest, NoStoreOfAHandlerSurvives) {
  Result<std::optional<std::string>> key = authenticator_->EnsureBootstrapAdmin("");
  ASSERT_TRUE(key.ok() && key->has_value());
  const ApiResponse response =
      Run(Request(Method::kPost, {{"origin", kApp}, {"authorization", "Bearer " + **key}}));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(HeaderOf(response, "Cache-Control"), "no-store");
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), kApp);
}

}  // namespace
}  // namespace strata::server
