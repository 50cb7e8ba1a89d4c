#include "types/schema.h"

#include <gtest/gtest.h>

#include <string>

namespace strata::types {
namespace {

TEST(IsValidFieldNameTest, SimpleAndDottedNames) {
  for (std::string_view name :
       {"a", "_", "time", "_private", "Status2", "request.path", "a.b.c", "a1._b2.C3", "x_1.y_2"}) {
    EXPECT_TRUE(IsValidFieldName(name)) << name;
  }
}

TEST(IsValidFieldNameTest, SegmentsMustStartWithLetterOrUnderscore) {
  EXPECT_FALSE(IsValidFieldName("1abc"));
  EXPECT_FALSE(IsValidFieldName("a.1b"));
  EXPECT_FALSE(IsValidFieldName("9"));
}

TEST(IsValidFieldNameTest, EmptySegmentsAreRefused) {
  EXPECT_FALSE(IsValidFieldName(""));
  EXPECT_FALSE(IsValidFieldName("."));
  EXPECT_FALSE(IsValidFieldName(".a"));
  EXPECT_FALSE(IsValidFieldName("a."));
  EXPECT_FALSE(IsValidFieldName("a..b"));
}

TEST(IsValidFieldNameTest, OtherCharactersAreRefused) {
  for (std::string_view name : {"a-b", "a b", "a/b", "a$", "caf\xc3\xa9", "a\n", "a:b", "a[0]"}) {
    EXPECT_FALSE(IsValidFieldName(name)) << name;
  }
}

TEST(IsValidFieldNameTest, AtMost128Bytes) {
  EXPECT_TRUE(IsValidFieldName(std::string(128, 'a')));
  EXPECT_FALSE(IsValidFieldName(std::string(129, 'a')));
  const std::string dotted = std::string(63, 'a') + "." + std::string(64, 'b');  // 128 bytes.
  EXPECT_TRUE(IsValidFieldName(dotted));
  EXPECT_FALSE(IsValidFieldName(dotted + "c"));
}

TEST(SchemaTest, FindAndNames) {
  Schema schema;
  schema.fields.resize(2);
  schema.fields[0].id = 1;
  schema.fields[0].name = "time";
  schema.fields[0].type = DataType::kTimestamp;
  schema.fields[1].id = 2;
  schema.fields[1].name = "level";
  ASSERT_NE(schema.Find("level"), nullptr);
  EXPECT_EQ(schema.Find("level")->id, 2u);
  EXPECT_EQ(schema.Find("Level"), nullptr);  // Case-sensitive.
  EXPECT_EQ(schema.Find("missing"), nullptr);
  schema.Find("level")->nullable = true;
  EXPECT_TRUE(schema.fields[1].nullable);
  const Schema& const_schema = schema;
  ASSERT_NE(const_schema.Find("time"), nullptr);
  EXPECT_EQ(const_schema.Find("time")->type, DataType::kTimestamp);
  EXPECT_EQ(schema.Names(), (std::vector<std::string_view>{"time", "level"}));
}

TEST(FieldTest, HasDefaultAndEquality) {
  Field field;
  field.id = 1;
  field.name = "n";
  field.type = DataType::kInt64;
  EXPECT_FALSE(field.has_default());
  Field with_default = field;
  with_default.default_value = int64_t{0};
  EXPECT_TRUE(with_default.has_default());
  EXPECT_FALSE(field == with_default);
  with_default.default_value = std::monostate();
  EXPECT_EQ(field, with_default);
}

}  // namespace
}  // namespace strata::types
