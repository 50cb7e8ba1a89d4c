#include "ingest/type_convert.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/time_util.h"
#include "ingest/field_index.h"
#include "ingest/record_error.h"

namespace strata::ingest {
namespace {

TEST(EpochTest, AutoUnitByMagnitude) {
  EXPECT_EQ(ResolveEpochUnit(TimeUnit::kAuto, 1.7e9), TimeUnit::kSeconds);
  EXPECT_EQ(ResolveEpochUnit(TimeUnit::kAuto, 99'999'999'999.0), TimeUnit::kSeconds);
  EXPECT_EQ(ResolveEpochUnit(TimeUnit::kAuto, 1e11), TimeUnit::kMillis);
  EXPECT_EQ(ResolveEpochUnit(TimeUnit::kAuto, 1.7e12), TimeUnit::kMillis);
  EXPECT_EQ(ResolveEpochUnit(TimeUnit::kAuto, 1e14), TimeUnit::kMicros);
  EXPECT_EQ(ResolveEpochUnit(TimeUnit::kAuto, 1.7e15), TimeUnit::kMicros);
  EXPECT_EQ(ResolveEpochUnit(TimeUnit::kAuto, 1e17), TimeUnit::kNanos);
  EXPECT_EQ(ResolveEpochUnit(TimeUnit::kAuto, 1.7e18), TimeUnit::kNanos);
  EXPECT_EQ(ResolveEpochUnit(TimeUnit::kMillis, 1.0), TimeUnit::kMillis);
}

TEST(EpochTest, SameInstantInEveryUnit) {
  const int64_t micros = *ParseRfc3339("2016-01-01T00:00:00Z");
  EXPECT_EQ(EpochToMicros(int64_t{1451606400}, TimeUnit::kAuto), micros);
  EXPECT_EQ(EpochToMicros(int64_t{1451606400000}, TimeUnit::kAuto), micros);
  EXPECT_EQ(EpochToMicros(int64_t{1451606400000000}, TimeUnit::kAuto), micros);
  EXPECT_EQ(EpochToMicros(int64_t{1451606400000000000}, TimeUnit::kAuto), micros);
  EXPECT_EQ(EpochToMicros(int64_t{1451606400}, TimeUnit::kSeconds), micros);
  EXPECT_EQ(EpochToMicros(int64_t{1451606400000}, TimeUnit::kMillis), micros);
  EXPECT_EQ(EpochToMicros(int64_t{1451606400000000}, TimeUnit::kMicros), micros);
  EXPECT_EQ(EpochToMicros(int64_t{1451606400000000000}, TimeUnit::kNanos), micros);
  EXPECT_EQ(EpochToMicros(1451606400.5, TimeUnit::kSeconds), micros + 500000);
  EXPECT_EQ(EpochToMicros(uint64_t{1451606400000000000}, TimeUnit::kAuto), micros);
  // An explicit unit wins over the magnitude: 1451606400 ms is 1970-01-17.
  EXPECT_EQ(EpochToMicros(int64_t{1451606400}, TimeUnit::kMillis), int64_t{1451606400} * 1000);
  EXPECT_EQ(EpochToMicros(int64_t{0}, TimeUnit::kAuto), 0);
}

TEST(EpochTest, NanosFloorAndNegativeValues) {
  EXPECT_EQ(EpochToMicros(int64_t{1999}, TimeUnit::kNanos), 1);
  EXPECT_EQ(EpochToMicros(int64_t{-1}, TimeUnit::kNanos), -1);
  EXPECT_EQ(EpochToMicros(int64_t{-86400}, TimeUnit::kAuto), -86400LL * 1000000);
}

TEST(EpochTest, OutOfRangeAndNonFinite) {
  EXPECT_FALSE(EpochToMicros(std::numeric_limits<int64_t>::max(), TimeUnit::kSeconds));
  EXPECT_FALSE(EpochToMicros(int64_t{253402300800}, TimeUnit::kSeconds));  // Year 10000.
  EXPECT_TRUE(EpochToMicros(int64_t{253402300799}, TimeUnit::kSeconds));
  EXPECT_FALSE(EpochToMicros(int64_t{-62167219201}, TimeUnit::kSeconds));  // Before year 0.
  EXPECT_FALSE(EpochToMicros(uint64_t{18446744073709551615u}, TimeUnit::kMicros));
  EXPECT_TRUE(EpochToMicros(uint64_t{18446744073709551615u}, TimeUnit::kNanos));  // 2554.
  EXPECT_FALSE(EpochToMicros(1e30, TimeUnit::kAuto));
  EXPECT_FALSE(EpochToMicros(std::nan(""), TimeUnit::kSeconds));
  EXPECT_FALSE(EpochToMicros(std::numeric_limits<double>::infinity(), TimeUnit::kNanos));
}

TEST(TextNumberTest, JsonNumberSyntax) {
  for (std::string_view ok : {"0", "-0", "1", "-12", "1.5", "1e5", "1E+5", "-1.25e-3", "0.0"}) {
    EXPECT_TRUE(IsJsonNumber(ok)) << ok;
  }
  for (std::string_view bad : {"", "-", "+1", "01", "1.", ".5", "1e", "1e+", "NaN", "Infinity",
                               "-Infinity", "0x10", "1 ", " 1", "1_000", "--1", "1.2.3"}) {
    EXPECT_FALSE(IsJsonNumber(bad)) << bad;
  }
}

TEST(TextNumberTest, Kinds) {
  TextNumber n = ParseTextNumber("-42");
  EXPECT_EQ(n.kind, TextNumber::Kind::kInt);
  EXPECT_EQ(n.int_value, -42);
  n = ParseTextNumber("9223372036854775808");
  EXPECT_EQ(n.kind, TextNumber::Kind::kUInt);
  EXPECT_EQ(n.uint_value, 9223372036854775808u);
  n = ParseTextNumber("18446744073709551616");
  EXPECT_EQ(n.kind, TextNumber::Kind::kDouble);
  EXPECT_TRUE(n.integral_text);
  EXPECT_EQ(n.double_value, 18446744073709551616.0);
  n = ParseTextNumber("-9223372036854775809");
  EXPECT_EQ(n.kind, TextNumber::Kind::kDouble);
  EXPECT_TRUE(n.integral_text);
  n = ParseTextNumber("1.5");
  EXPECT_EQ(n.kind, TextNumber::Kind::kDouble);
  EXPECT_FALSE(n.integral_text);
  EXPECT_EQ(n.double_value, 1.5);
  EXPECT_EQ(ParseTextNumber("1e400").kind, TextNumber::Kind::kOutOfRange);
  n = ParseTextNumber("1e-400");  // Underflow reads as zero, as JSON parsers do.
  EXPECT_EQ(n.kind, TextNumber::Kind::kDouble);
  EXPECT_EQ(n.double_value, 0.0);
  EXPECT_EQ(ParseTextNumber("nan").kind, TextNumber::Kind::kInvalid);
  EXPECT_EQ(ParseTextNumber("inf").kind, TextNumber::Kind::kInvalid);
  EXPECT_EQ(ParseTextNumber("12abc").kind, TextNumber::Kind::kInvalid);
  EXPECT_EQ(ParseTextNumber("").kind, TextNumber::Kind::kInvalid);
}

TEST(TextBoolTest, TrueFalseOnly) {
  EXPECT_EQ(ParseTextBool("true"), true);
  EXPECT_EQ(ParseTextBool("FALSE"), false);
  EXPECT_EQ(ParseTextBool("True"), true);
  for (std::string_view bad : {"", "1", "0", "yes", "t", "truee", " true"}) {
    EXPECT_FALSE(ParseTextBool(bad).has_value()) << bad;
  }
}

TEST(FieldIndexTest, FindsEveryNameAndNothingElse) {
  std::vector<std::string> owned;
  for (int i = 0; i < 300; ++i) owned.push_back("field_" + std::to_string(i));
  owned.push_back("request.path");
  owned.push_back("");
  std::vector<std::string_view> names(owned.begin(), owned.end());
  const FieldIndex index(names);
  ASSERT_EQ(index.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(index.Find(names[i]), static_cast<int>(i)) << names[i];
    EXPECT_EQ(index.NameAt(static_cast<int>(i)), names[i]);
  }
  EXPECT_EQ(index.Find("field_300"), FieldIndex::kNotFound);
  EXPECT_EQ(index.Find("request"), FieldIndex::kNotFound);
  EXPECT_EQ(index.Find("Field_1"), FieldIndex::kNotFound);
  EXPECT_EQ(index.Find(std::string(10000, 'x')), FieldIndex::kNotFound);
  EXPECT_EQ(FieldIndex().Find("a"), FieldIndex::kNotFound);
}

TEST(FieldIndexTest, SurvivesMoveOfShortNames) {
  std::vector<std::string_view> names = {"a", "b"};
  FieldIndex index(names);
  FieldIndex moved = std::move(index);
  EXPECT_EQ(moved.Find("b"), 1);
  EXPECT_EQ(moved.NameAt(0), "a");
}

TEST(RecordErrorTest, StableNames) {
  EXPECT_EQ(RecordErrorCodeName(RecordErrorCode::kTypeMismatch), "type_mismatch");
  EXPECT_EQ(RecordErrorCodeName(RecordErrorCode::kMissingField), "missing_field");
  EXPECT_EQ(RecordErrorCodeName(RecordErrorCode::kNullNotAllowed), "null_not_allowed");
  EXPECT_EQ(RecordErrorCodeName(RecordErrorCode::kUnknownField), "unknown_field");
  EXPECT_EQ(RecordErrorCodeName(RecordErrorCode::kDuplicateField), "duplicate_field");
  EXPECT_EQ(RecordErrorCodeName(RecordErrorCode::kStringTooLong), "string_too_long");
  EXPECT_EQ(RecordErrorCodeName(RecordErrorCode::kIntOutOfRange), "int_out_of_range");
  EXPECT_EQ(RecordErrorCodeName(RecordErrorCode::kNumberOutOfRange), "number_out_of_range");
  EXPECT_EQ(RecordErrorCodeName(RecordErrorCode::kBadTimestamp), "bad_timestamp");
  EXPECT_EQ(RecordErrorCodeName(RecordErrorCode::kInvalidJson), "invalid_json");
  EXPECT_EQ(RecordErrorCodeName(RecordErrorCode::kInvalidFieldName), "invalid_field_name");
  EXPECT_EQ(RecordErrorCodeName(RecordErrorCode::kRecordTooLarge), "record_too_large");
  EXPECT_EQ(RecordErrorCodeName(RecordErrorCode::kNestingTooDeep), "nesting_too_deep");
  EXPECT_EQ(RecordErrorCodeName(RecordErrorCode::kNotAnObject), "not_an_object");
}

}  // namespace
}  // namespace strata::ingest
