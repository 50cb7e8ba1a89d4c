#include "common/trace_context.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace strata {
namespace {

constexpr std::string_view kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kParent = "00f067aa0ba902b7";

std::string Header(std::string_view version, std::string_view trace, std::string_view parent,
                   std::string_view flags) {
  return std::string(version) + "-" + std::string(trace) + "-" + std::string(parent) + "-" +
         std::string(flags);
}

TEST(ParseTraceParentTest, ValidVersion00) {
  const std::optional<TraceParent> parsed = ParseTraceParent(Header("00", kTrace, kParent, "01"));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, kTrace);
  EXPECT_EQ(parsed->parent_id, kParent);
  EXPECT_EQ(parsed->flags, 1);
}

TEST(ParseTraceParentTest, FlagsAreHex) {
  std::optional<TraceParent> unsampled = ParseTraceParent(Header("00", kTrace, kParent, "00"));
  ASSERT_TRUE(unsampled.has_value());
  EXPECT_EQ(unsampled->flags, 0);
  std::optional<TraceParent> all = ParseTraceParent(Header("00", kTrace, kParent, "ff"));
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->flags, 0xff);
  EXPECT_FALSE(ParseTraceParent(Header("00", kTrace, kParent, "0g")).has_value());
}

TEST(ParseTraceParentTest, AllZeroIdsAreInvalid) {
  EXPECT_FALSE(ParseTraceParent(Header("00", std::string(32, '0'), kParent, "01")).has_value());
  EXPECT_FALSE(ParseTraceParent(Header("00", kTrace, std::string(16, '0'), "01")).has_value());
  // One non-zero digit is enough.
  EXPECT_TRUE(
      ParseTraceParent(Header("00", std::string(31, '0') + "1", kParent, "01")).has_value());
  EXPECT_TRUE(ParseTraceParent(Header("00", kTrace, "1" + std::string(15, '0'), "01")).has_value());
}

TEST(ParseTraceParentTest, UppercaseHexIsInvalid) {
  EXPECT_FALSE(ParseTraceParent(Header("00", "4BF92F3577B34DA6A3CE929D0E0E4736", kParent, "01"))
                   .has_value());
  EXPECT_FALSE(ParseTraceParent(Header("00", kTrace, "00F067AA0BA902B7", "01")).has_value());
  EXPECT_FALSE(ParseTraceParent(Header("00", kTrace, kParent, "0A")).has_value());
  EXPECT_FALSE(ParseTraceParent(Header("0A", kTrace, kParent, "01")).has_value());
}

TEST(ParseTraceParentTest, VersionFfIsInvalid) {
  EXPECT_FALSE(ParseTraceParent(Header("ff", kTrace, kParent, "01")).has_value());
}

TEST(ParseTraceParentTest, WrongLengthsAndSeparators) {
  const std::string valid = Header("00", kTrace, kParent, "01");
  EXPECT_FALSE(ParseTraceParent("").has_value());
  EXPECT_FALSE(ParseTraceParent(valid.substr(0, 54)).has_value());
  EXPECT_FALSE(ParseTraceParent(valid + "0").has_value());
  EXPECT_FALSE(ParseTraceParent(valid + "-").has_value());
  // Version 00 allows nothing after the flags, not even another field.
  EXPECT_FALSE(ParseTraceParent(valid + "-extra").has_value());
  EXPECT_FALSE(ParseTraceParent(Header("00", kTrace.substr(1), kParent, "01") + "0").has_value());
  std::string underscores = valid;
  underscores[2] = '_';
  EXPECT_FALSE(ParseTraceParent(underscores).has_value());
  std::string shifted = valid;
  shifted[35] = '0';
  shifted[36] = '-';
  EXPECT_FALSE(ParseTraceParent(shifted).has_value());
  EXPECT_FALSE(ParseTraceParent(" " + valid.substr(1)).has_value());
}

TEST(ParseTraceParentTest, FutureVersionMayAppendFields) {
  const std::optional<TraceParent> exact = ParseTraceParent(Header("01", kTrace, kParent, "01"));
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(exact->trace_id, kTrace);
  const std::optional<TraceParent> extended =
      ParseTraceParent(Header("cc", kTrace, kParent, "01") + "-what-ever");
  ASSERT_TRUE(extended.has_value());
  EXPECT_EQ(extended->parent_id, kParent);
  EXPECT_EQ(extended->flags, 1);
  // A later version must still separate its extra fields with '-'.
  EXPECT_FALSE(ParseTraceParent(Header("01", kTrace, kParent, "01") + "x").has_value());
}

}  // namespace
}  // namespace strata
