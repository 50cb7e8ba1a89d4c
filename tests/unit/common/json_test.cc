#include "common/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "test_util.h"

namespace strata::json {
namespace {

std::string Nested(int depth, char open, char close, std::string_view inner = "1") {
  std::string text;
  for (int level = 0; level < depth; ++level) text.push_back(open);
  text += inner;
  for (int level = 0; level < depth; ++level) text.push_back(close);
  return text;
}

std::string NestedObjects(int depth) {
  std::string text;
  for (int level = 0; level < depth; ++level) text += "{\"a\":";
  text += "1";
  for (int level = 0; level < depth; ++level) text += "}";
  return text;
}

void ExpectMalformed(std::string_view text) {
  Result<Value> parsed = Parse(text);
  ASSERT_FALSE(parsed.ok()) << "accepted: " << text;
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << text;
  EXPECT_EQ(parsed.status().problem_code(), "malformed_json") << text;
}

TEST(JsonParseTest, Scalars) {
  ASSERT_OK_AND_ASSIGN(Value null_value, Parse("null"));
  EXPECT_TRUE(null_value.is_null());
  EXPECT_EQ(null_value.type(), Type::kNull);

  ASSERT_OK_AND_ASSIGN(Value true_value, Parse("true"));
  ASSERT_TRUE(true_value.is_bool());
  EXPECT_TRUE(true_value.bool_value());
  ASSERT_OK_AND_ASSIGN(Value false_value, Parse(" false "));
  ASSERT_TRUE(false_value.is_bool());
  EXPECT_FALSE(false_value.bool_value());

  ASSERT_OK_AND_ASSIGN(Value text, Parse(R"("a\"b\\c\n\u00e9")"));
  ASSERT_TRUE(text.is_string());
  EXPECT_EQ(text.string_value(), "a\"b\\c\n\xc3\xa9");

  ASSERT_OK_AND_ASSIGN(Value empty_array, Parse("[]"));
  EXPECT_TRUE(empty_array.is_array());
  EXPECT_TRUE(empty_array.items().empty());
  ASSERT_OK_AND_ASSIGN(Value empty_object, Parse("{}"));
  EXPECT_TRUE(empty_object.is_object());
  EXPECT_TRUE(empty_object.members().empty());
}

TEST(JsonParseTest, IntegersAreInt64WhenTheyFitElseUint64) {
  ASSERT_OK_AND_ASSIGN(Value small, Parse("42"));
  EXPECT_EQ(small.type(), Type::kInt64);
  EXPECT_EQ(small.int64_value(), 42);

  ASSERT_OK_AND_ASSIGN(Value negative, Parse("-9223372036854775808"));
  EXPECT_EQ(negative.type(), Type::kInt64);
  EXPECT_EQ(negative.int64_value(), std::numeric_limits<int64_t>::min());

  ASSERT_OK_AND_ASSIGN(Value max, Parse("9223372036854775807"));
  EXPECT_EQ(max.type(), Type::kInt64);
  EXPECT_EQ(max.int64_value(), std::numeric_limits<int64_t>::max());

  ASSERT_OK_AND_ASSIGN(Value beyond, Parse("9223372036854775808"));
  EXPECT_EQ(beyond.type(), Type::kUint64);
  EXPECT_TRUE(beyond.is_number());
  EXPECT_FALSE(beyond.is_int64());

  ASSERT_OK_AND_ASSIGN(Value umax, Parse("18446744073709551615"));
  EXPECT_EQ(umax.type(), Type::kUint64);
  EXPECT_FALSE(umax.is_int64());
  EXPECT_EQ(umax.double_value(), 18446744073709551615.0);
}

TEST(JsonParseTest, FractionsAndExponentsAreDoubles) {
  ASSERT_OK_AND_ASSIGN(Value fraction, Parse("1.5"));
  EXPECT_EQ(fraction.type(), Type::kDouble);
  EXPECT_DOUBLE_EQ(fraction.double_value(), 1.5);
  EXPECT_FALSE(fraction.is_int64());

  ASSERT_OK_AND_ASSIGN(Value one, Parse("1.0"));
  EXPECT_EQ(one.type(), Type::kDouble);
  EXPECT_TRUE(one.is_int64());
  EXPECT_EQ(one.int64_value(), 1);

  ASSERT_OK_AND_ASSIGN(Value exponent, Parse("-2e3"));
  EXPECT_EQ(exponent.type(), Type::kDouble);
  EXPECT_TRUE(exponent.is_int64());
  EXPECT_EQ(exponent.int64_value(), -2000);
}

TEST(JsonValueTest, IsInt64Boundaries) {
  EXPECT_TRUE(Value::Int(0).is_int64());
  EXPECT_TRUE(Value::Double(1.0).is_int64());
  EXPECT_FALSE(Value::Double(1.5).is_int64());
  EXPECT_FALSE(Value::Double(-0.5).is_int64());
  EXPECT_TRUE(Value::Double(-9223372036854775808.0).is_int64());  // -2^63 is exact.
  EXPECT_FALSE(Value::Double(9223372036854775808.0).is_int64());  // 2^63 is one past max.
  EXPECT_FALSE(Value::Double(std::ldexp(1.0, 64)).is_int64());
  EXPECT_FALSE(Value::Double(std::numeric_limits<double>::infinity()).is_int64());
  EXPECT_FALSE(Value::Double(-std::numeric_limits<double>::infinity()).is_int64());
  EXPECT_FALSE(Value::Double(std::numeric_limits<double>::quiet_NaN()).is_int64());
  EXPECT_TRUE(Value::Uint(9223372036854775807ull).is_int64());
  EXPECT_FALSE(Value::Uint(9223372036854775808ull).is_int64());
  EXPECT_FALSE(Value::String("1").is_int64());
  EXPECT_FALSE(Value::Bool(true).is_int64());
  EXPECT_FALSE(Value().is_int64());
}

TEST(JsonParseTest, DepthLimitIsInclusive) {
  ParseOptions options;
  options.max_depth = 3;
  EXPECT_OK(Parse(Nested(3, '[', ']'), options).status());
  Result<Value> arrays = Parse(Nested(4, '[', ']'), options);
  ASSERT_FALSE(arrays.ok());
  EXPECT_EQ(arrays.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(arrays.status().problem_code(), "json_too_deep");

  EXPECT_OK(Parse(NestedObjects(3), options).status());
  Result<Value> objects = Parse(NestedObjects(4), options);
  ASSERT_FALSE(objects.ok());
  EXPECT_EQ(objects.status().problem_code(), "json_too_deep");

  // Scalars do not count as a level.
  options.max_depth = 1;
  EXPECT_OK(Parse("[1,2,3]", options).status());
  EXPECT_OK(Parse("7", options).status());
}

TEST(JsonParseTest, DefaultDepthIs64) {
  EXPECT_OK(Parse(Nested(64, '[', ']')).status());
  Result<Value> deep = Parse(Nested(65, '[', ']'));
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().problem_code(), "json_too_deep");
}

TEST(JsonParseTest, NestingBeyondTheParserLimitIsTooDeepNotMalformed) {
  ParseOptions options;
  options.max_depth = 5000;
  Result<Value> deep = Parse(Nested(4000, '[', ']'), options);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().problem_code(), "json_too_deep");
  EXPECT_EQ(deep.status().code(), StatusCode::kInvalidArgument);
}

TEST(JsonParseTest, MalformedTexts) {
  for (std::string_view text : {"",
                                " ",
                                "{",
                                "[1,]",
                                "[1 2]",
                                R"({"a" 1})",
                                R"({"a":1,})",
                                "tru",
                                "nul",
                                "1 2",
                                "'a'",
                                "NaN",
                                "Infinity",
                                "01",
                                "+1",
                                "1.",
                                R"("unterminated)",
                                R"({a:1})",
                                R"("\x")",
                                "[",
                                "]"}) {
    SCOPED_TRACE(text);
    ExpectMalformed(text);
  }
}

TEST(JsonParseTest, RawControlCharacterInStringIsMalformed) {
  ExpectMalformed(std::string("\"a\x01z\""));
  ExpectMalformed(std::string("\"a\nz\""));
}

TEST(JsonParseTest, DuplicateMembersAreRefused) {
  Result<Value> top = Parse(R"({"a":1,"b":2,"a":3})");
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().problem_code(), "malformed_json");
  EXPECT_NE(top.status().message().find("duplicate"), std::string_view::npos)
      << top.status().ToString();
  EXPECT_NE(top.status().message().find("\"a\""), std::string_view::npos);

  Result<Value> nested = Parse(R"({"x":[{"k":1,"k":1}]})");
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.status().problem_code(), "malformed_json");

  // The same name in sibling objects is fine.
  EXPECT_OK(Parse(R"([{"k":1},{"k":2}])").status());
}

TEST(JsonParseTest, InvalidUtf8IsRefused) {
  ExpectMalformed("\"\xff\"");
  ExpectMalformed("\"\xc3\"");          // Truncated two-byte sequence.
  ExpectMalformed("\"\xc0\xaf\"");      // Overlong encoding of '/'.
  ExpectMalformed("\"\xed\xa0\x80\"");  // UTF-16 surrogate encoded in UTF-8.
  ExpectMalformed("{\"\xfe\":1}");      // In a key.
  ASSERT_OK_AND_ASSIGN(Value ok, Parse("\"\xe2\x82\xac\xf0\x9f\x98\x80\""));
  EXPECT_EQ(ok.string_value(), "\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST(JsonParseTest, ObjectsKeepMemberOrderAndFind) {
  ASSERT_OK_AND_ASSIGN(Value object, Parse(R"({"z":1,"a":[true,null],"m":{"k":"v"}})"));
  ASSERT_EQ(object.members().size(), 3u);
  EXPECT_EQ(object.members()[0].first, "z");
  EXPECT_EQ(object.members()[1].first, "a");
  EXPECT_EQ(object.members()[2].first, "m");
  ASSERT_NE(object.Find("a"), nullptr);
  ASSERT_EQ(object.Find("a")->items().size(), 2u);
  EXPECT_TRUE(object.Find("a")->items()[1].is_null());
  EXPECT_EQ(object.Find("m")->Find("k")->string_value(), "v");
  EXPECT_EQ(object.Find("missing"), nullptr);
  EXPECT_EQ(Value::Int(1).Find("a"), nullptr);  // Not an object.
}

TEST(JsonValueTest, SetReplacesOrAppends) {
  Value object = Value::Object();
  object.Set("a", Value::Int(1));
  object.Set("b", Value::Int(2));
  object.Set("a", Value::String("x"));
  ASSERT_EQ(object.members().size(), 2u);
  EXPECT_EQ(object.members()[0].first, "a");
  EXPECT_EQ(object.Find("a")->string_value(), "x");
  Value array = Value::Array();
  array.Append(Value::Bool(true));
  array.Append(Value());
  EXPECT_EQ(Serialize(array), "[true,null]");
}

TEST(JsonValueTest, EqualityComparesNumbersByValue) {
  EXPECT_EQ(Value::Int(1), Value::Double(1.0));
  EXPECT_EQ(Value::Int(1), Value::Uint(1));
  EXPECT_FALSE(Value::Int(1) == Value::Double(1.5));
  EXPECT_FALSE(Value::Int(1) == Value::String("1"));
  EXPECT_FALSE(Value() == Value::Bool(false));
  EXPECT_EQ(Value(), Value());
  EXPECT_FALSE(Value::Object({{"a", Value::Int(1)}, {"b", Value::Int(2)}}) ==
               Value::Object({{"b", Value::Int(2)}, {"a", Value::Int(1)}}));
}

TEST(JsonValueTest, TypeNames) {
  EXPECT_EQ(TypeName(Type::kNull), "null");
  EXPECT_EQ(TypeName(Type::kBool), "boolean");
  EXPECT_EQ(TypeName(Type::kInt64), "number");
  EXPECT_EQ(TypeName(Type::kUint64), "number");
  EXPECT_EQ(TypeName(Type::kDouble), "number");
  EXPECT_EQ(TypeName(Type::kString), "string");
  EXPECT_EQ(TypeName(Type::kArray), "array");
  EXPECT_EQ(TypeName(Type::kObject), "object");
}

TEST(JsonSerializeTest, RoundTripIsCompactAndStable) {
  const std::string text =
      R"({"s":"q\"b\\n\n\t\u0001é","i":-7,"d":1.5,"b":false,"n":null,"a":[1,[2,{}],[]],"o":{"x":{"y":"z"}}})";
  ASSERT_OK_AND_ASSIGN(Value parsed, Parse(text));
  const std::string serialized = Serialize(parsed);
  EXPECT_EQ(
      serialized,
      R"({"s":"q\"b\\n\n\t\u0001é","i":-7,"d":1.5,"b":false,"n":null,"a":[1,[2,{}],[]],"o":{"x":{"y":"z"}}})");
  ASSERT_OK_AND_ASSIGN(Value reparsed, Parse(serialized));
  EXPECT_EQ(reparsed, parsed);
  EXPECT_EQ(Serialize(reparsed), serialized);
}

TEST(JsonSerializeTest, Scalars) {
  EXPECT_EQ(Serialize(Value()), "null");
  EXPECT_EQ(Serialize(Value::Bool(true)), "true");
  EXPECT_EQ(Serialize(Value::Int(std::numeric_limits<int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(Serialize(Value::Double(0.25)), "0.25");
  EXPECT_EQ(Serialize(Value::Double(std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(Serialize(Value::String("")), "\"\"");
}

TEST(JsonSerializeTest, DoublesRoundTripExactly) {
  for (double value : {0.1, 1e300, -1e-300, 123456.789, 2.5e-10, 9007199254740993.0}) {
    ASSERT_OK_AND_ASSIGN(Value parsed, Parse(Serialize(Value::Double(value))));
    EXPECT_EQ(parsed.double_value(), value);
  }
}

// Integers above INT64_MAX are parsed exactly as uint64, so writing them must not go
// through double and lose their low digits.
TEST(JsonSerializeTest, Uint64KeepsEveryDigit) {
  EXPECT_EQ(Serialize(Value::Uint(18446744073709551615ull)), "18446744073709551615");
  ASSERT_OK_AND_ASSIGN(Value parsed, Parse("[9223372036854775809]"));
  EXPECT_EQ(Serialize(parsed), "[9223372036854775809]");
}

TEST(JsonPointerTest, AppendEscapesTildeAndSlash) {
  EXPECT_EQ(PointerAppend("", "fields"), "/fields");
  EXPECT_EQ(PointerAppend("/a", "b"), "/a/b");
  EXPECT_EQ(PointerAppend("", "a/b"), "/a~1b");
  EXPECT_EQ(PointerAppend("", "m~n"), "/m~0n");
  EXPECT_EQ(PointerAppend("", "~/"), "/~0~1");
  EXPECT_EQ(PointerAppend("", "~1"), "/~01");  // Escape '~' first, so "~1" stays literal.
  EXPECT_EQ(PointerAppend("/x", ""), "/x/");
  EXPECT_EQ(PointerAppend("/fields", size_t{0}), "/fields/0");
  EXPECT_EQ(PointerAppend("/fields", size_t{12}), "/fields/12");
}

}  // namespace
}  // namespace strata::json
