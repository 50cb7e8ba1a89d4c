#include "server/api/dispatcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/json.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "security/api_key.h"
#include "server/api/problem.h"
#include "test_util.h"

namespace strata::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string HeaderOf(const ApiResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

std::string ProblemCode(const ApiResponse& response) {
  Result<json::Value> body = json::Parse(response.body);
  if (!body.ok() || body->Find("code") == nullptr) return "<not a problem>";
  return body->Find("code")->string_value();
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<meta::MetaStore>> opened = meta::OpenSqliteMetaStore(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    authenticator_ = std::make_unique<security::Authenticator>(*store_, authorizer_);
    Result<std::optional<std::string>> key = authenticator_->EnsureBootstrapAdmin("");
    ASSERT_TRUE(key.ok() && key->has_value());
    admin_key_ = **key;

    router_.Add(
        Method::kGet, "/public",
        [](const RequestContext& context) -> Result<ApiResponse> {
          return ApiResponse::Json(200, "public:" + context.principal.ref);
        },
        RouteOptions{.public_route = true});
    router_.Add(Method::kGet, "/private/{id}",
                [](const RequestContext& context) -> Result<ApiResponse> {
                  return ApiResponse::Json(200, context.principal.ref + ":" + context.Param("id") +
                                                    ":" + context.principal.roles.at(0));
                });
    router_.Add(Method::kPost, "/private/{id}", [](const RequestContext&) -> Result<ApiResponse> {
      return Status::NotFound("no such thing");
    });
    router_.Add(Method::kPut, "/private/{id}", [](const RequestContext&) -> Result<ApiResponse> {
      return Status::ValidationFailed("bad").WithErrors(
          {ErrorDetail::Pointer("/name", "required")});
    });
    router_.Add(Method::kGet, "/boom", [](const RequestContext&) -> Result<ApiResponse> {
      return Status::Internal("database at /var/lib/secret is broken");
    });
    router_.Add(Method::kGet, "/depth", [](const RequestContext& context) -> Result<ApiResponse> {
      return ApiResponse::Json(200, std::to_string(context.options.max_json_depth));
    });
    // A compatibility route: key from ?p= when there is no header, errors in its own format.
    router_.Add(
        Method::kPost, "/compat",
        [](const RequestContext& context) -> Result<ApiResponse> {
          if (context.request.Query("fail") != nullptr) return Status::NotFound("gone");
          return ApiResponse::Json(200, context.principal.ref);
        },
        RouteOptions{.query_credentials = true,
                     .render_error = [](const Status& status, const ApiRequest&) {
                       return ApiResponse::Json(HttpStatusFor(status.code()),
                                                "compat:" + std::string(status.message()));
                     }});
    dispatcher_ = std::make_unique<Dispatcher>(router_, *authenticator_, ApiOptions{7});
  }

  ApiResponse Send(Method method, std::string path, std::string authorization = "",
                   Params query = {}) {
    ApiRequest request;
    request.method = method;
    request.path = std::move(path);
    request.query = std::move(query);
    request.request_id = "01TESTREQUEST";
    if (!authorization.empty()) request.headers.emplace_back("authorization", authorization);
    principal_ref_ = "<unset>";
    return dispatcher_->Run(request, dispatcher_->FindRoute(request), principal_ref_);
  }

  std::unique_ptr<meta::MetaStore> store_;
  security::Authorizer authorizer_;
  std::unique_ptr<security::Authenticator> authenticator_;
  std::string admin_key_;
  Router router_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::string principal_ref_;
};

TEST_F(DispatcherTest, PublicRouteNeedsNoKey) {
  const ApiResponse response = Send(Method::kGet, "/public");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "public:");
  EXPECT_EQ(principal_ref_, "<unset>");  // Nobody was authenticated.
}

TEST_F(DispatcherTest, PrivateRouteWithoutKeyIs401) {
  const ApiResponse response = Send(Method::kGet, "/private/x");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_EQ(ProblemCode(response), "missing_credentials");
  EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"), R"(Bearer realm="strata")");
  EXPECT_THAT(response.body, HasSubstr("01TESTREQUEST"));
}

TEST_F(DispatcherTest, PrivateRouteWithBadKeyIs401InvalidToken) {
  for (std::string authorization :
       {"Bearer " + security::GenerateApiKey().key, std::string("Basic YWRtaW46YWRtaW4="),
        std::string("Bearer strata_broken")}) {
    SCOPED_TRACE(authorization);
    const ApiResponse response = Send(Method::kGet, "/private/x", authorization);
    EXPECT_EQ(response.status, 401);
    EXPECT_EQ(ProblemCode(response), "invalid_token");
    EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"),
              R"(Bearer realm="strata", error="invalid_token")");
  }
}

TEST_F(DispatcherTest, PrivateRouteWithKeyRunsTheHandler) {
  const ApiResponse response = Send(Method::kGet, "/private/abc", "Bearer " + admin_key_);
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, StartsWith("user:admin:"));
  EXPECT_THAT(response.body, HasSubstr(":abc:admin"));
  EXPECT_EQ(principal_ref_, "user:admin");
  EXPECT_THAT(response.body, StartsWith(principal_ref_ + ":"));
}

TEST_F(DispatcherTest, HeadUsesTheGetRoute) {
  const ApiResponse response = Send(Method::kHead, "/private/abc", "Bearer " + admin_key_);
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, HasSubstr(":abc:"));
}

TEST_F(DispatcherTest, HandlerErrorsBecomeProblems) {
  const ApiResponse not_found = Send(Method::kPost, "/private/x", "Bearer " + admin_key_);
  EXPECT_EQ(not_found.status, 404);
  EXPECT_EQ(not_found.content_type, "application/problem+json");
  EXPECT_EQ(ProblemCode(not_found), "not_found");
  EXPECT_THAT(not_found.body, HasSubstr("no such thing"));

  const ApiResponse invalid = Send(Method::kPut, "/private/x", "Bearer " + admin_key_);
  EXPECT_EQ(invalid.status, 422);
  EXPECT_THAT(invalid.body, HasSubstr(R"("pointer":"/name")"));
}

TEST_F(DispatcherTest, InternalErrorsHideTheirMessage) {
  const ApiResponse response = Send(Method::kGet, "/boom", "Bearer " + admin_key_);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(ProblemCode(response), "internal");
  EXPECT_THAT(response.body, Not(HasSubstr("/var/lib/secret")));
  EXPECT_THAT(response.body, HasSubstr("01TESTREQUEST"));
}

TEST_F(DispatcherTest, UnknownPathIs404) {
  const ApiResponse response = Send(Method::kGet, "/nowhere", "Bearer " + admin_key_);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(ProblemCode(response), "route_not_found");
  EXPECT_THAT(response.body, HasSubstr("/v1/openapi.json"));
  EXPECT_EQ(Send(Method::kGet, "/private/", "Bearer " + admin_key_).status, 404);
}

TEST_F(DispatcherTest, WrongMethodIs405WithAllow) {
  const ApiResponse response = Send(Method::kDelete, "/private/x", "Bearer " + admin_key_);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(ProblemCode(response), "method_not_allowed");
  EXPECT_EQ(HeaderOf(response, "Allow"), "GET, POST, PUT, HEAD");
  EXPECT_THAT(response.body, HasSubstr("DELETE is not allowed"));

  const ApiResponse public_post = Send(Method::kPost, "/public");
  EXPECT_EQ(public_post.status, 405);
  EXPECT_EQ(HeaderOf(public_post, "Allow"), "GET, HEAD");

  // Regression (OWASP API8): TRACE and other unknown methods were named "OTHER", the internal
  // enum's name.
  const ApiResponse trace = Send(Method::kOther, "/public");
  EXPECT_EQ(trace.status, 405);
  EXPECT_THAT(trace.body, HasSubstr("this method is not allowed on /public"));
  EXPECT_THAT(trace.body, Not(HasSubstr("OTHER")));
}

// InfluxDB clients send "Token <key>"; every route takes it like Bearer.
TEST_F(DispatcherTest, TokenSchemeWorksOnEveryRoute) {
  const ApiResponse response = Send(Method::kGet, "/private/abc", "Token " + admin_key_);
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, HasSubstr(":abc:admin"));
}

TEST_F(DispatcherTest, QueryCredentialsOnlyWhereTheRouteTakesThem) {
  const ApiResponse compat = Send(Method::kPost, "/compat", "", {{"u", "x"}, {"p", admin_key_}});
  EXPECT_EQ(compat.status, 200);
  EXPECT_EQ(compat.body, "user:admin");
  // Elsewhere ?p= is not a credential.
  EXPECT_EQ(Send(Method::kGet, "/private/abc", "", {{"p", admin_key_}}).status, 401);
  // The header wins over the query; an empty p is no credential.
  EXPECT_EQ(Send(Method::kPost, "/compat", "Token strata_broken", {{"p", admin_key_}}).status, 401);
  const ApiResponse empty = Send(Method::kPost, "/compat", "", {{"p", ""}});
  EXPECT_EQ(empty.status, 401);
  EXPECT_THAT(empty.body, HasSubstr("missing credentials"));
}

TEST_F(DispatcherTest, RoutesMayRenderTheirOwnErrors) {
  const ApiResponse unauthenticated = Send(Method::kPost, "/compat");
  EXPECT_EQ(unauthenticated.status, 401);
  EXPECT_THAT(unauthenticated.body, StartsWith("compat:missing credentials"));
  const ApiResponse failed =
      Send(Method::kPost, "/compat", "Bearer " + admin_key_, {{"fail", "1"}});
  EXPECT_EQ(failed.status, 404);
  EXPECT_EQ(failed.body, "compat:gone");
}

TEST_F(DispatcherTest, HandlersSeeTheApiOptions) {
  const ApiResponse response = Send(Method::kGet, "/depth", "Bearer " + admin_key_);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "7");
}

}  // namespace
}  // namespace strata::server
