#include "server/api/api_types.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

namespace strata::server {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

Params Parse(std::string_view text) {
  Params out;
  EXPECT_TRUE(ParseQueryString(text, out)) << text;
  return out;
}

TEST(ParseQueryStringTest, DecodesPairsInOrder) {
  EXPECT_THAT(Parse("a=1&b=%20x"), ElementsAre(Pair("a", "1"), Pair("b", " x")));
  EXPECT_THAT(Parse("tag=prod&tag=dev"), ElementsAre(Pair("tag", "prod"), Pair("tag", "dev")));
  EXPECT_THAT(Parse(""), IsEmpty());
}

TEST(ParseQueryStringTest, PlusAndPercent20AreSpaces) {
  EXPECT_THAT(Parse("q=a+b%20c"), ElementsAre(Pair("q", "a b c")));
  EXPECT_THAT(Parse("my+key=v"), ElementsAre(Pair("my key", "v")));
  EXPECT_THAT(Parse("q=%2B"), ElementsAre(Pair("q", "+")));  // An escaped '+' stays '+'.
}

TEST(ParseQueryStringTest, EscapedSeparatorsAreData) {
  EXPECT_THAT(Parse("a%3Db=c%26d"), ElementsAre(Pair("a=b", "c&d")));
  EXPECT_THAT(Parse("k=a=b"), ElementsAre(Pair("k", "a=b")));
  EXPECT_THAT(Parse("cursor=YWJj.ZGVm"), ElementsAre(Pair("cursor", "YWJj.ZGVm")));
}

TEST(ParseQueryStringTest, MissingValuesAndEmptyParts) {
  EXPECT_THAT(Parse("flag"), ElementsAre(Pair("flag", "")));
  EXPECT_THAT(Parse("a="), ElementsAre(Pair("a", "")));
  EXPECT_THAT(Parse("=v"), ElementsAre(Pair("", "v")));
  EXPECT_THAT(Parse("a=1&&b=2&"), ElementsAre(Pair("a", "1"), Pair("b", "2")));
  EXPECT_THAT(Parse("&&"), IsEmpty());
}

TEST(ParseQueryStringTest, MalformedEscapesAreRefused) {
  for (std::string_view text :
       {"a=%", "a=%2", "a=%zz", "a=%g0", "%=1", "a%4=1", "a=1&b=%0", "a=%00", "%00=1", "a=x%00y"}) {
    Params out;
    EXPECT_FALSE(ParseQueryString(text, out)) << text;
  }
}

TEST(PercentDecodeTest, Escapes) {
  std::string out = "stale";
  ASSERT_TRUE(PercentDecode("%41%62c", out, false));
  EXPECT_EQ(out, "Abc");
  ASSERT_TRUE(PercentDecode("%2f%2F", out, false));  // Either case of hex digit.
  EXPECT_EQ(out, "//");
  ASSERT_TRUE(PercentDecode("caf%C3%A9", out, false));
  EXPECT_EQ(out, "caf\xc3\xa9");
  ASSERT_TRUE(PercentDecode("", out, false));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(PercentDecode("%ff", out, false));
  EXPECT_EQ(out, "\xff");
}

TEST(PercentDecodeTest, PlusOnlyInQueries) {
  std::string out;
  ASSERT_TRUE(PercentDecode("a+b", out, false));
  EXPECT_EQ(out, "a+b");
  ASSERT_TRUE(PercentDecode("a+b", out, true));
  EXPECT_EQ(out, "a b");
}

TEST(PercentDecodeTest, RefusesMalformedEscapesAndNul) {
  std::string out;
  for (std::string_view text : {"%", "%4", "abc%", "abc%4", "%G1", "%1G", "% 1", "%00", "a%00b"}) {
    EXPECT_FALSE(PercentDecode(text, out, false)) << text;
  }
}

TEST(PercentEncodeTest, KeepsOnlyUnreserved) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b"), "a%20b");
  EXPECT_EQ(PercentEncode("a/b?c=d&e+f#g%"), "a%2Fb%3Fc%3Dd%26e%2Bf%23g%25");
  EXPECT_EQ(PercentEncode("caf\xc3\xa9"), "caf%C3%A9");
  EXPECT_EQ(PercentEncode(std::string("\x00\x7f", 2)), "%00%7F");
  EXPECT_EQ(PercentEncode(""), "");
}

TEST(PercentEncodeTest, RoundTripsThroughDecode) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> byte(1, 255);  // NUL is refused by design.
  for (int sample = 0; sample < 200; ++sample) {
    std::string text;
    for (int i = sample % 40; i > 0; --i) text.push_back(static_cast<char>(byte(random)));
    std::string decoded;
    ASSERT_TRUE(PercentDecode(PercentEncode(text), decoded, true));
    EXPECT_EQ(decoded, text);
  }
}

TEST(ApiRequestTest, HeaderAndQueryLookups) {
  ApiRequest request;
  request.headers = {
      {"content-type", "application/json"}, {"x-empty", ""}, {"accept", "a"}, {"accept", "b"}};
  request.query = {{"limit", "5"}, {"limit", "6"}, {"flag", ""}};
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("accept"), "a");  // The first value.
  EXPECT_EQ(request.Header("missing"), "");
  EXPECT_TRUE(request.HasHeader("x-empty"));
  EXPECT_FALSE(request.HasHeader("missing"));
  EXPECT_FALSE(request.HasHeader("Content-Type"));  // Names are stored lower-case.
  ASSERT_NE(request.Query("limit"), nullptr);
  EXPECT_EQ(*request.Query("limit"), "5");
  ASSERT_NE(request.Query("flag"), nullptr);
  EXPECT_EQ(*request.Query("flag"), "");
  EXPECT_EQ(request.Query("cursor"), nullptr);
}

TEST(ApiResponseTest, Builders) {
  ApiResponse json = ApiResponse::Json(201, "{}");
  EXPECT_EQ(json.status, 201);
  EXPECT_EQ(json.content_type, "application/json");
  EXPECT_EQ(json.body, "{}");
  json.WithHeader("ETag", "\"1\"").WithHeader("Location", "/v1/datasets/a");
  EXPECT_THAT(json.headers, ElementsAre(Pair("ETag", "\"1\""), Pair("Location", "/v1/datasets/a")));
  ApiResponse none = ApiResponse::NoContent();
  EXPECT_EQ(none.status, 204);
  EXPECT_EQ(none.content_type, "");
  EXPECT_EQ(none.body, "");
}

}  // namespace
}  // namespace strata::server
