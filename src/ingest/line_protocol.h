// Parser for InfluxDB line protocol (1.x/2.x), the body of the line-protocol ingest endpoint
// and of the /write and /api/v2/write compatibility endpoints. It only parses: mapping a
// point to dataset rows (measurement -> dataset, tags -> string fields, fields by kind) is
// the caller's job. docs/ingest.md ("InfluxDB line protocol") describes the accepted syntax for
// users.
//
//   measurement[,tag_key=tag_value...] field_key=field_value[,field_key=field_value...] [ts]
//
// Lines and records:
//   - A line ends at LF ("\r\n" is accepted: one trailing CR is dropped). An LF inside a
//     double-quoted string field value belongs to the value, so one logical line can span
//     several physical lines (InfluxDB does the same; Telegraf writes such strings).
//   - Lines that are empty or only spaces/tabs, and lines whose first non-space/tab byte is
//     '#' (comments), are skipped without any check (comments need not be UTF-8).
//   - Every other line is a record and yields exactly one Point or one LineProtocolError;
//     the reader then continues with the next line. A string value that is never closed
//     runs to the end of the body, so it makes one error for the rest of the body.
// Tokens and escapes (a backslash always pairs with the byte after it when a token's end
// is searched, so "\\" never ends or escapes anything; unescaping then drops the backslash
// only before the listed bytes and keeps it, with the byte, before any other):
//   - measurement: "\," and "\ ".
//   - tag keys, tag values, field keys: "\,", "\=" and "\ ".
//   - string field values: "\"" and "\\".
//   - Unquoted field values and the timestamp have no escapes.
//   Leading spaces/tabs of a line are ignored. Sections are separated by one space, and any
//   further spaces/tabs; spaces/tabs after the timestamp (or after the field set when there
//   is no timestamp) are ignored; anything else after the timestamp is an error.
// Field values (FieldKind): `1`, `-1.5`, `1e3`, `.5` are floats (a bare number is a float;
// a float that underflows reads as +-0, one that overflows is an error, NaN and Inf
// literals are errors); `12i` is int64 and `12u` uint64, both range-checked; `"text"` is a
// string; t T true True TRUE f F false False FALSE are booleans.
// Duplicate keys: a field key given twice in one line keeps the LAST value, at the position
// of the FIRST occurrence (InfluxDB keeps the last). A tag key given twice is an error
// (lp_duplicate_tag): tags identify the series and two values are ambiguous.
// Timestamps: an optional signed decimal integer in LineProtocolOptions::precision units,
// converted to Strata time (int64 microseconds since the epoch, UTC). Nanoseconds are
// floor-divided by 1000 (sub-microsecond digits are dropped, rounding toward negative
// infinity, so -1 ns is -1 us); coarser units are multiplied with overflow checks. A
// missing timestamp reads as LineProtocolOptions::now_us.
// UTF-8: every record line must be valid UTF-8 (utf8.h), else invalid_utf8.
//
// Thread safety: a LineProtocolReader is used by one thread at a time; readers over the
// same body are independent.
// Allocation: Next() allocates nothing once its vectors and scratch buffer have grown to
// the largest line seen (the error path builds a message and may allocate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace strata::ingest {

// Unit of line protocol timestamps. Minutes and hours exist for the v1 /write endpoint.
enum class TimestampPrecision : uint8_t {
  kNanoseconds,
  kMicroseconds,
  kMilliseconds,
  kSeconds,
  kMinutes,
  kHours,
};

// The v2 names "ns", "us", "ms", "s" and the v1 names "n", "u", "ms", "s", "m", "h".
// InvalidArgument (problem code "invalid_precision") on anything else.
Result<TimestampPrecision> ParseTimestampPrecision(std::string_view text);
// "ns", "us", "ms", "s", "m", "h".
std::string_view TimestampPrecisionName(TimestampPrecision precision);

struct LineProtocolOptions {
  // Unit of the timestamps in the body. Default: nanoseconds (as InfluxDB).
  TimestampPrecision precision = TimestampPrecision::kNanoseconds;
  // Timestamp (microseconds since the epoch) of points that carry none. The caller reads
  // the clock once per request. Default: 0.
  int64_t now_us = 0;
  // Longest accepted line in bytes, without its CR/LF; 0 means no limit. Longer lines are
  // lp_line_too_long errors (the reader skips them and continues). Default: 1 MiB.
  size_t max_line_bytes = size_t{1} << 20;
};

enum class FieldKind : uint8_t { kFloat, kInt, kUInt, kString, kBool };
// "float", "integer", "unsigned", "string", "boolean".
std::string_view FieldKindName(FieldKind kind);

// Views point into the body or into the reader's scratch buffer (unescaped tokens); they
// stay valid until the next call of Next() on the same reader, or until the body dies.
struct Tag {
  std::string_view key;    // Non-empty, unescaped.
  std::string_view value;  // Non-empty, unescaped.
};

struct Field {
  std::string_view key;  // Non-empty, unescaped.
  FieldKind kind = FieldKind::kFloat;
  // Exactly the member named by `kind` is meaningful; the others are zero/empty.
  double float_value = 0;         // kFloat: finite.
  int64_t int_value = 0;          // kInt.
  uint64_t uint_value = 0;        // kUInt.
  bool bool_value = false;        // kBool.
  std::string_view string_value;  // kString: unescaped, may be empty, may hold LF.
};

struct Point {
  std::string_view measurement;  // Non-empty, unescaped.
  std::vector<Tag> tags;         // In line order; keys are distinct.
  std::vector<Field> fields;     // At least one; keys are distinct (see duplicate keys).
  int64_t timestamp_us = 0;      // Microseconds since the epoch (or options.now_us).
  bool has_timestamp = false;    // False: the line had none and timestamp_us is now_us.
  uint64_t index = 0;            // 0-based among records (points and bad lines alike).
  uint64_t line = 0;             // 1-based physical line where the record starts.
  std::string_view raw_line;     // The record's text without CR/LF (for dead letters).
};

enum class LineProtocolErrorCode : uint8_t {
  kSyntax,              // "lp_syntax": misplaced or missing separator, empty key, ...
  kMissingFields,       // "lp_missing_fields": no field set.
  kBadFieldValue,       // "lp_bad_field_value": empty, malformed, NaN/Inf, float overflow.
  kUnterminatedString,  // "lp_unterminated_string": string value without closing quote.
  kIntOverflow,         // "lp_int_overflow": i/u value outside int64/uint64.
  kBadTimestamp,        // "lp_bad_timestamp": timestamp is not a decimal integer.
  kTimestampOverflow,   // "lp_timestamp_overflow": outside int64 in its unit or in us.
  kDuplicateTag,        // "lp_duplicate_tag": a tag key given twice.
  kInvalidUtf8,         // "invalid_utf8".
  kLineTooLong,         // "lp_line_too_long": over options.max_line_bytes.
};
// The stable snake_case code quoted above.
std::string_view LineProtocolErrorCodeName(LineProtocolErrorCode code);

// One bad record. Valid until the next call of Next() on the same reader.
struct LineProtocolError {
  LineProtocolErrorCode code = LineProtocolErrorCode::kSyntax;
  uint64_t index = 0;         // 0-based among records, as Point::index.
  uint64_t line = 0;          // 1-based physical line of the offending byte.
  uint64_t column = 0;        // 1-based byte (not character) column of the offending byte in that
                              // line; one past the last byte when something is missing at the end.
  std::string_view reason;    // Static text, e.g. "missing field value".
  std::string message;        // "unable to parse '<line>': <reason>" (as InfluxDB words it);
                              // the quoted line is cut to 256 bytes plus "..." and invalid
                              // UTF-8 in it is replaced by U+FFFD, so it is valid UTF-8.
  std::string_view raw_line;  // The record's text without CR/LF; a view into the body.

  std::string_view code_name() const { return LineProtocolErrorCodeName(code); }
};

// Appends "unable to parse '<raw_line>': <reason>" to `out`, the way InfluxDB words a bad
// line: the quoted line is cut to 256 bytes (never inside a character) plus "...", and each
// invalid UTF-8 sequence in it becomes U+FFFD, so the text is valid UTF-8 when `reason` is.
// LineProtocolError::message is built by it; callers that reject a parsed point for other
// reasons use it to quote the point the same way.
void AppendUnableToParse(std::string& out, std::string_view raw_line, std::string_view reason);

// Reads the records of one body in order.
//   LineProtocolReader reader(body, options);
//   Point point;
//   for (;;) {
//     switch (reader.Next(point)) {
//       case LineProtocolReader::Outcome::kPoint: ... point ...; continue;
//       case LineProtocolReader::Outcome::kLineError: ... reader.error() ...; continue;
//       case LineProtocolReader::Outcome::kEnd: break;
//     }
//     break;
//   }
// Every call consumes at least one line or returns kEnd, so the loop terminates on any
// input; the work is linear in the body size.
class LineProtocolReader {
 public:
  enum class Outcome : uint8_t { kPoint, kLineError, kEnd };

  // REQUIRES: `body` outlives the reader and every view it hands out.
  LineProtocolReader(std::string_view body, const LineProtocolOptions& options);

  // Parses the next record into `point` (reusing its vectors: they are cleared, not
  // shrunk). kPoint: `point` is filled. kLineError: error() describes the record and
  // `point` holds no meaningful data. kEnd: no records remain (and every later call
  // returns kEnd).
  Outcome Next(Point& point);

  // The last kLineError. Meaningful only right after Next() returned kLineError.
  const LineProtocolError& error() const { return error_; }

  // Records returned so far (points plus errors).
  uint64_t records() const { return next_index_; }

 private:
  enum class TokenKind : uint8_t { kMeasurement, kKey, kString };  // Decides the escapes.

  // Offset of the LF that ends the record starting at `start` (LFs inside string values do
  // not count), or body_.size().
  size_t FindQuotedLineEnd(size_t start) const;
  // Parses body_[begin, end) into `point`. On failure sets error_.code and error_.reason and
  // `*error_pos` (the offending byte's offset in body_) and returns false.
  bool ParseLine(size_t begin, size_t end, Point& point, size_t* error_pos);
  // Parses the value starting at `p` into `field` and leaves `p` after it. As ParseLine.
  bool ParseFieldValue(const char*& p, const char* e, Field& field, size_t* error_pos);
  // Scans a measurement or key from `p` to the first unpaired stop byte (',' or ' ', and '='
  // for keys), leaves `p` there, and returns the unescaped token.
  std::string_view ScanToken(const char*& p, const char* e, TokenKind kind);
  // Copies [begin, end) unescaped into scratch_ and returns the copy.
  std::string_view Unescape(const char* begin, const char* end, TokenKind kind);
  // Sizes scratch_ for the current line before its first write.
  void EnsureScratch();
  // Fills error_ for the record body_[start, end) that starts on physical line `line`.
  Outcome Fail(LineProtocolErrorCode code, std::string_view reason, size_t start, size_t end,
               uint64_t line, uint64_t index, size_t error_pos);

  std::string_view body_;
  LineProtocolOptions options_;
  size_t pos_ = 0;        // Offset of the next unread line.
  uint64_t line_no_ = 1;  // Physical line number at pos_.
  uint64_t next_index_ = 0;
  LineProtocolError error_;

  // Unescaped tokens of the current line. Sized to the line before the first write, so
  // views handed out for the line never move.
  std::string scratch_;
  size_t scratch_used_ = 0;
  size_t line_bytes_ = 0;  // Length of the line being parsed (bounds scratch_ needs).
  bool scratch_ready_ = false;
  std::vector<uint32_t> sort_buffer_;  // Duplicate-key detection on wide lines.
  std::vector<size_t> tag_offsets_;    // Body offset of each tag key, for error columns.
};

}  // namespace strata::ingest
