#include "ingest/line_protocol.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <system_error>

#include "common/check.h"
#include "ingest/utf8.h"

namespace strata::ingest {
namespace {

using Code = LineProtocolErrorCode;

constexpr size_t kMessageLineBytes = 256;  // Longest line excerpt quoted in a message.
constexpr size_t kLinearDedupMax = 16;     // Wider key lists are checked by sorting.

// Byte classes for token scans. A scan stops at a byte whose class is in its stop mask.
constexpr uint8_t kComma = 1, kSpace = 2, kEquals = 4, kBackslash = 8;
constexpr uint8_t kMeasurementStops = kComma | kSpace | kBackslash;
constexpr uint8_t kKeyStops = kComma | kSpace | kEquals | kBackslash;

constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> classes{};
  classes[static_cast<uint8_t>(',')] = kComma;
  classes[static_cast<uint8_t>(' ')] = kSpace;
  classes[static_cast<uint8_t>('=')] = kEquals;
  classes[static_cast<uint8_t>('\\')] = kBackslash;
  return classes;
}
constexpr std::array<uint8_t, 256> kClasses = MakeClasses();

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

enum class DigitsResult : uint8_t { kOk, kNotDigits, kOverflow };

// Parses [p, e) as a non-empty run of decimal digits into `*value`.
DigitsResult ParseDigits(const char* p, const char* e, uint64_t* value) {
  if (p == e) return DigitsResult::kNotDigits;
  uint64_t v = 0;
  bool overflow = false;
  for (; p < e; ++p) {
    if (!IsDigit(*p)) return DigitsResult::kNotDigits;
    overflow |= __builtin_mul_overflow(v, 10, &v);
    overflow |= __builtin_add_overflow(v, static_cast<uint64_t>(*p - '0'), &v);
  }
  *value = v;
  return overflow ? DigitsResult::kOverflow : DigitsResult::kOk;
}

// Parses [p, e) as an optionally '-'-signed decimal int64.
DigitsResult ParseSigned(const char* p, const char* e, int64_t* value) {
  const bool negative = p < e && *p == '-';
  uint64_t magnitude;
  const DigitsResult result = ParseDigits(p + (negative ? 1 : 0), e, &magnitude);
  if (result != DigitsResult::kOk) return result;
  constexpr uint64_t kMaxPositive = std::numeric_limits<int64_t>::max();
  if (magnitude > kMaxPositive + (negative ? 1 : 0)) return DigitsResult::kOverflow;
  // Two's complement negation of the magnitude: exact for 2^63 as well.
  *value = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  return DigitsResult::kOk;
}

// For a float literal that std::from_chars found out of range: true when it is tiny (its
// leading significant digit sits below the decimal point), false when it is huge.
// REQUIRES: `text` matches -?(digits)?(.digits)?([eE][+-]?digits)? with a nonzero digit.
bool FloatUnderflows(std::string_view text) {
  size_t i = text[0] == '-' ? 1 : 0;
  int64_t int_digits = 0, first_nonzero = -1, digit_idx = 0;
  for (; i < text.size() && IsDigit(text[i]); ++i, ++digit_idx, ++int_digits) {
    if (first_nonzero < 0 && text[i] != '0') first_nonzero = digit_idx;
  }
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && IsDigit(text[i]); ++i, ++digit_idx) {
      if (first_nonzero < 0 && text[i] != '0') first_nonzero = digit_idx;
    }
  }
  int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    const bool negative = i < text.size() && text[i] == '-';
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    for (; i < text.size() && IsDigit(text[i]); ++i) {
      exponent = std::min<int64_t>(exponent * 10 + (text[i] - '0'), int64_t{1} << 40);
    }
    if (negative) exponent = -exponent;
  }
  // Decimal exponent of the leading significant digit.
  return int_digits - 1 - std::max<int64_t>(first_nonzero, 0) + exponent < 0;
}

// Sorts `order` (indices into `items`) by key, then by index. Allocation-free.
template <typename T>
void SortByKey(const std::vector<T>& items, std::vector<uint32_t>& order) {
  order.resize(items.size());
  for (uint32_t idx = 0; idx < order.size(); ++idx) order[idx] = idx;
  std::sort(order.begin(), order.end(), [&items](uint32_t a, uint32_t b) {
    const int cmp = items[a].key.compare(items[b].key);
    return cmp != 0 ? cmp < 0 : a < b;
  });
}

// Merges fields with equal keys: the last value stays, at the first key's position.
void DedupFields(std::vector<Field>& fields, std::vector<uint32_t>& order) {
  const size_t count = fields.size();
  if (count < 2) return;
  if (count <= kLinearDedupMax) {
    size_t out = 0;
    for (size_t next = 0; next < count; ++next) {
      size_t same = 0;
      while (same < out && fields[same].key != fields[next].key) ++same;
      if (same < out) {
        fields[same] = fields[next];
      } else {
        if (out != next) fields[out] = fields[next];
        ++out;
      }
    }
    fields.resize(out);
    return;
  }
  SortByKey(fields, order);
  bool any = false;
  for (size_t run = 0; run < count;) {
    size_t run_end = run + 1;
    while (run_end < count && fields[order[run_end]].key == fields[order[run]].key) ++run_end;
    if (run_end - run > 1) {
      any = true;
      fields[order[run]] = fields[order[run_end - 1]];
      for (size_t dup = run + 1; dup < run_end; ++dup) fields[order[dup]].key = {};  // Dead.
    }
    run = run_end;
  }
  if (any) {
    fields.erase(std::remove_if(fields.begin(), fields.end(),
                                [](const Field& field) { return field.key.empty(); }),
                 fields.end());
  }
}

// Returns the index of the first tag (in line order) whose key an earlier tag has, or
// tags.size().
size_t FindDuplicateTag(const std::vector<Tag>& tags, std::vector<uint32_t>& order) {
  const size_t count = tags.size();
  if (count < 2) return count;
  if (count <= kLinearDedupMax) {
    for (size_t later = 1; later < count; ++later) {
      for (size_t earlier = 0; earlier < later; ++earlier) {
        if (tags[earlier].key == tags[later].key) return later;
      }
    }
    return count;
  }
  SortByKey(tags, order);
  size_t first = count;
  for (size_t pos = 1; pos < count; ++pos) {
    if (tags[order[pos]].key == tags[order[pos - 1]].key)
      first = std::min<size_t>(first, order[pos]);
  }
  return first;
}

// Microseconds per unit (0 for nanoseconds, which divide instead).
int64_t MicrosPerUnit(TimestampPrecision precision) {
  switch (precision) {
    case TimestampPrecision::kNanoseconds: return 0;
    case TimestampPrecision::kMicroseconds: return 1;
    case TimestampPrecision::kMilliseconds: return 1'000;
    case TimestampPrecision::kSeconds: return 1'000'000;
    case TimestampPrecision::kMinutes: return 60'000'000;
    case TimestampPrecision::kHours: return 3'600'000'000;
  }
  return 1;
}

// Appends `text` with each ill-formed UTF-8 sequence's first byte replaced by U+FFFD.
void AppendSanitized(std::string& out, std::string_view text) {
  while (!text.empty()) {
    const size_t bad = FindInvalidUtf8(text);
    out.append(text.substr(0, bad));
    if (bad == std::string_view::npos) break;
    out.append("\xEF\xBF\xBD");
    text.remove_prefix(bad + 1);
  }
}

}  // namespace

Result<TimestampPrecision> ParseTimestampPrecision(std::string_view text) {
  if (text == "ns" || text == "n") return TimestampPrecision::kNanoseconds;
  if (text == "us" || text == "u") return TimestampPrecision::kMicroseconds;
  if (text == "ms") return TimestampPrecision::kMilliseconds;
  if (text == "s") return TimestampPrecision::kSeconds;
  if (text == "m") return TimestampPrecision::kMinutes;
  if (text == "h") return TimestampPrecision::kHours;
  return Status::InvalidArgument("precision must be one of ns, us, ms, s (or n, u, m, h)")
      .WithProblemCode("invalid_precision");
}

std::string_view TimestampPrecisionName(TimestampPrecision precision) {
  switch (precision) {
    case TimestampPrecision::kNanoseconds: return "ns";
    case TimestampPrecision::kMicroseconds: return "us";
    case TimestampPrecision::kMilliseconds: return "ms";
    case TimestampPrecision::kSeconds: return "s";
    case TimestampPrecision::kMinutes: return "m";
    case TimestampPrecision::kHours: return "h";
  }
  return "unknown";
}

std::string_view FieldKindName(FieldKind kind) {
  switch (kind) {
    case FieldKind::kFloat: return "float";
    case FieldKind::kInt: return "integer";
    case FieldKind::kUInt: return "unsigned";
    case FieldKind::kString: return "string";
    case FieldKind::kBool: return "boolean";
  }
  return "unknown";
}

std::string_view LineProtocolErrorCodeName(LineProtocolErrorCode code) {
  switch (code) {
    case Code::kSyntax: return "lp_syntax";
    case Code::kMissingFields: return "lp_missing_fields";
    case Code::kBadFieldValue: return "lp_bad_field_value";
    case Code::kUnterminatedString: return "lp_unterminated_string";
    case Code::kIntOverflow: return "lp_int_overflow";
    case Code::kBadTimestamp: return "lp_bad_timestamp";
    case Code::kTimestampOverflow: return "lp_timestamp_overflow";
    case Code::kDuplicateTag: return "lp_duplicate_tag";
    case Code::kInvalidUtf8: return "invalid_utf8";
    case Code::kLineTooLong: return "lp_line_too_long";
  }
  return "lp_unknown";
}

LineProtocolReader::LineProtocolReader(std::string_view body, const LineProtocolOptions& options)
    : body_(body), options_(options) {}

LineProtocolReader::Outcome LineProtocolReader::Next(Point& point) {
  const char* const data = body_.data();
  const size_t size = body_.size();
  while (pos_ < size) {
    const size_t start = pos_;
    const void* newline = std::memchr(data + start, '\n', size - start);
    const size_t physical_end = newline ? static_cast<const char*>(newline) - data : size;

    // Blank lines and comments.
    size_t first = start;
    while (first < physical_end && IsBlank(data[first])) ++first;
    if (first == physical_end || data[first] == '#' ||
        (data[first] == '\r' && first + 1 == physical_end)) {
      pos_ = newline ? physical_end + 1 : size;
      ++line_no_;
      continue;
    }

    // The record: up to the first LF outside a string value.
    size_t end = physical_end;
    uint64_t physical_lines = 1;
    if (std::memchr(data + start, '"', physical_end - start) != nullptr) {
      end = FindQuotedLineEnd(start);
      if (end > physical_end) physical_lines += std::count(data + physical_end, data + end, '\n');
    }
    const uint64_t line = line_no_;
    pos_ = end < size ? end + 1 : size;
    line_no_ += physical_lines;
    size_t text_end = end;
    if (text_end == size && text_end > start && data[text_end - 1] == '\n') {
      --text_end;  // An unterminated string took the rest of the body, final LF included.
    }
    if (text_end > start && data[text_end - 1] == '\r') --text_end;
    const std::string_view raw_line(data + start, text_end - start);
    const uint64_t index = next_index_++;

    if (options_.max_line_bytes != 0 && raw_line.size() > options_.max_line_bytes) {
      return Fail(Code::kLineTooLong, "line too long", start, text_end, line, index,
                  start + options_.max_line_bytes);
    }
    const size_t bad_byte = FindInvalidUtf8(raw_line);
    if (bad_byte != std::string_view::npos) {
      return Fail(Code::kInvalidUtf8, "invalid UTF-8", start, text_end, line, index,
                  start + bad_byte);
    }
    size_t error_pos = 0;
    if (!ParseLine(start, text_end, point, &error_pos)) {
      return Fail(error_.code, error_.reason, start, text_end, line, index, error_pos);
    }
    point.index = index;
    point.line = line;
    point.raw_line = raw_line;
    return Outcome::kPoint;
  }
  return Outcome::kEnd;
}

size_t LineProtocolReader::FindQuotedLineEnd(size_t start) const {
  // Mirrors ParseLine's token boundaries; after a syntax error it is merely lenient.
  const char* const base = body_.data();
  const char* const e = base + body_.size();
  const char* p = base + start;
  const auto offset = [base](const char* at) { return static_cast<size_t>(at - base); };
  while (p < e && IsBlank(*p)) ++p;
  // Measurement and tags have no quoting; they end at the first unpaired space.
  for (; p < e; ++p) {
    if (*p == '\n') return offset(p);
    if (*p == '\\' && p + 1 < e && p[1] != '\n') {
      ++p;
    } else if (*p == ' ') {
      break;
    }
  }
  if (p == e) return offset(e);
  enum class State { kKeyStart, kKey, kValueStart, kValue, kTimestamp };
  State state = State::kKeyStart;
  for (++p; p < e; ++p) {
    const char c = *p;
    if (c == '\n') return offset(p);
    switch (state) {
      case State::kKeyStart:
        if (IsBlank(c)) break;
        state = State::kKey;
        [[fallthrough]];
      case State::kKey:
        if (c == '\\' && p + 1 < e && p[1] != '\n') {
          ++p;
        } else if (c == '=') {
          state = State::kValueStart;
        } else if (c == ' ') {
          state = State::kTimestamp;
        }
        break;
      case State::kValueStart:
        state = State::kValue;
        if (c == '"') {
          // A backslash pairs with any byte inside a string, LF included.
          ++p;
          while (p < e && *p != '"') p += (*p == '\\' && p + 1 < e) ? 2 : 1;
          if (p >= e) return offset(e);  // Never closed: the rest of the body.
          break;
        }
        [[fallthrough]];
      case State::kValue:
        if (c == ',') {
          state = State::kKey;
        } else if (c == ' ') {
          state = State::kTimestamp;
        }
        break;
      case State::kTimestamp: break;
    }
  }
  return offset(e);
}

void LineProtocolReader::EnsureScratch() {
  if (scratch_ready_) return;
  // Unescaping only shrinks tokens, and tokens do not overlap, so one line never needs more
  // than its own length: the buffer cannot move while the line's views are handed out.
  if (scratch_.size() < line_bytes_) scratch_.resize(line_bytes_);
  scratch_used_ = 0;
  scratch_ready_ = true;
}

std::string_view LineProtocolReader::Unescape(const char* begin, const char* end, TokenKind kind) {
  EnsureScratch();
  // The bytes a backslash escapes (drops itself before); before any other byte it stays.
  const auto escaped = [kind](char c) {
    switch (kind) {
      case TokenKind::kMeasurement: return c == ',' || c == ' ';
      case TokenKind::kKey: return c == ',' || c == '=' || c == ' ';
      case TokenKind::kString: return c == '"' || c == '\\';
    }
    return false;
  };
  char* const out = scratch_.data() + scratch_used_;
  char* o = out;
  for (const char* q = begin; q < end; ++q) {
    if (*q == '\\' && q + 1 < end) {
      ++q;
      if (!escaped(*q)) *o++ = '\\';
    }
    *o++ = *q;
  }
  scratch_used_ += o - out;
  STRATA_DCHECK(scratch_used_ <= scratch_.size());
  return {out, static_cast<size_t>(o - out)};
}

std::string_view LineProtocolReader::ScanToken(const char*& p, const char* e, TokenKind kind) {
  const uint8_t stops = kind == TokenKind::kMeasurement ? kMeasurementStops : kKeyStops;
  const char* const begin = p;
  bool escaped = false;
  while (p < e) {
    const uint8_t cls = kClasses[static_cast<uint8_t>(*p)] & stops;
    if (cls == 0) {
      ++p;
    } else if (cls == kBackslash) {
      escaped = true;
      p += p + 1 < e ? 2 : 1;
    } else {
      break;
    }
  }
  if (!escaped) return {begin, static_cast<size_t>(p - begin)};
  return Unescape(begin, p, kind);
}

bool LineProtocolReader::ParseLine(size_t begin, size_t end, Point& point, size_t* error_pos) {
  const char* const base = body_.data();
  const char* p = base + begin;
  const char* const e = base + end;
  line_bytes_ = end - begin;
  scratch_ready_ = false;
  point.tags.clear();
  point.fields.clear();
  const auto fail = [&](Code code, std::string_view reason, const char* at) {
    error_.code = code;
    error_.reason = reason;
    *error_pos = static_cast<size_t>(at - base);
    return false;
  };

  while (p < e && IsBlank(*p)) ++p;
  if (p == e || *p == ',' || *p == ' ') return fail(Code::kSyntax, "missing measurement", p);
  point.measurement = ScanToken(p, e, TokenKind::kMeasurement);

  tag_offsets_.clear();
  while (p < e && *p == ',') {
    ++p;
    const char* const key_at = p;
    const std::string_view key = ScanToken(p, e, TokenKind::kKey);
    if (key.empty()) return fail(Code::kSyntax, "missing tag key", key_at);
    if (p == e || *p != '=') return fail(Code::kSyntax, "missing tag value", p);
    ++p;
    const char* const value_at = p;
    const std::string_view value = ScanToken(p, e, TokenKind::kKey);
    if (p < e && *p == '=') {
      return fail(Code::kSyntax, "invalid tag format (unescaped '=' in a tag value)", p);
    }
    if (value.empty()) return fail(Code::kSyntax, "missing tag value", value_at);
    point.tags.push_back({key, value});
    tag_offsets_.push_back(static_cast<size_t>(key_at - base));
  }
  const size_t duplicate = FindDuplicateTag(point.tags, sort_buffer_);
  if (duplicate != point.tags.size()) {
    return fail(Code::kDuplicateTag, "duplicate tag key", base + tag_offsets_[duplicate]);
  }

  // Here p == e or *p == ' '.
  while (p < e && IsBlank(*p)) ++p;
  if (p == e) return fail(Code::kMissingFields, "missing fields", p);
  for (;;) {
    const char* const key_at = p;
    const std::string_view key = ScanToken(p, e, TokenKind::kKey);
    if (key.empty()) return fail(Code::kSyntax, "missing field key", key_at);
    if (p == e || *p != '=') return fail(Code::kSyntax, "invalid field format (missing '=')", p);
    ++p;
    Field& field = point.fields.emplace_back();
    field.key = key;
    if (!ParseFieldValue(p, e, field, error_pos)) return false;
    if (p < e && *p == ',') {
      ++p;
      continue;
    }
    break;  // p == e or *p == ' '.
  }
  DedupFields(point.fields, sort_buffer_);

  while (p < e && IsBlank(*p)) ++p;
  if (p == e) {
    point.has_timestamp = false;
    point.timestamp_us = options_.now_us;
    return true;
  }
  const char* const ts_at = p;
  while (p < e && !IsBlank(*p)) ++p;
  int64_t ts = 0;
  switch (ParseSigned(ts_at, p, &ts)) {
    case DigitsResult::kOk: break;
    case DigitsResult::kNotDigits: return fail(Code::kBadTimestamp, "invalid timestamp", ts_at);
    case DigitsResult::kOverflow:
      return fail(Code::kTimestampOverflow, "timestamp out of range", ts_at);
  }
  const int64_t micros_per_unit = MicrosPerUnit(options_.precision);
  if (micros_per_unit == 0) {
    // Floor division: sub-microsecond digits are dropped toward negative infinity.
    point.timestamp_us = ts / 1000 - (ts % 1000 < 0 ? 1 : 0);
  } else if (__builtin_mul_overflow(ts, micros_per_unit, &point.timestamp_us)) {
    return fail(Code::kTimestampOverflow, "timestamp out of range", ts_at);
  }
  point.has_timestamp = true;
  while (p < e && IsBlank(*p)) ++p;
  if (p != e) return fail(Code::kSyntax, "unexpected text after the timestamp", p);
  return true;
}

bool LineProtocolReader::ParseFieldValue(const char*& p, const char* e, Field& field,
                                         size_t* error_pos) {
  const char* const base = body_.data();
  const char* const value_at = p;
  const auto fail = [&](Code code, std::string_view reason, const char* at) {
    error_.code = code;
    error_.reason = reason;
    *error_pos = static_cast<size_t>(at - base);
    return false;
  };
  if (p == e || *p == ',' || *p == ' ') return fail(Code::kBadFieldValue, "missing field value", p);

  if (*p == '"') {
    const char* const begin = ++p;
    bool escaped = false;
    while (p < e && *p != '"') {
      if (*p == '\\' && p + 1 < e) {
        escaped = true;
        p += 2;
      } else {
        ++p;
      }
    }
    if (p >= e) {
      return fail(Code::kUnterminatedString, "unterminated string field value", value_at);
    }
    field.kind = FieldKind::kString;
    field.string_value = escaped ? Unescape(begin, p, TokenKind::kString)
                                 : std::string_view(begin, static_cast<size_t>(p - begin));
    ++p;  // The closing quote.
    if (p < e && *p != ',' && *p != ' ') {
      return fail(Code::kSyntax, "invalid character after string field value", p);
    }
    return true;
  }

  while (p < e && *p != ',' && *p != ' ') ++p;
  const std::string_view text(value_at, static_cast<size_t>(p - value_at));
  const char last = text.back();
  if (last == 'i') {
    switch (ParseSigned(value_at, p - 1, &field.int_value)) {
      case DigitsResult::kOk: break;
      case DigitsResult::kNotDigits:
        return fail(Code::kBadFieldValue, "invalid integer field value", value_at);
      case DigitsResult::kOverflow:
        return fail(Code::kIntOverflow, "integer field value out of range", value_at);
    }
    field.kind = FieldKind::kInt;
    return true;
  }
  if (last == 'u') {
    const bool negative = *value_at == '-';
    switch (ParseDigits(value_at + (negative ? 1 : 0), p - 1, &field.uint_value)) {
      case DigitsResult::kOk: break;
      case DigitsResult::kNotDigits:
        return fail(Code::kBadFieldValue, "invalid unsigned field value", value_at);
      case DigitsResult::kOverflow:
        return fail(Code::kIntOverflow, "unsigned field value out of range", value_at);
    }
    if (negative) return fail(Code::kIntOverflow, "unsigned field value out of range", value_at);
    field.kind = FieldKind::kUInt;
    return true;
  }

  const char first = text.front();
  if (first == 't' || first == 'T' || first == 'f' || first == 'F') {
    if (text == "t" || text == "T" || text == "true" || text == "True" || text == "TRUE") {
      field.kind = FieldKind::kBool;
      field.bool_value = true;
      return true;
    }
    if (text == "f" || text == "F" || text == "false" || text == "False" || text == "FALSE") {
      field.kind = FieldKind::kBool;
      field.bool_value = false;
      return true;
    }
    return fail(Code::kBadFieldValue, "invalid boolean field value", value_at);
  }

  // A float: a digit or '.' must come first (after an optional '-'), which rules out the
  // nan/inf spellings std::from_chars would take.
  const size_t lead = first == '-' ? 1 : 0;
  if (text.size() <= lead || !(IsDigit(text[lead]) || text[lead] == '.')) {
    return fail(Code::kBadFieldValue, "invalid field value", value_at);
  }
  double value = 0;
  const auto [ptr, ec] = std::from_chars(value_at, p, value, std::chars_format::general);
  if (ec == std::errc::invalid_argument || ptr != p) {
    return fail(Code::kBadFieldValue, "invalid float field value", value_at);
  }
  if (ec == std::errc::result_out_of_range) {
    if (!FloatUnderflows(text)) {
      return fail(Code::kBadFieldValue, "float field value out of range", value_at);
    }
    value = first == '-' ? -0.0 : 0.0;
  }
  field.kind = FieldKind::kFloat;
  field.float_value = value;
  return true;
}

LineProtocolReader::Outcome LineProtocolReader::Fail(LineProtocolErrorCode code,
                                                     std::string_view reason, size_t start,
                                                     size_t end, uint64_t line, uint64_t index,
                                                     size_t error_pos) {
  const char* const data = body_.data();
  const std::string_view raw_line(data + start, end - start);
  error_.code = code;
  error_.reason = reason;
  error_.index = index;
  error_.raw_line = raw_line;
  // Line and column of the offending byte (the record may span physical lines).
  size_t line_begin = start;
  uint64_t error_line = line;
  for (size_t at = start; at < error_pos; ++at) {
    if (data[at] == '\n') {
      ++error_line;
      line_begin = at + 1;
    }
  }
  error_.line = error_line;
  error_.column = error_pos - line_begin + 1;

  error_.message.clear();
  AppendUnableToParse(error_.message, raw_line, reason);
  return Outcome::kLineError;
}

void AppendUnableToParse(std::string& out, std::string_view raw_line, std::string_view reason) {
  size_t cut = std::min(raw_line.size(), kMessageLineBytes);
  // Do not split a character: back off over at most three continuation bytes.
  for (int step = 0; step < 3 && cut < raw_line.size() && cut > 0 &&
                     (static_cast<uint8_t>(raw_line[cut]) & 0xC0) == 0x80;
       ++step) {
    --cut;
  }
  out.append("unable to parse '");
  AppendSanitized(out, raw_line.substr(0, cut));
  if (cut < raw_line.size()) out.append("...");
  out.append("': ");
  out.append(reason);
}

}  // namespace strata::ingest
