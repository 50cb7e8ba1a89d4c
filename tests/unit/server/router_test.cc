#include "server/api/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace strata::server {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// A handler that answers with its own label, so tests can see which route ran.
Handler Named(std::string label) {
  return [label](const RequestContext&) -> Result<ApiResponse> {
    return ApiResponse::Json(200, label);
  };
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(Method::kGet, "/v1/datasets", Named("list"));
    router_.Add(Method::kPost, "/v1/datasets", Named("create"));
    router_.Add(Method::kGet, "/v1/datasets/{id}", Named("get"));
    router_.Add(Method::kPut, "/v1/datasets/{id}", Named("replace"));
    router_.Add(Method::kDelete, "/v1/datasets/{id}", Named("delete"));
    router_.Add(Method::kGet, "/v1/datasets/{id}/schema/versions/{version}", Named("version"));
    router_.Add(Method::kPost, "/v1/datasets/{id}/rows", Named("ingest"));
    router_.Add(Method::kGet, "/", Named("root"), RouteOptions{.public_route = true});
  }

  std::string Run(const Router::Match& match) {
    if (match.route == nullptr) return "<none>";
    ApiRequest request;
    security::Principal principal;
    ApiOptions options;
    RequestContext context{request, principal, match.params, options};
    Result<ApiResponse> response = match.route->handler(context);
    return response.ok() ? response->body : response.status().ToString();
  }

  Router router_;
};

TEST_F(RouterTest, LiteralMatch) {
  Router::Match match = router_.Find(Method::kGet, "/v1/datasets");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->pattern, "/v1/datasets");
  EXPECT_EQ(match.route->method, Method::kGet);
  EXPECT_THAT(match.params, IsEmpty());
  EXPECT_THAT(match.allowed, IsEmpty());
  EXPECT_EQ(Run(match), "list");
  EXPECT_EQ(Run(router_.Find(Method::kPost, "/v1/datasets")), "create");
}

TEST_F(RouterTest, ParamsAreCaptured) {
  Router::Match match = router_.Find(Method::kGet, "/v1/datasets/web_logs");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->pattern, "/v1/datasets/{id}");
  EXPECT_THAT(match.params, ElementsAre(Pair("id", "web_logs")));
  EXPECT_EQ(Run(match), "get");

  Router::Match nested = router_.Find(Method::kGet, "/v1/datasets/logs/schema/versions/3");
  ASSERT_NE(nested.route, nullptr);
  EXPECT_THAT(nested.params, ElementsAre(Pair("id", "logs"), Pair("version", "3")));

  ApiRequest request;
  security::Principal principal;
  ApiOptions options;
  RequestContext context{request, principal, nested.params, options};
  EXPECT_EQ(context.Param("id"), "logs");
  EXPECT_EQ(context.Param("version"), "3");
}

TEST_F(RouterTest, ParamsTakeAnyNonEmptySegment) {
  Router::Match match = router_.Find(Method::kGet, "/v1/datasets/a b%2Fc.d");
  ASSERT_NE(match.route, nullptr);
  EXPECT_THAT(match.params, ElementsAre(Pair("id", "a b%2Fc.d")));
}

TEST_F(RouterTest, WrongMethodListsAllowedMethodsIncludingHead) {
  Router::Match match = router_.Find(Method::kPatch, "/v1/datasets/logs");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_THAT(match.allowed,
              UnorderedElementsAre(Method::kGet, Method::kPut, Method::kDelete, Method::kHead));

  Router::Match collection = router_.Find(Method::kDelete, "/v1/datasets");
  EXPECT_EQ(collection.route, nullptr);
  EXPECT_THAT(collection.allowed, UnorderedElementsAre(Method::kGet, Method::kPost, Method::kHead));
}

TEST_F(RouterTest, NoHeadWithoutGet) {
  Router::Match match = router_.Find(Method::kGet, "/v1/datasets/logs/rows");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_THAT(match.allowed, ElementsAre(Method::kPost));
  Router::Match head = router_.Find(Method::kHead, "/v1/datasets/logs/rows");
  EXPECT_EQ(head.route, nullptr);
  EXPECT_THAT(head.allowed, ElementsAre(Method::kPost));
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  Router::Match match = router_.Find(Method::kHead, "/v1/datasets/logs");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->method, Method::kGet);
  EXPECT_THAT(match.params, ElementsAre(Pair("id", "logs")));
  EXPECT_THAT(match.allowed, IsEmpty());
  EXPECT_EQ(Run(match), "get");
}

TEST_F(RouterTest, ExplicitHeadRouteWins) {
  router_.Add(Method::kHead, "/v1/datasets/{id}", Named("head"));
  EXPECT_EQ(Run(router_.Find(Method::kHead, "/v1/datasets/logs")), "head");
}

TEST_F(RouterTest, TrailingSlashAndEmptySegmentsDoNotMatch) {
  for (std::string_view path : {"/v1/datasets/", "/v1/datasets//", "/v1//datasets", "//v1/datasets",
                                "/v1/datasets//schema/versions/1",
                                "/v1/datasets/logs/schema/versions/", "/v1/datasets/logs/"}) {
    SCOPED_TRACE(path);
    Router::Match match = router_.Find(Method::kGet, path);
    EXPECT_EQ(match.route, nullptr);
    EXPECT_THAT(match.allowed, IsEmpty());  // A 404, not a 405.
  }
}

TEST_F(RouterTest, OtherPathsDoNotMatch) {
  for (std::string_view path : {"", "v1/datasets", "/V1/datasets", "/v1/dataset",
                                "/v1/datasets/a/b", "/v1", "/v1/datasets/logs/schema/versions"}) {
    SCOPED_TRACE(path);
    Router::Match match = router_.Find(Method::kGet, path);
    EXPECT_EQ(match.route, nullptr);
    EXPECT_THAT(match.allowed, IsEmpty());
  }
}

TEST_F(RouterTest, RootRoute) {
  Router::Match match = router_.Find(Method::kGet, "/");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(Run(match), "root");
  EXPECT_TRUE(match.route->options.public_route);
  EXPECT_FALSE(router_.Find(Method::kGet, "/v1/datasets").route->options.public_route);
}

TEST_F(RouterTest, RoutesKeepRegistrationOrderAndSegments) {
  ASSERT_EQ(router_.routes().size(), 8u);
  EXPECT_EQ(router_.routes()[2].pattern, "/v1/datasets/{id}");
  EXPECT_THAT(router_.routes()[2].segments, ElementsAre("v1", "datasets", "{id}"));
}

TEST(RouterDeathTest, DuplicateRouteIsABug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Router router;
  router.Add(Method::kGet, "/a", Named("a"));
  EXPECT_DEATH(router.Add(Method::kGet, "/a", Named("b")), "check failed");
  EXPECT_DEATH(router.Add(Method::kGet, "no-slash", Named("c")), "check failed");
}

TEST(MethodTest, NamesRoundTrip) {
  for (Method method : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch,
                        Method::kDelete, Method::kOptions}) {
    EXPECT_EQ(ParseMethod(MethodName(method)), method) << MethodName(method);
  }
  EXPECT_EQ(ParseMethod("get"), Method::kOther);
  EXPECT_EQ(ParseMethod("TRACE"), Method::kOther);
  EXPECT_EQ(ParseMethod(""), Method::kOther);
  EXPECT_EQ(MethodName(Method::kOther), "OTHER");
}

}  // namespace
}  // namespace strata::server
