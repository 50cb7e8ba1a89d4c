#include "server/api/request_helpers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace strata::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

ApiRequest WithIfMatch(std::string value) {
  ApiRequest request;
  request.headers.emplace_back("if-match", std::move(value));
  return request;
}

void ExpectMalformedIfMatch(std::string value) {
  Result<service::Precondition> result = ParseIfMatch(WithIfMatch(value));
  ASSERT_FALSE(result.ok()) << "accepted If-Match: " << value;
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(result.status().errors().size(), 1u);
  EXPECT_EQ(result.status().errors()[0].location, ErrorDetail::Location::kHeader);
  EXPECT_EQ(result.status().errors()[0].where, "If-Match");
}

TEST(ParseIfMatchTest, Absent) {
  ASSERT_OK_AND_ASSIGN(service::Precondition precondition, ParseIfMatch(ApiRequest{}));
  EXPECT_FALSE(precondition.present);
  EXPECT_FALSE(precondition.any);
  EXPECT_THAT(precondition.etags, IsEmpty());
  EXPECT_OK(precondition.Check("\"anything\""));
}

TEST(ParseIfMatchTest, Star) {
  for (std::string value : {"*", " * ", "\t*"}) {
    ASSERT_OK_AND_ASSIGN(service::Precondition precondition, ParseIfMatch(WithIfMatch(value)));
    EXPECT_TRUE(precondition.present);
    EXPECT_TRUE(precondition.any);
    EXPECT_OK(precondition.Check("\"x\""));
  }
}

TEST(ParseIfMatchTest, SingleTag) {
  ASSERT_OK_AND_ASSIGN(service::Precondition precondition, ParseIfMatch(WithIfMatch("\"abc\"")));
  EXPECT_TRUE(precondition.present);
  EXPECT_FALSE(precondition.any);
  EXPECT_THAT(precondition.etags, ElementsAre("\"abc\""));
  EXPECT_OK(precondition.Check("\"abc\""));
  EXPECT_EQ(precondition.Check("\"abd\"").code(), StatusCode::kPreconditionFailed);
}

TEST(ParseIfMatchTest, ListOfTags) {
  ASSERT_OK_AND_ASSIGN(service::Precondition precondition,
                       ParseIfMatch(WithIfMatch(" \"a\" ,\"b-1\",  \"c\" ")));
  EXPECT_THAT(precondition.etags, ElementsAre("\"a\"", "\"b-1\"", "\"c\""));
  EXPECT_OK(precondition.Check("\"b-1\""));
}

TEST(ParseIfMatchTest, WeakTagsNeverMatch) {
  ASSERT_OK_AND_ASSIGN(service::Precondition mixed, ParseIfMatch(WithIfMatch("W/\"a\", \"b\"")));
  EXPECT_THAT(mixed.etags, ElementsAre("\"b\""));
  EXPECT_EQ(mixed.Check("\"a\"").code(), StatusCode::kPreconditionFailed);

  ASSERT_OK_AND_ASSIGN(service::Precondition weak_only, ParseIfMatch(WithIfMatch("W/\"a\"")));
  EXPECT_TRUE(weak_only.present);
  EXPECT_THAT(weak_only.etags, IsEmpty());
  EXPECT_EQ(weak_only.Check("\"a\"").code(), StatusCode::kPreconditionFailed);
}

TEST(ParseIfMatchTest, Malformed) {
  for (std::string value : {"", "  ", "abc", "\"abc", "abc\"", "\"a\" \"b\"", "\"a\";\"b\"", "W/",
                            "W/abc", "w/\"a\"", "*, \"a\"", "\"a\",,\"b\"", "\"a\" x"}) {
    SCOPED_TRACE(value);
    ExpectMalformedIfMatch(value);
  }
}

TEST(ParsePageRequestTest, Defaults) {
  ASSERT_OK_AND_ASSIGN(service::PageRequest page, ParsePageRequest(ApiRequest{}));
  EXPECT_EQ(page.limit, 100u);
  EXPECT_EQ(page.cursor, "");
}

TEST(ParsePageRequestTest, Bounds) {
  for (auto [text, value] : {std::pair{"1", 1u}, std::pair{"1000", 1000u}, std::pair{"42", 42u}}) {
    ApiRequest request;
    request.query = {{"limit", text}, {"cursor", "abc.def"}};
    ASSERT_OK_AND_ASSIGN(service::PageRequest page, ParsePageRequest(request));
    EXPECT_EQ(page.limit, value);
    EXPECT_EQ(page.cursor, "abc.def");
  }
  for (std::string_view bad :
       {"0", "1001", "-1", "", "abc", "10x", " 5", "+5", "1.0", "99999999999999999999999"}) {
    SCOPED_TRACE(bad);
    ApiRequest request;
    request.query = {{"limit", std::string(bad)}};
    Result<service::PageRequest> result = ParsePageRequest(request);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    ASSERT_EQ(result.status().errors().size(), 1u);
    EXPECT_EQ(result.status().errors()[0].location, ErrorDetail::Location::kParameter);
    EXPECT_EQ(result.status().errors()[0].where, "limit");
  }
}

TEST(CheckQueryParametersTest, UnknownParameterWithSuggestion) {
  ApiRequest request;
  request.query = {{"limit", "5"}, {"limt", "5"}};
  Status status = CheckQueryParameters(request, {"limit", "cursor", "tag"});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("unknown query parameter 'limt'"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("did you mean 'limit'"));
  ASSERT_EQ(status.errors().size(), 1u);
  EXPECT_EQ(status.errors()[0].location, ErrorDetail::Location::kParameter);
  EXPECT_EQ(status.errors()[0].where, "limt");

  request.query = {{"zzzzzz", "1"}};
  Status unknown = CheckQueryParameters(request, {"limit"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.message()), ::testing::Not(HasSubstr("did you mean")));
}

TEST(CheckQueryParametersTest, KnownParametersPass) {
  ApiRequest request;
  EXPECT_OK(CheckQueryParameters(request, {}));
  request.query = {{"tag", "a"}, {"tag", "b"}, {"cursor", ""}};
  EXPECT_OK(CheckQueryParameters(request, {"cursor", "tag"}));
  EXPECT_FALSE(CheckQueryParameters(request, {}).ok());
}

class ParseJsonBodyTest : public ::testing::Test {
 protected:
  Result<json::Value> ParseBody(std::string content_type, std::string body, int max_depth = 64) {
    ApiRequest request;
    request.method = Method::kPost;
    if (!content_type.empty()) request.headers.emplace_back("content-type", content_type);
    request.body = std::move(body);
    ApiOptions options;
    options.max_json_depth = max_depth;
    const security::Principal principal;
    const Params params;
    RequestContext context{request, principal, params, options};
    return ParseJsonBody(context);
  }
};

TEST_F(ParseJsonBodyTest, JsonMediaTypes) {
  for (std::string type :
       {"application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8",
        "Application/JSON", "  application/json  ", "application/merge-patch+json",
        "application/merge-patch+json; charset=utf-8", "application/problem+json"}) {
    SCOPED_TRACE(type);
    ASSERT_OK_AND_ASSIGN(json::Value value, ParseBody(type, R"({"a":1})"));
    EXPECT_EQ(value.Find("a")->int64_value(), 1);
  }
}

TEST_F(ParseJsonBodyTest, OtherMediaTypesAre415) {
  for (std::string type :
       {"", "text/plain", "text/json", "application/jsonx", "application/x-www-form-urlencoded",
        "json", "application/xml", "multipart/form-data+json"}) {
    SCOPED_TRACE(type);
    Result<json::Value> result = ParseBody(type, R"({"a":1})");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kUnsupportedMediaType);
    ASSERT_EQ(result.status().errors().size(), 1u);
    EXPECT_EQ(result.status().errors()[0].location, ErrorDetail::Location::kHeader);
    EXPECT_EQ(result.status().errors()[0].where, "Content-Type");
  }
}

TEST_F(ParseJsonBodyTest, EmptyBody) {
  Result<json::Value> result = ParseBody("application/json", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().problem_code(), "missing_body");
}

TEST_F(ParseJsonBodyTest, MalformedAndTooDeep) {
  Result<json::Value> malformed = ParseBody("application/json", "{\"a\":");
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.status().problem_code(), "malformed_json");
  EXPECT_OK(ParseBody("application/json", "[[[1]]]", 3).status());
  Result<json::Value> deep = ParseBody("application/json", "[[[[1]]]]", 3);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().problem_code(), "json_too_deep");
}

TEST(NextPageLinkTest, KeepsOtherParametersAndReplacesTheCursor) {
  ApiRequest request;
  request.path = "/v1/datasets";
  request.query = {{"tag", "prod"}, {"cursor", "old"}, {"limit", "2"}};
  EXPECT_EQ(NextPageLink(request, "NEW.cur"),
            "</v1/datasets?tag=prod&limit=2&cursor=NEW.cur>; rel=\"next\"");
}

TEST(NextPageLinkTest, EncodesValues) {
  ApiRequest request;
  request.path = "/v1/datasets";
  request.query = {{"prefix", "a b/c&d"}};
  EXPECT_EQ(NextPageLink(request, "x-y_z"),
            "</v1/datasets?prefix=a%20b%2Fc%26d&cursor=x-y_z>; rel=\"next\"");
  ApiRequest bare;
  bare.path = "/v1/datasets/logs/schema/versions";
  EXPECT_EQ(NextPageLink(bare, "c"), "</v1/datasets/logs/schema/versions?cursor=c>; rel=\"next\"");
}

TEST(ListResponseTest, ItemsCursorAndLink) {
  ApiRequest request;
  request.path = "/v1/things";
  request.query = {{"limit", "1"}};
  ApiResponse with_next = ListResponse(request, "next1", [](JsonWriter& writer) {
    writer.Int(1);
    writer.String("two");
  });
  EXPECT_EQ(with_next.status, 200);
  EXPECT_EQ(with_next.content_type, "application/json");
  EXPECT_EQ(with_next.body, R"({"items":[1,"two"],"next_cursor":"next1"})");
  ASSERT_EQ(with_next.headers.size(), 1u);
  EXPECT_EQ(with_next.headers[0].first, "Link");
  EXPECT_EQ(with_next.headers[0].second, "</v1/things?limit=1&cursor=next1>; rel=\"next\"");

  ApiResponse last = ListResponse(request, "", [](JsonWriter&) {});
  EXPECT_EQ(last.body, R"({"items":[],"next_cursor":null})");
  EXPECT_TRUE(last.headers.empty());
}

}  // namespace
}  // namespace strata::server
