#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "common/json.h"
#include "test_util.h"

namespace strata {
namespace {

std::string Quoted(std::string_view value) {
  std::string out;
  AppendJsonString(out, value);
  return out;
}

TEST(AppendJsonStringTest, EscapesQuotesBackslashAndNamedControls) {
  EXPECT_EQ(Quoted(""), R"("")");
  EXPECT_EQ(Quoted("plain"), R"("plain")");
  EXPECT_EQ(Quoted("a\"b"), R"("a\"b")");
  EXPECT_EQ(Quoted("a\\b"), R"("a\\b")");
  EXPECT_EQ(Quoted("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(Quoted("/"), R"("/")");  // '/' needs no escape.
}

TEST(AppendJsonStringTest, EscapesOtherControlCharactersAsUnicode) {
  EXPECT_EQ(Quoted(std::string("\x00", 1)), R"("\u0000")");
  EXPECT_EQ(Quoted("\x01"), R"("\u0001")");
  EXPECT_EQ(Quoted("\x1f"), R"("\u001f")");
  EXPECT_EQ(Quoted("a\x0b"
                   "b"),
            R"("a\u000bb")");
  EXPECT_EQ(Quoted("\x7f"), "\"\x7f\"");  // DEL is not a JSON control character.
}

TEST(AppendJsonStringTest, PassesUtf8Through) {
  EXPECT_EQ(Quoted("\xc3\xa9\xe2\x82\xac"), "\"\xc3\xa9\xe2\x82\xac\"");
}

TEST(AppendJsonStringTest, AppendsToExistingText) {
  std::string out = "x=";
  AppendJsonString(out, "y");
  EXPECT_EQ(out, "x=\"y\"");
}

TEST(AppendJsonStringTest, EveryByteBelow0x20RoundTripsThroughTheParser) {
  std::string all;
  for (int c = 0; c < 0x20; ++c) all.push_back(static_cast<char>(c));
  all += "\"\\end";
  ASSERT_OK_AND_ASSIGN(json::Value parsed, json::Parse(Quoted(all)));
  EXPECT_EQ(parsed.string_value(), all);
}

TEST(JsonWriterTest, NonFiniteDoublesAreNull) {
  JsonWriter writer;
  writer.BeginArray();
  writer.Double(std::numeric_limits<double>::quiet_NaN());
  writer.Double(std::numeric_limits<double>::infinity());
  writer.Double(-std::numeric_limits<double>::infinity());
  writer.Double(1.25);
  writer.Double(-0.5);
  writer.EndArray();
  EXPECT_EQ(writer.str(), "[null,null,null,1.25,-0.5]");
}

TEST(JsonWriterTest, IntegerExtremes) {
  JsonWriter writer;
  writer.BeginArray();
  writer.Int(std::numeric_limits<int64_t>::min());
  writer.Int(std::numeric_limits<int64_t>::max());
  writer.UInt(std::numeric_limits<uint64_t>::max());
  writer.Int(0);
  writer.EndArray();
  EXPECT_EQ(writer.str(), "[-9223372036854775808,9223372036854775807,18446744073709551615,0]");
}

TEST(JsonWriterTest, NestingPutsCommasOnlyBetweenItems) {
  JsonWriter writer;
  writer.BeginObject();
  writer.Member("a", 1);
  writer.Key("b");
  writer.BeginArray();
  writer.Int(1);
  writer.BeginObject();
  writer.EndObject();
  writer.BeginArray();
  writer.EndArray();
  writer.Null();
  writer.EndArray();
  writer.Key("c");
  writer.BeginObject();
  writer.Member("d", true);
  writer.Member("e", "x");
  writer.EndObject();
  writer.Member("f", std::string_view("y"));
  writer.EndObject();
  EXPECT_EQ(writer.str(), R"({"a":1,"b":[1,{},[],null],"c":{"d":true,"e":"x"},"f":"y"})");
  EXPECT_OK(json::Parse(writer.str()).status());
}

TEST(JsonWriterTest, EmptyContainersAndArraysOfArrays) {
  JsonWriter writer;
  writer.BeginArray();
  writer.BeginArray();
  writer.EndArray();
  writer.BeginArray();
  writer.Int(1);
  writer.EndArray();
  writer.BeginObject();
  writer.EndObject();
  writer.EndArray();
  EXPECT_EQ(writer.str(), "[[],[1],{}]");
}

TEST(JsonWriterTest, MemberOverloads) {
  JsonWriter writer;
  writer.BeginObject();
  writer.Member("s", "text");
  writer.Member("i", 7);
  writer.Member("l", int64_t{-8});
  writer.Member("u", uint64_t{9});
  writer.Member("d", 0.5);
  writer.Member("b", false);
  writer.Key("q\"k");
  writer.Bool(true);
  writer.EndObject();
  EXPECT_EQ(writer.str(), R"({"s":"text","i":7,"l":-8,"u":9,"d":0.5,"b":false,"q\"k":true})");
}

TEST(JsonWriterTest, RawIsInsertedAsOneValue) {
  JsonWriter writer;
  writer.BeginArray();
  writer.Raw(R"({"x":1})");
  writer.Raw("[2]");
  writer.BeginObject();
  writer.Key("k");
  writer.Raw("3");
  writer.EndObject();
  writer.EndArray();
  EXPECT_EQ(writer.str(), R"([{"x":1},[2],{"k":3}])");
}

TEST(JsonWriterTest, TopLevelScalarsAndTake) {
  JsonWriter writer;
  writer.String("only");
  EXPECT_EQ(writer.str(), "\"only\"");
  std::string taken = writer.Take();
  EXPECT_EQ(taken, "\"only\"");
}

}  // namespace
}  // namespace strata
