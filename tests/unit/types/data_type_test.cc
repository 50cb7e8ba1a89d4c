#include "types/data_type.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "common/json.h"
#include "common/json_writer.h"
#include "test_util.h"

namespace strata::types {
namespace {

constexpr DataType kAllTypes[] = {DataType::kBool,   DataType::kInt64,     DataType::kFloat64,
                                  DataType::kString, DataType::kTimestamp, DataType::kJson};

json::Value ParseOrDie(std::string_view text) {
  Result<json::Value> parsed = json::Parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? std::move(parsed).value() : json::Value();
}

// Converts `text` (JSON) to `type`; nullopt and `error` filled on refusal.
std::optional<Value> Convert(std::string_view text, DataType type, std::string& error) {
  return ValueFromJson(ParseOrDie(text), type, error);
}

std::optional<Value> Convert(std::string_view text, DataType type) {
  std::string error;
  return Convert(text, type, error);
}

std::string Written(const Value& value, DataType type) {
  JsonWriter writer;
  WriteValueJson(writer, value, type);
  return writer.Take();
}

TEST(DataTypeTest, NamesRoundTrip) {
  EXPECT_EQ(DataTypeName(DataType::kBool), "bool");
  EXPECT_EQ(DataTypeName(DataType::kInt64), "int64");
  EXPECT_EQ(DataTypeName(DataType::kFloat64), "float64");
  EXPECT_EQ(DataTypeName(DataType::kString), "string");
  EXPECT_EQ(DataTypeName(DataType::kTimestamp), "timestamp");
  EXPECT_EQ(DataTypeName(DataType::kJson), "json");
  for (DataType type : kAllTypes) EXPECT_EQ(ParseDataType(DataTypeName(type)), type);
  ASSERT_EQ(DataTypeNames().size(), std::size(kAllTypes));
  for (size_t i = 0; i < std::size(kAllTypes); ++i) {
    EXPECT_EQ(DataTypeNames()[i], DataTypeName(kAllTypes[i]));
  }
}

TEST(DataTypeTest, ParseRefusesOtherSpellings) {
  for (std::string_view name : {"", "Int64", "INT64", "int", "integer", "float", "double",
                                "boolean", "text", "datetime", "int64 ", " bool"}) {
    EXPECT_EQ(ParseDataType(name), std::nullopt) << "'" << name << "'";
  }
}

TEST(ValueFromJsonTest, NullIsNullForEveryType) {
  for (DataType type : kAllTypes) {
    std::string error;
    std::optional<Value> value = Convert("null", type, error);
    ASSERT_TRUE(value.has_value()) << DataTypeName(type);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(*value)) << DataTypeName(type);
  }
}

TEST(ValueFromJsonTest, Bool) {
  EXPECT_EQ(Convert("true", DataType::kBool), Value(true));
  EXPECT_EQ(Convert("false", DataType::kBool), Value(false));
  std::string error;
  EXPECT_EQ(Convert("1", DataType::kBool, error), std::nullopt);
  EXPECT_EQ(error, "expected bool, got number");
  EXPECT_EQ(Convert("\"true\"", DataType::kBool, error), std::nullopt);
  EXPECT_EQ(error, "expected bool, got string");
}

TEST(ValueFromJsonTest, Int64AcceptsIntegerValuedNumbers) {
  EXPECT_EQ(Convert("42", DataType::kInt64), Value(int64_t{42}));
  EXPECT_EQ(Convert("-7", DataType::kInt64), Value(int64_t{-7}));
  EXPECT_EQ(Convert("1.0", DataType::kInt64), Value(int64_t{1}));
  EXPECT_EQ(Convert("1e2", DataType::kInt64), Value(int64_t{100}));
  EXPECT_EQ(Convert("9223372036854775807", DataType::kInt64),
            Value(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(Convert("-9223372036854775808", DataType::kInt64),
            Value(std::numeric_limits<int64_t>::min()));
}

TEST(ValueFromJsonTest, Int64RefusesFractionsAndOutOfRange) {
  for (std::string_view text :
       {"1.5", "-0.25", "9223372036854775808", "18446744073709551615", "9.3e18", "1e300"}) {
    std::string error;
    EXPECT_EQ(Convert(text, DataType::kInt64, error), std::nullopt) << text;
    EXPECT_EQ(error, "expected an integer within int64 range") << text;
  }
  std::string error;
  EXPECT_EQ(Convert("\"5\"", DataType::kInt64, error), std::nullopt);
  EXPECT_EQ(error, "expected int64, got string");
  EXPECT_EQ(Convert("[1]", DataType::kInt64, error), std::nullopt);
  EXPECT_EQ(error, "expected int64, got array");
}

TEST(ValueFromJsonTest, Float64AcceptsAnyNumber) {
  EXPECT_EQ(Convert("1.5", DataType::kFloat64), Value(1.5));
  EXPECT_EQ(Convert("3", DataType::kFloat64), Value(3.0));
  EXPECT_EQ(Convert("18446744073709551615", DataType::kFloat64), Value(18446744073709551615.0));
  EXPECT_EQ(Convert("-1e-5", DataType::kFloat64), Value(-1e-5));
  std::string error;
  EXPECT_EQ(Convert("\"1.5\"", DataType::kFloat64, error), std::nullopt);
  EXPECT_EQ(error, "expected float64, got string");
  EXPECT_EQ(Convert("true", DataType::kFloat64, error), std::nullopt);
  EXPECT_EQ(error, "expected float64, got boolean");
}

TEST(ValueFromJsonTest, String) {
  EXPECT_EQ(Convert("\"hello\"", DataType::kString), Value(std::string("hello")));
  EXPECT_EQ(Convert("\"\"", DataType::kString), Value(std::string()));
  std::string error;
  EXPECT_EQ(Convert("5", DataType::kString, error), std::nullopt);
  EXPECT_EQ(error, "expected string, got number");
  EXPECT_EQ(Convert("{}", DataType::kString, error), std::nullopt);
  EXPECT_EQ(error, "expected string, got object");
}

TEST(ValueFromJsonTest, TimestampFromRfc3339Strings) {
  EXPECT_EQ(Convert("\"1970-01-01T00:00:01Z\"", DataType::kTimestamp), Value(int64_t{1'000'000}));
  EXPECT_EQ(Convert("\"2024-05-01T14:00:00.5+02:00\"", DataType::kTimestamp),
            Value(int64_t{1714564800'500'000}));
}

TEST(ValueFromJsonTest, TimestampRefusesNumbersAndBadText) {
  std::string error;
  EXPECT_EQ(Convert("1714564800", DataType::kTimestamp, error), std::nullopt);
  EXPECT_EQ(error, "expected an RFC 3339 timestamp string");
  EXPECT_EQ(Convert("1.5", DataType::kTimestamp, error), std::nullopt);
  EXPECT_EQ(error, "expected an RFC 3339 timestamp string");
  EXPECT_EQ(Convert("true", DataType::kTimestamp, error), std::nullopt);
  EXPECT_EQ(Convert("\"2024-13-01T00:00:00Z\"", DataType::kTimestamp, error), std::nullopt);
  EXPECT_NE(error.find("RFC 3339"), std::string::npos);
  EXPECT_NE(error.find("2024-13-01T00:00:00Z"), std::string::npos) << error;
  EXPECT_EQ(Convert("\"yesterday\"", DataType::kTimestamp, error), std::nullopt);
}

TEST(ValueFromJsonTest, JsonTakesAnythingAsCompactText) {
  EXPECT_EQ(Convert(R"({ "a" : [1, 2, {"b": null}] })", DataType::kJson),
            Value(std::string(R"({"a":[1,2,{"b":null}]})")));
  EXPECT_EQ(Convert("\"s\"", DataType::kJson), Value(std::string("\"s\"")));
  EXPECT_EQ(Convert("7", DataType::kJson), Value(std::string("7")));
  EXPECT_EQ(Convert("false", DataType::kJson), Value(std::string("false")));
}

TEST(WriteValueJsonTest, EveryType) {
  EXPECT_EQ(Written(Value(true), DataType::kBool), "true");
  EXPECT_EQ(Written(Value(int64_t{-3}), DataType::kInt64), "-3");
  EXPECT_EQ(Written(Value(2.5), DataType::kFloat64), "2.5");
  EXPECT_EQ(Written(Value(std::numeric_limits<double>::infinity()), DataType::kFloat64), "null");
  EXPECT_EQ(Written(Value(std::string("a\"b")), DataType::kString), R"("a\"b")");
  EXPECT_EQ(Written(Value(int64_t{1'500'000}), DataType::kTimestamp),
            "\"1970-01-01T00:00:01.500Z\"");
  EXPECT_EQ(Written(Value(std::string(R"({"k":[1]})")), DataType::kJson), R"({"k":[1]})");
  for (DataType type : kAllTypes) EXPECT_EQ(Written(Value(), type), "null");
}

TEST(WriteValueJsonTest, RoundTripsThroughValueFromJson) {
  const std::pair<Value, DataType> cases[] = {
      {Value(false), DataType::kBool},
      {Value(int64_t{-9'000'000'000}), DataType::kInt64},
      {Value(0.1), DataType::kFloat64},
      {Value(std::string("é\n")), DataType::kString},
      {Value(int64_t{-1}), DataType::kTimestamp},
      {Value(int64_t{1714564800'123'456}), DataType::kTimestamp},
      {Value(std::string(R"([{"x":"y"},null])")), DataType::kJson},
  };
  for (const auto& [value, type] : cases) {
    const std::string text = Written(value, type);
    std::string error;
    std::optional<Value> back = Convert(text, type, error);
    ASSERT_TRUE(back.has_value()) << text << ": " << error;
    EXPECT_EQ(*back, value) << text;
  }
}

}  // namespace
}  // namespace strata::types
