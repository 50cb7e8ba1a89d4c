#include "ingest/line_protocol.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ingest/utf8.h"

namespace strata::ingest {
namespace {

using Outcome = LineProtocolReader::Outcome;
using Code = LineProtocolErrorCode;

constexpr int64_t kNow = 1'700'000'000'000'000;  // Microseconds.

// Concatenates its arguments. (Used instead of chains of operator+, which trip a false
// -Wrestrict warning of GCC 12 at -O3.)
template <typename... Parts>
std::string Cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

// Owned copies of what the reader hands out (its views die at the next Next()).
struct OwnedField {
  std::string key;
  FieldKind kind = FieldKind::kFloat;
  double float_value = 0;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  bool bool_value = false;
  std::string string_value;
};

struct OwnedPoint {
  std::string measurement;
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<OwnedField> fields;
  int64_t timestamp_us = 0;
  bool has_timestamp = false;
  uint64_t index = 0;
  uint64_t line = 0;
  std::string raw_line;

  const OwnedField& Get(std::string_view key) const {
    for (const OwnedField& field : fields) {
      if (field.key == key) return field;
    }
    ADD_FAILURE() << "no field " << key;
    static const OwnedField kMissing{};
    return kMissing;
  }
};

struct OwnedError {
  Code code = Code::kSyntax;
  std::string code_name;
  uint64_t index = 0;
  uint64_t line = 0;
  uint64_t column = 0;
  std::string reason;
  std::string message;
  std::string raw_line;
};

struct Record {
  bool is_point = false;
  OwnedPoint point;
  OwnedError error;
};

OwnedPoint Own(const Point& point) {
  OwnedPoint out{std::string(point.measurement),
                 {},
                 {},
                 point.timestamp_us,
                 point.has_timestamp,
                 point.index,
                 point.line,
                 std::string(point.raw_line)};
  for (const Tag& tag : point.tags) out.tags.emplace_back(tag.key, tag.value);
  for (const Field& f : point.fields) {
    out.fields.push_back({std::string(f.key), f.kind, f.float_value, f.int_value, f.uint_value,
                          f.bool_value, std::string(f.string_value)});
  }
  return out;
}

OwnedError Own(const LineProtocolError& error) {
  return {error.code,   std::string(error.code_name()), error.index,   error.line,
          error.column, std::string(error.reason),      error.message, std::string(error.raw_line)};
}

LineProtocolOptions Options(TimestampPrecision precision = TimestampPrecision::kNanoseconds) {
  LineProtocolOptions options;
  options.precision = precision;
  options.now_us = kNow;
  return options;
}

std::vector<Record> ReadAll(std::string_view body, const LineProtocolOptions& options) {
  LineProtocolReader reader(body, options);
  Point point;
  std::vector<Record> records;
  for (size_t guard = 0; guard <= body.size() + 1; ++guard) {
    const Outcome outcome = reader.Next(point);
    if (outcome == Outcome::kEnd) {
      EXPECT_EQ(reader.Next(point), Outcome::kEnd);  // kEnd is sticky.
      return records;
    }
    Record record;
    record.is_point = outcome == Outcome::kPoint;
    if (record.is_point) {
      record.point = Own(point);
    } else {
      record.error = Own(reader.error());
    }
    records.push_back(std::move(record));
  }
  ADD_FAILURE() << "reader did not end";
  return records;
}

std::vector<Record> ReadAll(std::string_view body) { return ReadAll(body, Options()); }

// The single point of a one-record body.
OwnedPoint ParseOne(std::string_view body, const LineProtocolOptions& options = Options()) {
  std::vector<Record> records = ReadAll(body, options);
  if (records.size() != 1 || !records[0].is_point) {
    ADD_FAILURE() << "expected one point from '" << body << "', got " << records.size()
                  << " records"
                  << (records.empty() || records[0].is_point ? ""
                                                             : ": " + records[0].error.message);
    return {};
  }
  return records[0].point;
}

// The single error of a one-record body.
OwnedError ErrorOf(std::string_view body, const LineProtocolOptions& options = Options()) {
  std::vector<Record> records = ReadAll(body, options);
  if (records.size() != 1 || records[0].is_point) {
    ADD_FAILURE() << "expected one error from '" << body << "', got " << records.size()
                  << " records";
    return {};
  }
  return records[0].error;
}

void ExpectError(std::string_view body, Code code, uint64_t column,
                 const LineProtocolOptions& options = Options()) {
  const OwnedError error = ErrorOf(body, options);
  EXPECT_EQ(error.code, code) << body << ": " << error.message;
  EXPECT_EQ(error.line, 1u) << body;
  EXPECT_EQ(error.column, column) << body << ": " << error.message;
}

// ---------------------------------------------------------------------------------------
// Structure.

TEST(LineProtocolTest, ParsesMeasurementTagsFieldsAndTimestamp) {
  const OwnedPoint p =
      ParseOne("cpu,host=server01,region=eu-west usage=1.5,count=3i 1700000000123456789");
  EXPECT_EQ(p.measurement, "cpu");
  ASSERT_EQ(p.tags.size(), 2u);
  EXPECT_EQ(p.tags[0], std::make_pair(std::string("host"), std::string("server01")));
  EXPECT_EQ(p.tags[1], std::make_pair(std::string("region"), std::string("eu-west")));
  ASSERT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(p.fields[0].key, "usage");
  EXPECT_EQ(p.fields[0].kind, FieldKind::kFloat);
  EXPECT_EQ(p.fields[0].float_value, 1.5);
  EXPECT_EQ(p.fields[1].key, "count");
  EXPECT_EQ(p.fields[1].kind, FieldKind::kInt);
  EXPECT_EQ(p.fields[1].int_value, 3);
  EXPECT_TRUE(p.has_timestamp);
  EXPECT_EQ(p.timestamp_us, 1700000000123456);  // Nanoseconds floor-divided.
  EXPECT_EQ(p.index, 0u);
  EXPECT_EQ(p.line, 1u);
  EXPECT_EQ(p.raw_line, "cpu,host=server01,region=eu-west usage=1.5,count=3i 1700000000123456789");
}

TEST(LineProtocolTest, TagsAndTimestampAreOptional) {
  const OwnedPoint p = ParseOne("mem free=12i");
  EXPECT_EQ(p.measurement, "mem");
  EXPECT_TRUE(p.tags.empty());
  ASSERT_EQ(p.fields.size(), 1u);
  EXPECT_FALSE(p.has_timestamp);
  EXPECT_EQ(p.timestamp_us, kNow);

  const OwnedPoint tagged = ParseOne("mem,host=a free=12i\n");
  EXPECT_EQ(tagged.tags.size(), 1u);
  EXPECT_FALSE(tagged.has_timestamp);
  EXPECT_EQ(tagged.timestamp_us, kNow);
}

TEST(LineProtocolTest, ToleratesExtraSpacesBetweenSectionsAndAtTheEnds) {
  const OwnedPoint p = ParseOne("  cpu,host=a  \t v=1,w=2   123000 \t ");
  EXPECT_EQ(p.measurement, "cpu");
  EXPECT_EQ(p.tags.size(), 1u);
  EXPECT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(p.timestamp_us, 123);
  const OwnedPoint q = ParseOne("cpu v=1 ");
  EXPECT_FALSE(q.has_timestamp);
}

TEST(LineProtocolTest, AcceptsCrLfAndABodyWithoutFinalNewline) {
  const std::vector<Record> records = ReadAll("a v=1 1000\r\nb v=2 2000\r\nc v=3\r");
  ASSERT_EQ(records.size(), 3u);
  for (const Record& r : records) ASSERT_TRUE(r.is_point) << r.error.message;
  EXPECT_EQ(records[0].point.raw_line, "a v=1 1000");
  EXPECT_EQ(records[0].point.timestamp_us, 1);
  EXPECT_EQ(records[1].point.raw_line, "b v=2 2000");
  EXPECT_EQ(records[1].point.line, 2u);
  EXPECT_EQ(records[2].point.raw_line, "c v=3");
  EXPECT_EQ(records[2].point.line, 3u);
  EXPECT_EQ(records[2].point.fields[0].float_value, 3.0);
}

TEST(LineProtocolTest, SkipsBlankLinesAndComments) {
  const std::string body =
      "# a comment with \"quotes and \xFF bytes\n"
      "\n"
      "   \t \r\n"
      "\t# an indented comment\n"
      "cpu v=1\n"
      "\n"
      "#cpu v=2\n"
      "cpu v=3\n"
      "\n";
  const std::vector<Record> records = ReadAll(body);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].point.line, 5u);
  EXPECT_EQ(records[0].point.index, 0u);
  EXPECT_EQ(records[1].point.line, 8u);
  EXPECT_EQ(records[1].point.index, 1u);
  EXPECT_EQ(records[1].point.fields[0].float_value, 3.0);
  EXPECT_TRUE(ReadAll("").empty());
  EXPECT_TRUE(ReadAll("\n\n\r\n# only comments\n").empty());
}

TEST(LineProtocolTest, IndexCountsPointsAndBadLinesAlike) {
  const std::vector<Record> records = ReadAll("a v=1\n# c\nbad\n\nb v=2\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_TRUE(records[0].is_point);
  EXPECT_EQ(records[0].point.index, 0u);
  EXPECT_FALSE(records[1].is_point);
  EXPECT_EQ(records[1].error.index, 1u);
  EXPECT_EQ(records[1].error.line, 3u);
  EXPECT_TRUE(records[2].is_point);
  EXPECT_EQ(records[2].point.index, 2u);
  EXPECT_EQ(records[2].point.line, 5u);
}

TEST(LineProtocolTest, ReusesPointVectorsAcrossCalls) {
  const std::string body = "a,t1=1,t2=2,t3=3 f1=1,f2=2,f3=3,f4=4\nb,t=1 f=1\nc f=1,g=2\n";
  LineProtocolReader reader(body, Options());
  Point point;
  ASSERT_EQ(reader.Next(point), Outcome::kPoint);
  const Tag* tags = point.tags.data();
  const Field* fields = point.fields.data();
  ASSERT_EQ(reader.Next(point), Outcome::kPoint);
  EXPECT_EQ(point.tags.size(), 1u);
  EXPECT_EQ(point.fields.size(), 1u);
  EXPECT_EQ(point.tags.data(), tags);
  EXPECT_EQ(point.fields.data(), fields);
  ASSERT_EQ(reader.Next(point), Outcome::kPoint);
  EXPECT_TRUE(point.tags.empty());
  EXPECT_EQ(point.fields.size(), 2u);
  EXPECT_EQ(point.fields.data(), fields);
  EXPECT_EQ(reader.Next(point), Outcome::kEnd);
  EXPECT_EQ(reader.records(), 3u);
}

// ---------------------------------------------------------------------------------------
// Field values.

TEST(LineProtocolTest, FloatForms) {
  const std::pair<const char*, double> cases[] = {
      {"1", 1.0},
      {"1.5", 1.5},
      {"-1e3", -1000.0},
      {"1E3", 1000.0},
      {"1e+2", 100.0},
      {"2.5e-3", 0.0025},
      {".5", 0.5},
      {"5.", 5.0},
      {"-0", -0.0},
      {"0", 0.0},
      {"007", 7.0},
      {"-.25", -0.25},
      {"1.7976931348623157e308", 1.7976931348623157e308},
      {"4.9e-324", 4.9e-324},
  };
  for (const auto& [text, expected] : cases) {
    const OwnedPoint p = ParseOne(std::string("m v=") + text);
    ASSERT_EQ(p.fields.size(), 1u) << text;
    EXPECT_EQ(p.fields[0].kind, FieldKind::kFloat) << text;
    EXPECT_EQ(p.fields[0].float_value, expected) << text;
    EXPECT_EQ(std::signbit(p.fields[0].float_value), std::signbit(expected)) << text;
  }
}

TEST(LineProtocolTest, FloatUnderflowReadsAsZeroAndOverflowIsAnError) {
  const OwnedPoint p = ParseOne(
      "m a=1e-400,b=-1e-400,c=0.0000000000000000000000000000000000000000"
      "00000000000000000000000000000000000000000000000000000000000000"
      "00000000000000000000000000000000000000000000000000000000000000"
      "00000000000000000000000000000000000000000000000000000000000000"
      "00000000000000000000000000000000000000000000000000000000000000"
      "000000000000000000000000000000000000000000000000000000000001");
  EXPECT_EQ(p.Get("a").float_value, 0.0);
  EXPECT_FALSE(std::signbit(p.Get("a").float_value));
  EXPECT_EQ(p.Get("b").float_value, 0.0);
  EXPECT_TRUE(std::signbit(p.Get("b").float_value));
  EXPECT_EQ(p.Get("c").float_value, 0.0);
  ExpectError("m v=1e309", Code::kBadFieldValue, 5);
  ExpectError("m v=-1e309", Code::kBadFieldValue, 5);
  ExpectError("m v=" + std::string(400, '9'), Code::kBadFieldValue, 5);
  ExpectError("m v=1" + std::string(400, '0') + "e-50", Code::kBadFieldValue, 5);
  // Small mantissa, huge positive exponent beyond any int.
  ExpectError("m v=0.0001e99999999999999999999", Code::kBadFieldValue, 5);
  const OwnedPoint q = ParseOne("m v=10000e-99999999999999999999");
  EXPECT_EQ(q.fields[0].float_value, 0.0);
}

TEST(LineProtocolTest, RejectsNanAndInfinityLiterals) {
  for (const char* text : {"nan", "NaN", "-nan", "inf", "Inf", "-inf", "+Inf", "infinity",
                           "Infinity", "-Infinity", "NAN", "+nan"}) {
    ExpectError(std::string("m v=") + text, Code::kBadFieldValue, 5);
  }
}

TEST(LineProtocolTest, RejectsMalformedNumbersAndWords) {
  for (const char* text :
       {"abc",  "1.5i", "1x",    "tru",  "truE", "yes",   "i",   "-i",   "u",
        "-u",   "-",    ".",     "-.",   "0x10", "1_000", "+1",  "1..2", "1e",
        "1ee2", "--1",  "1.2.3", "1e5i", "12 i", "12I",   "12U", "1,5i", "\xC3\xA9"}) {
    const std::string line = std::string("m v=") + text;
    const OwnedError error = ErrorOf(line);
    // "12 i" splits into a value and a bad timestamp; every other case is a bad value.
    if (std::string_view(text) == "12 i") {
      EXPECT_EQ(error.code, Code::kBadTimestamp) << line;
    } else if (std::string_view(text) == "1,5i") {
      EXPECT_EQ(error.code, Code::kSyntax) << line;  // "5i" is a field key without '='.
    } else {
      EXPECT_EQ(error.code, Code::kBadFieldValue) << line << ": " << error.message;
      EXPECT_EQ(error.column, 5u) << line;
    }
  }
}

TEST(LineProtocolTest, IntegerValuesAndRangeLimits) {
  const OwnedPoint p =
      ParseOne("m a=0i,b=-0i,c=12i,d=-12i,e=9223372036854775807i,f=-9223372036854775808i,g=007i");
  EXPECT_EQ(p.Get("a").int_value, 0);
  EXPECT_EQ(p.Get("b").int_value, 0);
  EXPECT_EQ(p.Get("c").int_value, 12);
  EXPECT_EQ(p.Get("d").int_value, -12);
  EXPECT_EQ(p.Get("e").int_value, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(p.Get("f").int_value, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(p.Get("g").int_value, 7);
  for (const OwnedField& f : p.fields) EXPECT_EQ(f.kind, FieldKind::kInt) << f.key;

  ExpectError("m v=9223372036854775808i", Code::kIntOverflow, 5);
  ExpectError("m v=-9223372036854775809i", Code::kIntOverflow, 5);
  ExpectError("m v=99999999999999999999999999999i", Code::kIntOverflow, 5);
  ExpectError("m v=18446744073709551616i", Code::kIntOverflow, 5);
}

TEST(LineProtocolTest, UnsignedValuesAndRangeLimits) {
  const OwnedPoint p = ParseOne("m a=0u,b=12u,c=18446744073709551615u,d=9223372036854775808u");
  EXPECT_EQ(p.Get("a").uint_value, 0u);
  EXPECT_EQ(p.Get("b").uint_value, 12u);
  EXPECT_EQ(p.Get("c").uint_value, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(p.Get("d").uint_value, uint64_t{1} << 63);
  for (const OwnedField& f : p.fields) EXPECT_EQ(f.kind, FieldKind::kUInt) << f.key;

  ExpectError("m v=18446744073709551616u", Code::kIntOverflow, 5);
  ExpectError("m v=-1u", Code::kIntOverflow, 5);
  ExpectError("m v=-0u", Code::kIntOverflow, 5);
  ExpectError("m v=1.5u", Code::kBadFieldValue, 5);
}

TEST(LineProtocolTest, BooleanSpellings) {
  const char* truthy[] = {"t", "T", "true", "True", "TRUE"};
  const char* falsy[] = {"f", "F", "false", "False", "FALSE"};
  for (const char* text : truthy) {
    const OwnedPoint p = ParseOne(std::string("m v=") + text);
    ASSERT_EQ(p.fields.size(), 1u);
    EXPECT_EQ(p.fields[0].kind, FieldKind::kBool) << text;
    EXPECT_TRUE(p.fields[0].bool_value) << text;
  }
  for (const char* text : falsy) {
    const OwnedPoint p = ParseOne(std::string("m v=") + text);
    ASSERT_EQ(p.fields.size(), 1u);
    EXPECT_EQ(p.fields[0].kind, FieldKind::kBool) << text;
    EXPECT_FALSE(p.fields[0].bool_value) << text;
  }
  for (const char* text : {"tRUE", "TRue", "fALSE", "yes", "no", "on", "1b", "tt", "ff"}) {
    ExpectError(std::string("m v=") + text, Code::kBadFieldValue, 5);
  }
}

TEST(LineProtocolTest, StringValues) {
  const OwnedPoint p = ParseOne(
      R"(m a="hello",b="",c="with spaces, commas = and equals",d="say \"hi\"",e="back\\slash",)"
      R"(f="trail\\",g="\n\t kept",h="é ünï 😀" 5000)");
  EXPECT_EQ(p.Get("a").string_value, "hello");
  EXPECT_EQ(p.Get("a").kind, FieldKind::kString);
  EXPECT_EQ(p.Get("b").string_value, "");
  EXPECT_EQ(p.Get("b").kind, FieldKind::kString);
  EXPECT_EQ(p.Get("c").string_value, "with spaces, commas = and equals");
  EXPECT_EQ(p.Get("d").string_value, "say \"hi\"");
  EXPECT_EQ(p.Get("e").string_value, "back\\slash");
  EXPECT_EQ(p.Get("f").string_value, "trail\\");
  EXPECT_EQ(p.Get("g").string_value, "\\n\\t kept");  // Other escapes stay literal.
  EXPECT_EQ(p.Get("h").string_value, "é ünï 😀");
  EXPECT_EQ(p.timestamp_us, 5);
}

TEST(LineProtocolTest, StringValuesMaySpanLines) {
  const std::string body =
      "log,app=x msg=\"first\nsecond\r\nthird\",n=1i 1000\n"
      "cpu v=\"no newline\" 2000\n"
      "cpu v=2\n";
  const std::vector<Record> records = ReadAll(body);
  ASSERT_EQ(records.size(), 3u);
  ASSERT_TRUE(records[0].is_point) << records[0].error.message;
  EXPECT_EQ(records[0].point.Get("msg").string_value, "first\nsecond\r\nthird");
  EXPECT_EQ(records[0].point.Get("n").int_value, 1);
  EXPECT_EQ(records[0].point.line, 1u);
  EXPECT_EQ(records[0].point.raw_line, "log,app=x msg=\"first\nsecond\r\nthird\",n=1i 1000");
  EXPECT_EQ(records[1].point.line, 4u);
  EXPECT_EQ(records[1].point.index, 1u);
  EXPECT_EQ(records[2].point.line, 5u);
}

TEST(LineProtocolTest, QuotesOutsideStringValuesDoNotJoinLines) {
  // A quote in a tag value, in a measurement, in a field key or inside an unquoted value
  // is an ordinary byte.
  const std::vector<Record> records = ReadAll(
      "m\"x,t=a\"b v=1\n"
      "m k\"ey=1\n"
      "m v=1\"\n"
      "m v=2\n");
  ASSERT_EQ(records.size(), 4u);
  ASSERT_TRUE(records[0].is_point) << records[0].error.message;
  EXPECT_EQ(records[0].point.measurement, "m\"x");
  EXPECT_EQ(records[0].point.tags[0].second, "a\"b");
  ASSERT_TRUE(records[1].is_point) << records[1].error.message;
  EXPECT_EQ(records[1].point.fields[0].key, "k\"ey");
  EXPECT_FALSE(records[2].is_point);
  EXPECT_EQ(records[2].error.code, Code::kBadFieldValue);
  EXPECT_EQ(records[2].error.line, 3u);
  ASSERT_TRUE(records[3].is_point);
  EXPECT_EQ(records[3].point.line, 4u);
}

TEST(LineProtocolTest, UnterminatedStringRunsToTheEndOfTheBody) {
  const std::string body = "ok v=1\ncpu v=\"abc\nnext v=1\nlast v=2\n";
  const std::vector<Record> records = ReadAll(body);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].is_point);
  ASSERT_FALSE(records[1].is_point);
  EXPECT_EQ(records[1].error.code, Code::kUnterminatedString);
  EXPECT_EQ(records[1].error.code_name, "lp_unterminated_string");
  EXPECT_EQ(records[1].error.line, 2u);
  EXPECT_EQ(records[1].error.column, 7u);  // The opening quote.
  EXPECT_EQ(records[1].error.raw_line, "cpu v=\"abc\nnext v=1\nlast v=2");
  ExpectError(R"(cpu v="abc\")", Code::kUnterminatedString, 7);
}

TEST(LineProtocolTest, TextAfterAClosingQuoteIsAnError) {
  ExpectError(R"(m v="a"x)", Code::kSyntax, 8);
  ExpectError(R"(m v="a""b")", Code::kSyntax, 8);
  const OwnedPoint p = ParseOne(R"(m v="a",w="b" 1000)");
  EXPECT_EQ(p.fields.size(), 2u);
}

// ---------------------------------------------------------------------------------------
// Escapes.

TEST(LineProtocolTest, EscapesInTheMeasurement) {
  EXPECT_EQ(ParseOne(R"(my\ cpu\,x v=1)").measurement, "my cpu,x");
  EXPECT_EQ(ParseOne(R"(a\=b v=1)").measurement, R"(a\=b)");  // '=' needs no escape here.
  EXPECT_EQ(ParseOne(R"(a=b v=1)").measurement, "a=b");
  EXPECT_EQ(ParseOne(R"(a\\b v=1)").measurement, R"(a\\b)");  // "\\" stays two bytes.
  EXPECT_EQ(ParseOne(R"(a\xb v=1)").measurement, R"(a\xb)");
  EXPECT_EQ(ParseOne("caf\xC3\xA9 v=1").measurement, "caf\xC3\xA9");
  // "\ " at the end pairs, so the measurement swallows the rest of the line.
  ExpectError(R"(cpu\ v=1)", Code::kMissingFields, 9);
  // A lone trailing backslash is literal.
  ExpectError(R"(cpu\)", Code::kMissingFields, 5);
}

TEST(LineProtocolTest, EscapesInTagKeysAndValues) {
  const OwnedPoint p = ParseOne(R"(m,ta\ g\,k\=y=va\ l\,u\=e,x\y=a\b,bs=a\\ v=1)");
  ASSERT_EQ(p.tags.size(), 3u);
  EXPECT_EQ(p.tags[0].first, "ta g,k=y");
  EXPECT_EQ(p.tags[0].second, "va l,u=e");
  EXPECT_EQ(p.tags[1].first, R"(x\y)");
  EXPECT_EQ(p.tags[1].second, R"(a\b)");
  EXPECT_EQ(p.tags[2].first, "bs");
  EXPECT_EQ(p.tags[2].second, R"(a\\)");  // The pair "\\" does not escape the space.
  EXPECT_EQ(p.fields[0].key, "v");
}

TEST(LineProtocolTest, EscapesInFieldKeys) {
  const OwnedPoint p = ParseOne(R"(m fi\ e\,l\=d=1i,a\b=2i,"q"=3i)");
  ASSERT_EQ(p.fields.size(), 3u);
  EXPECT_EQ(p.fields[0].key, "fi e,l=d");
  EXPECT_EQ(p.fields[1].key, R"(a\b)");
  EXPECT_EQ(p.fields[2].key, R"("q")");
}

TEST(LineProtocolTest, EscapedAndPlainTokensMixInOneLine) {
  // Many escaped tokens in one line exercise the scratch buffer; views must not move.
  std::string line = R"(m\ 0)";
  for (int i = 0; i < 50; ++i) {
    line += ",t" + std::to_string(i) + R"(\ k=v\,)" + std::to_string(i);
  }
  line += " ";
  for (int i = 0; i < 50; ++i) {
    if (i > 0) line += ",";
    line += Cat("f", std::to_string(i), R"(\==")", std::string(i, 'x'), R"(\"")");
  }
  const OwnedPoint p = ParseOne(line);
  EXPECT_EQ(p.measurement, "m 0");
  ASSERT_EQ(p.tags.size(), 50u);
  ASSERT_EQ(p.fields.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(p.tags[i].first, Cat("t", std::to_string(i), " k"));
    EXPECT_EQ(p.tags[i].second, "v," + std::to_string(i));
    EXPECT_EQ(p.fields[i].key, Cat("f", std::to_string(i), "="));
    EXPECT_EQ(p.fields[i].string_value, std::string(i, 'x') + "\"");
  }
}

// ---------------------------------------------------------------------------------------
// Duplicate keys.

TEST(LineProtocolTest, DuplicateFieldKeysKeepTheLastValueAtTheFirstPosition) {
  const OwnedPoint p = ParseOne("m a=1,b=2,a=3i,c=t,b=\"x\",a=4u");
  ASSERT_EQ(p.fields.size(), 3u);
  EXPECT_EQ(p.fields[0].key, "a");
  EXPECT_EQ(p.fields[0].kind, FieldKind::kUInt);
  EXPECT_EQ(p.fields[0].uint_value, 4u);
  EXPECT_EQ(p.fields[1].key, "b");
  EXPECT_EQ(p.fields[1].kind, FieldKind::kString);
  EXPECT_EQ(p.fields[1].string_value, "x");
  EXPECT_EQ(p.fields[2].key, "c");
  EXPECT_EQ(p.fields[2].kind, FieldKind::kBool);
}

TEST(LineProtocolTest, DuplicateFieldKeysOnAWideLine) {
  // Wide enough for the sorting path.
  std::string line = "m ";
  for (int i = 0; i < 300; ++i) {
    if (i > 0) line += ",";
    line += Cat("k", std::to_string(i % 100), "=", std::to_string(i), "i");
  }
  const OwnedPoint p = ParseOne(line);
  ASSERT_EQ(p.fields.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(p.fields[i].key, Cat("k", std::to_string(i)));
    EXPECT_EQ(p.fields[i].int_value, 200 + i);
  }
}

TEST(LineProtocolTest, DuplicateTagKeysAreAnError) {
  ExpectError("cpu,a=1,b=2,a=3 v=1", Code::kDuplicateTag, 13);
  ExpectError(R"(cpu,a\ b=1,a\ b=2 v=1)", Code::kDuplicateTag, 12);
  std::string wide = "cpu";
  for (int i = 0; i < 200; ++i) wide += ",t" + std::to_string(i) + "=x";
  const std::string dup = wide + ",t150=y v=1";
  ExpectError(dup, Code::kDuplicateTag, wide.size() + 2);
  EXPECT_EQ(ParseOne(wide + " v=1").tags.size(), 200u);
}

// ---------------------------------------------------------------------------------------
// Timestamps.

TEST(LineProtocolTest, EveryPrecision) {
  struct Case {
    TimestampPrecision precision;
    const char* text;
    int64_t expected_us;
  };
  const Case cases[] = {
      {TimestampPrecision::kNanoseconds, "1700000000123456789", 1700000000123456},
      {TimestampPrecision::kNanoseconds, "999", 0},
      {TimestampPrecision::kNanoseconds, "1999", 1},
      {TimestampPrecision::kNanoseconds, "-1", -1},  // Floor, not toward zero.
      {TimestampPrecision::kNanoseconds, "-1000", -1},
      {TimestampPrecision::kNanoseconds, "-1001", -2},
      {TimestampPrecision::kNanoseconds, "0", 0},
      {TimestampPrecision::kNanoseconds, "9223372036854775807", 9223372036854775},
      {TimestampPrecision::kNanoseconds, "-9223372036854775808", -9223372036854776},
      {TimestampPrecision::kMicroseconds, "1700000000123456", 1700000000123456},
      {TimestampPrecision::kMicroseconds, "-5", -5},
      {TimestampPrecision::kMicroseconds, "9223372036854775807", 9223372036854775807},
      {TimestampPrecision::kMicroseconds, "-9223372036854775808",
       std::numeric_limits<int64_t>::min()},
      {TimestampPrecision::kMilliseconds, "1700000000123", 1700000000123000},
      {TimestampPrecision::kMilliseconds, "-2", -2000},
      {TimestampPrecision::kMilliseconds, "9223372036854775", 9223372036854775000},
      {TimestampPrecision::kMilliseconds, "-9223372036854775", -9223372036854775000},
      {TimestampPrecision::kSeconds, "1700000000", 1700000000000000},
      {TimestampPrecision::kSeconds, "-1", -1000000},
      {TimestampPrecision::kSeconds, "9223372036854", 9223372036854000000},
      {TimestampPrecision::kSeconds, "-9223372036854", -9223372036854000000},
      {TimestampPrecision::kMinutes, "28333333", 28333333LL * 60'000'000},
      {TimestampPrecision::kMinutes, "-1", -60'000'000},
      {TimestampPrecision::kHours, "472222", 472222LL * 3'600'000'000},
      {TimestampPrecision::kHours, "2562047788", 2562047788LL * 3'600'000'000},
      {TimestampPrecision::kMinutes, "153722867280", 153722867280LL * 60'000'000},
  };
  for (const Case& c : cases) {
    const OwnedPoint p = ParseOne(std::string("m v=1 ") + c.text, Options(c.precision));
    EXPECT_TRUE(p.has_timestamp);
    EXPECT_EQ(p.timestamp_us, c.expected_us)
        << TimestampPrecisionName(c.precision) << " " << c.text;
  }
}

TEST(LineProtocolTest, TimestampOverflowPerPrecision) {
  struct Case {
    TimestampPrecision precision;
    const char* text;
  };
  const Case cases[] = {
      {TimestampPrecision::kNanoseconds, "9223372036854775808"},
      {TimestampPrecision::kNanoseconds, "-9223372036854775809"},
      {TimestampPrecision::kNanoseconds, "100000000000000000000000"},
      {TimestampPrecision::kMicroseconds, "9223372036854775808"},
      {TimestampPrecision::kMilliseconds, "9223372036854776"},
      {TimestampPrecision::kMilliseconds, "-9223372036854776"},
      {TimestampPrecision::kSeconds, "9223372036855"},
      {TimestampPrecision::kSeconds, "-9223372036855"},
      {TimestampPrecision::kSeconds, "9223372036854775807"},
      {TimestampPrecision::kMinutes, "153722867281"},
      {TimestampPrecision::kHours, "2562047789"},
      {TimestampPrecision::kHours, "-2562047789"},
  };
  for (const Case& c : cases) {
    ExpectError(std::string("m v=1 ") + c.text, Code::kTimestampOverflow, 7, Options(c.precision));
  }
}

TEST(LineProtocolTest, MalformedTimestamps) {
  for (const char* text :
       {"12a", "1.5", "-", "+1", "0x1", "1e9", "--1", "1-", "\xC3\xA9", "\"1\"", "1i"}) {
    ExpectError(std::string("m v=1 ") + text, Code::kBadTimestamp, 7);
  }
}

TEST(LineProtocolTest, TrailingGarbageAfterTheTimestamp) {
  ExpectError("m v=1 123 456", Code::kSyntax, 11);
  ExpectError("m v=1 123 \t x", Code::kSyntax, 13);
}

TEST(LineProtocolTest, ParsesPrecisionNames) {
  const std::pair<const char*, TimestampPrecision> cases[] = {
      {"ns", TimestampPrecision::kNanoseconds},  {"n", TimestampPrecision::kNanoseconds},
      {"us", TimestampPrecision::kMicroseconds}, {"u", TimestampPrecision::kMicroseconds},
      {"ms", TimestampPrecision::kMilliseconds}, {"s", TimestampPrecision::kSeconds},
      {"m", TimestampPrecision::kMinutes},       {"h", TimestampPrecision::kHours},
  };
  for (const auto& [text, expected] : cases) {
    const Result<TimestampPrecision> parsed = ParseTimestampPrecision(text);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_EQ(*parsed, expected);
  }
  for (const char* text : {"", "NS", "sec", "mn", "d", "µs", "ns "}) {
    const Result<TimestampPrecision> parsed = ParseTimestampPrecision(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().problem_code(), "invalid_precision");
  }
  EXPECT_EQ(TimestampPrecisionName(TimestampPrecision::kMicroseconds), "us");
}

// ---------------------------------------------------------------------------------------
// Errors: codes, positions, messages, and the reader continuing after them.

TEST(LineProtocolTest, SyntaxErrorsWithColumns) {
  ExpectError(",host=a v=1", Code::kSyntax, 1);  // Missing measurement.
  ExpectError(" ,host=a v=1", Code::kSyntax, 2);
  ExpectError("cpu,=a v=1", Code::kSyntax, 5);  // Missing tag key.
  ExpectError("cpu, v=1", Code::kSyntax, 5);
  ExpectError("cpu,host v=1", Code::kSyntax, 9);  // Tag without '='.
  ExpectError("cpu,host,a=b v=1", Code::kSyntax, 9);
  ExpectError("cpu,host= v=1", Code::kSyntax, 10);  // Empty tag value.
  ExpectError("cpu,host=,a=b v=1", Code::kSyntax, 10);
  ExpectError("cpu,host=a=b v=1", Code::kSyntax, 11);  // Unescaped '=' in tag value.
  ExpectError("cpu =1", Code::kSyntax, 5);             // Missing field key.
  ExpectError("cpu v=1,", Code::kSyntax, 9);
  ExpectError("cpu v=1,,w=2", Code::kSyntax, 9);
  ExpectError("cpu v=1, w=2", Code::kSyntax, 9);
  ExpectError("cpu v", Code::kSyntax, 6);  // Field without '='.
  ExpectError("cpu v w=1", Code::kSyntax, 6);
  ExpectError("cpu 1700000000", Code::kSyntax, 15);
}

TEST(LineProtocolTest, MissingFieldsAndValues) {
  ExpectError("cpu", Code::kMissingFields, 4);
  ExpectError("cpu,host=a", Code::kMissingFields, 11);
  ExpectError("cpu ", Code::kMissingFields, 5);
  ExpectError("cpu,host=a \t ", Code::kMissingFields, 14);
  ExpectError("cpu,host=a usage=", Code::kBadFieldValue, 18);
  ExpectError("cpu v=,w=1", Code::kBadFieldValue, 7);
  ExpectError("cpu v= 123", Code::kBadFieldValue, 7);
}

TEST(LineProtocolTest, MessagesNameTheBadLineLikeInfluxDb) {
  const OwnedError error = ErrorOf("cpu,host=a usage=\n");
  EXPECT_EQ(error.message, "unable to parse 'cpu,host=a usage=': missing field value");
  EXPECT_EQ(error.reason, "missing field value");
  EXPECT_EQ(error.code_name, "lp_bad_field_value");
  EXPECT_EQ(error.raw_line, "cpu,host=a usage=");

  // Long lines are cut in the message (not in raw_line), at a character boundary.
  const std::string long_line = "m v=\"" + std::string(250, 'x') + "\xC3\xA9tail";
  const OwnedError cut = ErrorOf(long_line);
  EXPECT_EQ(cut.code, Code::kUnterminatedString);
  EXPECT_EQ(cut.raw_line, long_line);
  EXPECT_EQ(cut.message, "unable to parse '" + long_line.substr(0, 255) +
                             "...': unterminated string field value");
}

TEST(LineProtocolTest, EveryCodeHasAStableName) {
  const std::pair<Code, const char*> names[] = {
      {Code::kSyntax, "lp_syntax"},
      {Code::kMissingFields, "lp_missing_fields"},
      {Code::kBadFieldValue, "lp_bad_field_value"},
      {Code::kUnterminatedString, "lp_unterminated_string"},
      {Code::kIntOverflow, "lp_int_overflow"},
      {Code::kBadTimestamp, "lp_bad_timestamp"},
      {Code::kTimestampOverflow, "lp_timestamp_overflow"},
      {Code::kDuplicateTag, "lp_duplicate_tag"},
      {Code::kInvalidUtf8, "invalid_utf8"},
      {Code::kLineTooLong, "lp_line_too_long"},
  };
  for (const auto& [code, name] : names) EXPECT_EQ(LineProtocolErrorCodeName(code), name);
  EXPECT_EQ(FieldKindName(FieldKind::kUInt), "unsigned");
}

TEST(LineProtocolTest, InvalidUtf8IsALineErrorAtTheBadByte) {
  const std::vector<Record> records = ReadAll(
      "ok v=1\n"
      "cpu,host=a\xC3\x28 v=1\n"
      "cpu v=\"\xED\xA0\x80\"\n"
      "cpu v=\"multi\nli\xFFne\"\n"
      "\xC0\xAF v=1\n"
      "ok v=2\n");
  ASSERT_EQ(records.size(), 6u);
  EXPECT_TRUE(records[0].is_point);
  const struct { uint64_t line, column; } expected[] = {{2, 11}, {3, 8}, {5, 3}, {6, 1}};
  for (int i = 0; i < 4; ++i) {
    const Record& r = records[1 + i];
    ASSERT_FALSE(r.is_point) << i;
    EXPECT_EQ(r.error.code, Code::kInvalidUtf8) << i;
    EXPECT_EQ(r.error.line, expected[i].line) << i;
    EXPECT_EQ(r.error.column, expected[i].column) << i;
    EXPECT_TRUE(IsValidUtf8(r.error.message)) << i;  // Bad bytes become U+FFFD.
  }
  EXPECT_EQ(records[1].error.message,
            "unable to parse 'cpu,host=a\xEF\xBF\xBD( v=1': invalid UTF-8");
  ASSERT_TRUE(records[5].is_point);
  EXPECT_EQ(records[5].point.line, 7u);
}

TEST(LineProtocolTest, LineTooLong) {
  LineProtocolOptions options = Options();
  options.max_line_bytes = 12;
  const std::vector<Record> records = ReadAll(
      "m v=1234567\r\nm v=123456789\nm v=\"a\nbcdefghij\"\n# comments are not checked\n"
      "m v=1\n",
      options);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_TRUE(records[0].is_point);  // 11 bytes + CRLF.
  ASSERT_FALSE(records[1].is_point);
  EXPECT_EQ(records[1].error.code, Code::kLineTooLong);
  EXPECT_EQ(records[1].error.line, 2u);
  EXPECT_EQ(records[1].error.column, 13u);
  ASSERT_FALSE(records[2].is_point);
  EXPECT_EQ(records[2].error.code, Code::kLineTooLong);  // Counted over the logical line.
  EXPECT_EQ(records[2].error.line, 4u);
  EXPECT_EQ(records[2].error.column, 6u);
  ASSERT_TRUE(records[3].is_point);
  EXPECT_EQ(records[3].point.line, 6u);

  // Too long wins over any other problem; 0 means no limit.
  ExpectError("m v=\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", Code::kLineTooLong, 13, options);
  options.max_line_bytes = 0;
  EXPECT_EQ(ParseOne("m v=\"" + std::string(3 << 20, 'x') + "\"", options).fields.size(), 1u);
}

TEST(LineProtocolTest, ContinuesAfterEachKindOfError) {
  const std::string body =
      "good v=1 1000\n"               // 1
      "cpu,host=a usage=\n"           // 2: bad field value
      "cpu v=9223372036854775808i\n"  // 3: int overflow
      "cpu v=1 12x\n"                 // 4: bad timestamp
      "cpu\n"                         // 5: missing fields
      "cpu,a=1,a=2 v=1\n"             // 6: duplicate tag
      "cpu v=nan\n"                   // 7: NaN
      ",x=1 v=1\n"                    // 8: syntax
      "good v=2 2000\n";              // 9
  const std::vector<Record> records = ReadAll(body);
  ASSERT_EQ(records.size(), 9u);
  const Code codes[] = {Code::kBadFieldValue, Code::kIntOverflow,  Code::kBadTimestamp,
                        Code::kMissingFields, Code::kDuplicateTag, Code::kBadFieldValue,
                        Code::kSyntax};
  const uint64_t columns[] = {18, 7, 9, 4, 9, 7, 1};
  for (int i = 0; i < 7; ++i) {
    const Record& r = records[1 + i];
    ASSERT_FALSE(r.is_point) << i;
    EXPECT_EQ(r.error.code, codes[i]) << i << ": " << r.error.message;
    EXPECT_EQ(r.error.line, static_cast<uint64_t>(2 + i)) << i;
    EXPECT_EQ(r.error.index, static_cast<uint64_t>(1 + i)) << i;
    EXPECT_EQ(r.error.column, columns[i]) << i << ": " << r.error.message;
  }
  ASSERT_TRUE(records[8].is_point);
  EXPECT_EQ(records[8].point.timestamp_us, 2);
  EXPECT_EQ(records[8].point.line, 9u);
  EXPECT_EQ(records[8].point.index, 8u);
}

TEST(LineProtocolTest, ErrorPositionInsideAMultiLineRecord) {
  const OwnedError error = ErrorOf("log msg=\"a\nb\",n=12x");
  EXPECT_EQ(error.code, Code::kBadFieldValue);
  EXPECT_EQ(error.line, 2u);
  EXPECT_EQ(error.column, 6u);
}

// ---------------------------------------------------------------------------------------
// Round trips through a test encoder, with special bytes in every position.

std::string EscapeKey(std::string_view text, bool measurement) {
  std::string out;
  for (char c : text) {
    if (c == ',' || c == ' ' || (!measurement && c == '=')) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string EscapeString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// Random text from bytes that need escaping and some that do not. Never starts with a
// space, tab or '#', and holds no backslash (keys cannot encode one before a special byte).
std::string RandomKey(std::mt19937& rng) {
  static const char kAlphabet[] = "abcxyz019_-.,= \t\"'#%";
  std::string out;
  const size_t len = 1 + rng() % 8;
  for (size_t i = 0; i < len; ++i) out.push_back(kAlphabet[rng() % (sizeof(kAlphabet) - 1)]);
  if (out[0] == ' ' || out[0] == '\t' || out[0] == '#') out[0] = 'k';
  if (rng() % 5 == 0) out += "\xC3\xA9";
  return out;
}

std::string RandomString(std::mt19937& rng) {
  static const char kAlphabet[] = "ab \"\\,=\n\r\t#i0";
  std::string out;
  const size_t len = rng() % 12;
  for (size_t i = 0; i < len; ++i) out.push_back(kAlphabet[rng() % (sizeof(kAlphabet) - 1)]);
  return out;
}

TEST(LineProtocolTest, RandomPointsRoundTrip) {
  std::mt19937 rng(42);
  std::string body;
  std::vector<OwnedPoint> expected;
  for (int n = 0; n < 2000; ++n) {
    OwnedPoint point{};
    point.measurement = RandomKey(rng);
    body += EscapeKey(point.measurement, /*measurement=*/true);
    const int tags = static_cast<int>(rng() % 4);
    for (int t = 0; t < tags; ++t) {
      const std::string key = RandomKey(rng) + "#" + std::to_string(t);  // Distinct.
      const std::string value = RandomKey(rng);
      point.tags.emplace_back(key, value);
      body += Cat(",", EscapeKey(key, false), "=", EscapeKey(value, false));
    }
    body += " ";
    const int fields = 1 + static_cast<int>(rng() % 5);
    for (int f = 0; f < fields; ++f) {
      OwnedField field{
          RandomKey(rng) + "#" + std::to_string(f), FieldKind::kFloat, 0, 0, 0, false, ""};
      if (f > 0) body += ",";
      body += EscapeKey(field.key, false) + "=";
      switch (rng() % 5) {
        case 0: {
          field.kind = FieldKind::kFloat;
          field.float_value = std::ldexp(static_cast<double>(static_cast<int32_t>(rng())),
                                         static_cast<int>(rng() % 200) - 100);
          char text[40];
          std::snprintf(text, sizeof(text), "%.17g", field.float_value);
          body += text;
          break;
        }
        case 1:
          field.kind = FieldKind::kInt;
          field.int_value = static_cast<int64_t>((uint64_t{rng()} << 32) | rng());
          body += std::to_string(field.int_value) + "i";
          break;
        case 2:
          field.kind = FieldKind::kUInt;
          field.uint_value = (uint64_t{rng()} << 32) | rng();
          body += std::to_string(field.uint_value) + "u";
          break;
        case 3:
          field.kind = FieldKind::kBool;
          field.bool_value = rng() % 2 == 0;
          body += field.bool_value ? "true" : "F";
          break;
        default:
          field.kind = FieldKind::kString;
          field.string_value = RandomString(rng);
          body += EscapeString(field.string_value);
          break;
      }
      point.fields.push_back(std::move(field));
    }
    point.has_timestamp = rng() % 4 != 0;
    if (point.has_timestamp) {
      point.timestamp_us = static_cast<int64_t>(rng()) * 1000 - 2'000'000'000'000;
      body += Cat(" ", std::to_string(point.timestamp_us * 1000));
    } else {
      point.timestamp_us = kNow;
    }
    body += rng() % 3 == 0 ? "\r\n" : "\n";
    expected.push_back(std::move(point));
  }

  const std::vector<Record> records = ReadAll(body);
  ASSERT_EQ(records.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_TRUE(records[i].is_point) << i << ": " << records[i].error.message;
    const OwnedPoint& got = records[i].point;
    const OwnedPoint& want = expected[i];
    ASSERT_EQ(got.measurement, want.measurement) << i;
    ASSERT_EQ(got.tags, want.tags) << i;
    ASSERT_EQ(got.fields.size(), want.fields.size()) << i;
    for (size_t f = 0; f < want.fields.size(); ++f) {
      ASSERT_EQ(got.fields[f].key, want.fields[f].key) << i;
      ASSERT_EQ(got.fields[f].kind, want.fields[f].kind) << i << " " << got.fields[f].key;
      EXPECT_EQ(got.fields[f].float_value, want.fields[f].float_value) << i;
      EXPECT_EQ(got.fields[f].int_value, want.fields[f].int_value) << i;
      EXPECT_EQ(got.fields[f].uint_value, want.fields[f].uint_value) << i;
      EXPECT_EQ(got.fields[f].bool_value, want.fields[f].bool_value) << i;
      EXPECT_EQ(got.fields[f].string_value, want.fields[f].string_value) << i;
    }
    EXPECT_EQ(got.has_timestamp, want.has_timestamp) << i;
    EXPECT_EQ(got.timestamp_us, want.timestamp_us) << i;
    EXPECT_EQ(got.index, i);
  }
}

// ---------------------------------------------------------------------------------------
// Robustness.

// Reads `body` to the end checking the reader's invariants; returns the record count.
size_t CheckInvariants(std::string_view body, const LineProtocolOptions& options) {
  LineProtocolReader reader(body, options);
  Point point;
  size_t records = 0;
  uint64_t last_line = 0;
  const auto inside_body = [&](std::string_view view) {
    return view.empty() ||
           (view.data() >= body.data() && view.data() + view.size() <= body.data() + body.size());
  };
  for (size_t guard = 0; guard <= body.size() + 1; ++guard) {
    const Outcome outcome = reader.Next(point);
    if (outcome == Outcome::kEnd) return records;
    if (outcome == Outcome::kPoint) {
      EXPECT_FALSE(point.measurement.empty());
      EXPECT_FALSE(point.fields.empty());
      EXPECT_EQ(point.index, records);
      EXPECT_GT(point.line, last_line);
      last_line = point.line;
      EXPECT_TRUE(inside_body(point.raw_line));
      EXPECT_TRUE(IsValidUtf8(point.raw_line));
      for (const Field& field : point.fields) {
        EXPECT_FALSE(field.key.empty());
        if (field.kind == FieldKind::kFloat) {
          EXPECT_TRUE(std::isfinite(field.float_value));
        }
      }
      for (const Tag& tag : point.tags) EXPECT_FALSE(tag.key.empty() || tag.value.empty());
    } else {
      const LineProtocolError& error = reader.error();
      EXPECT_EQ(error.index, records);
      EXPECT_GE(error.line, 1u);
      EXPECT_GE(error.column, 1u);
      EXPECT_FALSE(error.code_name().empty());
      EXPECT_FALSE(error.reason.empty());
      EXPECT_TRUE(IsValidUtf8(error.message));
      EXPECT_TRUE(inside_body(error.raw_line));
    }
    ++records;
  }
  ADD_FAILURE() << "reader did not end";
  return records;
}

TEST(LineProtocolTest, RandomBytesNeverCrashAndAlwaysEnd) {
  std::mt19937 rng(20240501);
  static const char kAlphabet[] = "cpu,=\\ \"\n\r\t#tfTF0123456789.-+eiu";
  LineProtocolOptions options = Options();
  for (int iter = 0; iter < 4000; ++iter) {
    std::string body;
    const size_t len = rng() % 200;
    for (size_t i = 0; i < len; ++i) {
      body.push_back(rng() % 8 == 0 ? static_cast<char>(rng())
                                    : kAlphabet[rng() % (sizeof(kAlphabet) - 1)]);
    }
    options.precision = static_cast<TimestampPrecision>(rng() % 6);
    options.max_line_bytes = rng() % 4 == 0 ? 1 + rng() % 40 : 1 << 20;
    CheckInvariants(body, options);
    if (HasFatalFailure() || HasNonfatalFailure()) FAIL() << "iteration " << iter;
  }
}

TEST(LineProtocolTest, MutatedValidLinesNeverCrashAndAlwaysEnd) {
  std::mt19937 rng(99);
  const std::string seed =
      "cpu,host=a\\ b,region=eu usage=1.5,count=3i,u=7u,ok=true,msg=\"hi \\\"x\\\"\" 1700000000\n"
      "# comment\n"
      "log msg=\"two\nlines\",n=-1e3 -5\r\n";
  for (int iter = 0; iter < 3000; ++iter) {
    std::string body = seed;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % body.size();
      switch (rng() % 3) {
        case 0: body[at] = static_cast<char>(rng()); break;
        case 1: body.erase(at, 1 + rng() % 3); break;
        default: body.insert(at, 1, "\"\\ ,=\n"[rng() % 6]); break;
      }
      if (body.empty()) body.push_back('x');
    }
    CheckInvariants(body, Options());
    if (HasFatalFailure() || HasNonfatalFailure()) FAIL() << "iteration " << iter;
  }
}

TEST(LineProtocolTest, QuoteHeavyInputStaysLinear) {
  // Many lines that each open a string: the unterminated one swallows the rest once, and
  // nothing rescans it per line.
  std::string body;
  for (int i = 0; i < 20000; ++i) body += "m v=\"x\n";
  const auto start = std::chrono::steady_clock::now();
  const std::vector<Record> records = ReadAll(body);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Pairs of lines close each other's strings: "x\nm v=" is the value, then "x" follows
  // the closing quote.
  ASSERT_EQ(records.size(), 10000u);
  EXPECT_LT(seconds, 5.0);
}

TEST(LineProtocolTest, HundredThousandLinesWithChecksum) {
  std::mt19937_64 rng(12345);
  std::string body;
  body.reserve(100000 * 110);
  double expected_float = 0;
  int64_t expected_int = 0;
  uint64_t expected_uint = 0;
  uint64_t expected_true = 0;
  uint64_t expected_string_bytes = 0;
  uint64_t expected_ts = 0;  // Wrapping sums.
  for (int i = 0; i < 100000; ++i) {
    const int64_t ival = static_cast<int64_t>(rng() % 2000001) - 1000000;
    const uint64_t uval = rng() % 1000000;
    const double fval = static_cast<double>(rng() % 100000) / 8.0;  // Exact in binary.
    const bool bval = rng() % 2 == 0;
    const std::string sval(rng() % 10, 'a' + static_cast<char>(i % 26));
    const int64_t ts_ns = 1'600'000'000'000'000'000 + static_cast<int64_t>(i) * 1'000'000'000;
    body += "cpu,host=host_" + std::to_string(i % 100) + ",rack=r" + std::to_string(i % 7) +
            " usage=" + std::to_string(fval) + ",count=" + std::to_string(ival) +
            "i,bytes=" + std::to_string(uval) + "u,up=" + (bval ? "t" : "false") + ",note=\"" +
            sval + "\" " + std::to_string(ts_ns) + "\n";
    expected_float += fval;
    expected_int += ival;
    expected_uint += uval;
    expected_true += bval ? 1 : 0;
    expected_string_bytes += sval.size();
    expected_ts += static_cast<uint64_t>(ts_ns / 1000);
  }

  const auto start = std::chrono::steady_clock::now();
  LineProtocolReader reader(body, Options());
  Point point;
  double got_float = 0;
  int64_t got_int = 0;
  uint64_t got_uint = 0;
  uint64_t got_true = 0;
  uint64_t got_string_bytes = 0;
  uint64_t got_ts = 0;
  size_t points = 0;
  for (;;) {
    const Outcome outcome = reader.Next(point);
    if (outcome == Outcome::kEnd) break;
    ASSERT_EQ(outcome, Outcome::kPoint) << reader.error().message;
    ASSERT_EQ(point.fields.size(), 5u);
    ASSERT_EQ(point.tags.size(), 2u);
    got_float += point.fields[0].float_value;
    got_int += point.fields[1].int_value;
    got_uint += point.fields[2].uint_value;
    got_true += point.fields[3].bool_value ? 1 : 0;
    got_string_bytes += point.fields[4].string_value.size();
    got_ts += static_cast<uint64_t>(point.timestamp_us);
    ++points;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(points, 100000u);
  EXPECT_EQ(got_float, expected_float);
  EXPECT_EQ(got_int, expected_int);
  EXPECT_EQ(got_uint, expected_uint);
  EXPECT_EQ(got_true, expected_true);
  EXPECT_EQ(got_string_bytes, expected_string_bytes);
  EXPECT_EQ(got_ts, expected_ts);
  std::printf("[ info     ] 100k lines, %.1f MB in %.3f s (%.2f M points/s)\n",
              static_cast<double>(body.size()) / 1e6, seconds, points / seconds / 1e6);
}

}  // namespace
}  // namespace strata::ingest
