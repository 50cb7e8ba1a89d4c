// The only translation unit of src/ingest that includes simdjson (On-Demand API).
#include "ingest/json_decoder.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

#include "common/json_writer.h"
#include "ingest/type_convert.h"

namespace strata::ingest {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;
using simdjson::SUCCESS;

static_assert(kJsonPaddingBytes >= simdjson::SIMDJSON_PADDING);

// Smallest parser buffer for NDJSON lines (grown on demand; they are reused per line).
constexpr size_t kMinParserCapacity = 64 * 1024;

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimRight(std::string_view text) {
  while (!text.empty() && IsJsonSpace(text.back())) text.remove_suffix(1);
  return text;
}

// An actionable description of a parse error (simdjson's own messages speak of tapes).
std::string_view Describe(error_code code) {
  switch (code) {
    case simdjson::TAPE_ERROR:
      return "malformed JSON (a missing or extra comma, colon, brace, bracket or quote)";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "the JSON ends inside an object or array, or has content after it";
    case simdjson::STRING_ERROR: return "invalid escape sequence in a string";
    case simdjson::UNCLOSED_STRING: return "a string is not closed";
    case simdjson::UNESCAPED_CHARS:
      return "control characters inside strings must be escaped (\\n, \\t, \\u0000...)";
    case simdjson::UTF8_ERROR: return "invalid UTF-8 (bodies must be UTF-8)";
    case simdjson::NUMBER_ERROR:
      return "invalid number (JSON has no NaN, Infinity or leading zeros)";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
    case simdjson::INCORRECT_TYPE:
      return "invalid literal (expected true, false, null, a number, a string, an object or an "
             "array)";
    case simdjson::TRAILING_CONTENT: return "unexpected content after the JSON value";
    case simdjson::DEPTH_ERROR: return "objects and arrays nest too deeply";
    case simdjson::EMPTY: return "no JSON value";
    default: return simdjson::error_message(code);
  }
}

// Describe(), more precise when the text at the error is known.
std::string_view DescribeAt(error_code code, std::string_view at) {
  if (at.substr(0, 3) == "NaN" || at.substr(0, 8) == "Infinity" || at.substr(0, 9) == "-Infinity") {
    return "NaN and Infinity are not JSON numbers";
  }
  return Describe(code);
}

std::string_view KindName(od::json_type type) {
  switch (type) {
    case od::json_type::array: return "array";
    case od::json_type::object: return "object";
    case od::json_type::number: return "number";
    case od::json_type::string: return "string";
    case od::json_type::boolean: return "boolean";
    case od::json_type::null: return "null";
  }
  return "value";
}

// Offset of the first byte that is not valid UTF-8, or text.size() (slow path, errors only).
size_t FirstInvalidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    size_t len;
    uint32_t min;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2;
      min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + len > n) return i;
    uint32_t cp = c & (0x7f >> len);
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return n;
}

// For stage-1 errors that carry no position: the first unescaped control character inside a
// string, or the opening quote of an unclosed string. npos when neither is found.
size_t FindStringError(std::string_view text, error_code code) {
  bool in_string = false;
  size_t open = std::string_view::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!in_string) {
      if (c == '"') {
        in_string = true;
        open = i;
      }
      continue;
    }
    if (c == '\\') {
      ++i;
    } else if (c == '"') {
      in_string = false;
    } else if (static_cast<unsigned char>(c) < 0x20 && code == simdjson::UNESCAPED_CHARS) {
      return i;
    }
  }
  return in_string && code == simdjson::UNCLOSED_STRING ? open : std::string_view::npos;
}

// The end of the array or object starting at text[begin], by bracket counting outside
// strings (for a value the walk abandoned past the depth limit); text.size() if unclosed.
size_t ScanContainerEnd(std::string_view text, size_t begin) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = begin; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if ((c == ']' || c == '}') && --depth == 0) {
      return i + 1;
    }
  }
  return text.size();
}

// 1-based line and byte column of `offset` in `text`.
struct LineColumn {
  size_t line = 1;
  size_t column = 1;
};
LineColumn Locate(std::string_view text, size_t offset) {
  LineColumn out;
  size_t line_start = 0;
  const char* p = text.data();
  const char* end = text.data() + std::min(offset, text.size());
  while (const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p))) {
    ++out.line;
    p = static_cast<const char*>(nl) + 1;
    line_start = static_cast<size_t>(p - text.data());
  }
  out.column = offset - line_start + 1;
  return out;
}

// Counts lines up to increasing offsets in O(total length).
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}
  size_t LineAt(size_t offset) {
    while (pos_ < offset) {
      const void* nl = std::memchr(text_.data() + pos_, '\n', offset - pos_);
      if (nl == nullptr) break;
      ++line_;
      pos_ = static_cast<size_t>(static_cast<const char*>(nl) - text_.data()) + 1;
    }
    if (pos_ < offset) pos_ = offset;
    return line_;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

Status InvalidBody(std::string_view message) {
  return Status::InvalidArgument(message).WithProblemCode("invalid_body");
}

}  // namespace

std::string_view JsonShapeName(JsonShape shape) {
  switch (shape) {
    case JsonShape::kAuto: return "auto";
    case JsonShape::kArray: return "array";
    case JsonShape::kObject: return "object";
    case JsonShape::kNdjson: return "ndjson";
  }
  return "auto";
}

void PadJsonBody(std::string& body) {
  const size_t size = body.size();
  if (body.capacity() >= size + kJsonPaddingBytes) {
    // The bytes past size() may never have been written: zero them (within capacity, so
    // without reallocating) so that the parser reads initialized memory.
    body.resize(size + kJsonPaddingBytes);
    body.resize(size);
    return;
  }
  body.reserve(size + kJsonPaddingBytes);
  body.resize(size + kJsonPaddingBytes);
  body.resize(size);
}

struct JsonDecoder::Impl {
  od::parser parser;
  std::string scratch;  // Compact text of a captured json value.

  // The call in progress.
  RecordBuilder* builder = nullptr;
  DecodeSink* sink = nullptr;
  const DecodeOptions* options = nullptr;
  std::string_view full;   // The caller's body, BOM included.
  std::string_view body;   // From the first byte after a BOM.
  size_t body_offset = 0;  // Offset of `body` in `full`.
  size_t padded_end = 0;   // body.size() plus the padding after it.
  int max_depth = 32;
  DecodeSummary summary;

  // The last syntax error: the member being read ("" for none), and where, when known.
  std::string_view error_key;
  const char* error_at = nullptr;
  bool stop_walk = false;  // A captured or validated value nested too deeply.

  Result<DecodeSummary> Run(std::string& text, const DecodeOptions& decode_options,
                            RecordBuilder& record_builder, DecodeSink* record_sink);
  Status DecodeNdjson();
  Status DecodeDocument(JsonShape shape);
  Status DecodeArray(od::document& doc);
  Status DecodeObject(od::document& doc);

  error_code Syntax(error_code code, std::string_view key) {
    error_key = key;
    return code;
  }
  // The same, remembering where `value` starts when simdjson can tell.
  error_code SyntaxAt(error_code code, std::string_view key, od::value& value) {
    const char* at = nullptr;
    if (value.current_location().get(at) == SUCCESS) error_at = at;
    return Syntax(code, key);
  }
  error_code DecodeMembers(od::object object, int depth);
  // Inlined into the member loop: passing simdjson's iterators through the stack costs
  // store-forwarding stalls per member (about a third of the decode time when not inlined).
  [[gnu::always_inline]] inline error_code DecodeValue(std::string_view key, od::value value,
                                                       int depth);
  error_code DecodeNested(NestedAction action, std::string_view key, od::value value, int depth);
  [[gnu::always_inline]] inline error_code DecodeNumber(std::string_view key, od::value value);
  error_code DecodeNumberSlow(std::string_view key, od::value value);
  error_code Walk(od::value value, int depth, std::string_view key, std::string* out);
  error_code DecodeRootRecord(od::document& doc);
  error_code ValidateRootScalar(od::document& doc, od::json_type type);

  void Report(size_t index, size_t line, size_t begin, size_t end, bool accepted);
  size_t ErrorOffset(od::document& doc, size_t fallback);
  Status MalformedAt(error_code code, size_t offset, std::string_view hint = {});
  Status TooManyRecords() const;
  std::string RecordTooLargeDetail(size_t bytes) const;
};

// --- Values of one record ----------------------------------------------------------------------

error_code JsonDecoder::Impl::DecodeNumber(std::string_view key, od::value value) {
  // One pass over the digits. Integers beyond 64 bits and numbers beyond float64 fail here
  // and take the slow path, which keeps them exact.
  od::number number;
  if (value.get_number().get(number) == SUCCESS) {
    switch (number.get_number_type()) {
      case od::number_type::signed_integer: builder->SetInt(key, number.get_int64()); break;
      case od::number_type::unsigned_integer: builder->SetUInt(key, number.get_uint64()); break;
      case od::number_type::floating_point_number:
        builder->SetDouble(key, number.get_double(), /*integral_text=*/false);
        break;
    }
    return SUCCESS;
  }
  return DecodeNumberSlow(key, value);
}

error_code JsonDecoder::Impl::DecodeValue(std::string_view key, od::value value, int depth) {
  od::json_type type;
  if (error_code e = value.type().get(type)) return SyntaxAt(e, key, value);
  switch (type) {
    case od::json_type::object: {
      const NestedAction action = builder->BeginObject(key);
      if (action != NestedAction::kFlatten) return DecodeNested(action, key, value, depth);
      od::object object;
      if (error_code e = value.get_object().get(object)) return SyntaxAt(e, key, value);
      if (error_code e = DecodeMembers(object, depth + 1)) return e;
      builder->EndObject();
      return SUCCESS;
    }
    case od::json_type::array: return DecodeNested(builder->BeginArray(key), key, value, depth);
    case od::json_type::number: return DecodeNumber(key, value);
    case od::json_type::string: {
      std::string_view text;
      if (error_code e = value.get_string().get(text)) return SyntaxAt(e, key, value);
      builder->SetString(key, text, /*from_json_string=*/true);
      return SUCCESS;
    }
    case od::json_type::boolean: {
      bool flag;
      if (error_code e = value.get_bool().get(flag)) return SyntaxAt(e, key, value);
      builder->SetBool(key, flag);
      return SUCCESS;
    }
    case od::json_type::null: {
      bool is_null;
      if (error_code e = value.is_null().get(is_null)) return SyntaxAt(e, key, value);
      if (!is_null) return SyntaxAt(simdjson::N_ATOM_ERROR, key, value);
      builder->SetNull(key);
      return SUCCESS;
    }
  }
  return SyntaxAt(simdjson::TAPE_ERROR, key, value);
}

error_code JsonDecoder::Impl::DecodeMembers(od::object object, int depth) {
  for (auto member : object) {
    od::field field;
    if (error_code e = std::move(member).get(field)) return Syntax(e, {});
    std::string_view key;
    if (error_code e = field.unescaped_key().get(key)) return Syntax(e, {});
    if (error_code e = DecodeValue(key, field.value(), depth)) return e;
  }
  return SUCCESS;
}

error_code JsonDecoder::Impl::DecodeNested(NestedAction action, std::string_view key,
                                           od::value value, int depth) {
  // A skipped value is still walked: On-Demand would skip it unchecked, and a malformed
  // value must be reported as such (a request error in a JSON document).
  std::string* out = action == NestedAction::kCaptureJson ? &scratch : nullptr;
  scratch.clear();
  stop_walk = false;
  if (error_code e = Walk(value, depth, key, out)) return e;
  if (out != nullptr && !stop_walk) builder->SetRawJson(key, scratch);
  stop_walk = false;
  return SUCCESS;
}

// Integers beyond 64 bits, numbers beyond float64, or not a number at all.
error_code JsonDecoder::Impl::DecodeNumberSlow(std::string_view key, od::value value) {
  const std::string_view token = TrimRight(value.raw_json_token());
  if (!IsJsonNumber(token)) return SyntaxAt(simdjson::NUMBER_ERROR, key, value);
  builder->SetNumberText(key, token);
  return SUCCESS;
}

error_code JsonDecoder::Impl::Walk(od::value value, int depth, std::string_view key,
                                   std::string* out) {
  od::json_type type;
  if (error_code e = value.type().get(type)) return SyntaxAt(e, key, value);
  switch (type) {
    case od::json_type::object:
    case od::json_type::array: {
      if (depth + 1 > max_depth) {
        if (out != nullptr) {
          builder->Fail(
              RecordErrorCode::kNestingTooDeep, key,
              "objects and arrays nest deeper than " + std::to_string(max_depth) + " levels");
        }
        stop_walk = true;  // The parent iteration skips the rest.
        return SUCCESS;
      }
      bool first = true;
      if (type == od::json_type::object) {
        od::object object;
        if (error_code e = value.get_object().get(object)) return SyntaxAt(e, key, value);
        if (out != nullptr) out->push_back('{');
        for (auto member : object) {
          od::field field;
          if (error_code e = std::move(member).get(field)) return Syntax(e, key);
          std::string_view name;
          if (error_code e = field.unescaped_key().get(name)) return Syntax(e, key);
          if (out != nullptr) {
            if (!first) out->push_back(',');
            AppendJsonString(*out, name);
            out->push_back(':');
          }
          first = false;
          if (error_code e = Walk(field.value(), depth + 1, key, out)) return e;
          if (stop_walk) return SUCCESS;
        }
        if (out != nullptr) out->push_back('}');
      } else {
        od::array array;
        if (error_code e = value.get_array().get(array)) return SyntaxAt(e, key, value);
        if (out != nullptr) out->push_back('[');
        for (auto element : array) {
          od::value item;
          if (error_code e = std::move(element).get(item)) return Syntax(e, key);
          if (out != nullptr && !first) out->push_back(',');
          first = false;
          if (error_code e = Walk(item, depth + 1, key, out)) return e;
          if (stop_walk) return SUCCESS;
        }
        if (out != nullptr) out->push_back(']');
      }
      return SUCCESS;
    }
    case od::json_type::number: {
      // Kept as written (JSON numbers have no range limit); the parent skips the token.
      const std::string_view token = TrimRight(value.raw_json_token());
      if (!IsJsonNumber(token)) return SyntaxAt(simdjson::NUMBER_ERROR, key, value);
      if (out != nullptr) out->append(token);
      return SUCCESS;
    }
    case od::json_type::string: {
      std::string_view text;
      if (error_code e = value.get_string().get(text)) return SyntaxAt(e, key, value);
      if (out != nullptr) AppendJsonString(*out, text);
      return SUCCESS;
    }
    case od::json_type::boolean: {
      bool flag;
      if (error_code e = value.get_bool().get(flag)) return SyntaxAt(e, key, value);
      if (out != nullptr) out->append(flag ? "true" : "false");
      return SUCCESS;
    }
    case od::json_type::null: {
      bool is_null;
      if (error_code e = value.is_null().get(is_null)) return SyntaxAt(e, key, value);
      if (!is_null) return SyntaxAt(simdjson::N_ATOM_ERROR, key, value);
      if (out != nullptr) out->append("null");
      return SUCCESS;
    }
  }
  return SyntaxAt(simdjson::TAPE_ERROR, key, value);
}

error_code JsonDecoder::Impl::ValidateRootScalar(od::document& doc, od::json_type type) {
  switch (type) {
    case od::json_type::number: {
      std::string_view token;
      if (error_code e = doc.raw_json_token().get(token)) return Syntax(e, {});
      return IsJsonNumber(TrimRight(token)) ? SUCCESS : Syntax(simdjson::NUMBER_ERROR, {});
    }
    case od::json_type::string: {
      std::string_view text;
      return Syntax(doc.get_string().get(text), {});
    }
    case od::json_type::boolean: {
      bool flag;
      return Syntax(doc.get_bool().get(flag), {});
    }
    case od::json_type::null: {
      bool is_null = false;
      if (error_code e = doc.is_null().get(is_null)) return Syntax(e, {});
      return is_null ? SUCCESS : Syntax(simdjson::N_ATOM_ERROR, {});
    }
    default: break;
  }
  od::value value;
  if (error_code e = doc.get_value().get(value)) return Syntax(e, {});
  stop_walk = false;
  const error_code e = Walk(value, 0, {}, nullptr);
  stop_walk = false;
  return e;
}

error_code JsonDecoder::Impl::DecodeRootRecord(od::document& doc) {
  od::json_type type;
  if (error_code e = doc.type().get(type)) return Syntax(e, {});
  if (type != od::json_type::object) {
    builder->Fail(RecordErrorCode::kNotAnObject, {},
                  "expected a JSON object, got " + std::string(KindName(type)));
    return ValidateRootScalar(doc, type);
  }
  od::object object;
  if (error_code e = doc.get_object().get(object)) return Syntax(e, {});
  if (error_code e = DecodeMembers(object, 1)) return e;
  const char* at;
  if (doc.current_location().get(at) == SUCCESS) {
    error_at = at;
    return Syntax(simdjson::TRAILING_CONTENT, {});
  }
  return SUCCESS;
}

// --- Bodies -------------------------------------------------------------------------------------

void JsonDecoder::Impl::Report(size_t index, size_t line, size_t begin, size_t end, bool accepted) {
  if (accepted) {
    ++summary.accepted;
  } else {
    ++summary.rejected;
  }
  if (sink == nullptr) return;
  DecodedRecord record;
  record.index = index;
  record.line = line;
  record.begin = begin;
  record.end = end;
  record.accepted = accepted;
  record.id = builder->record_id();
  record.errors = builder->errors();
  sink->OnRecord(record);
}

Status JsonDecoder::Impl::TooManyRecords() const {
  return Status::PayloadTooLarge("the body holds more than " +
                                 std::to_string(options->max_records) +
                                 " records; split it into several requests")
      .WithProblemCode("too_many_records");
}

std::string JsonDecoder::Impl::RecordTooLargeDetail(size_t bytes) const {
  return "record of " + std::to_string(bytes) + " bytes exceeds the limit of " +
         std::to_string(options->max_record_bytes) + " bytes";
}

Status JsonDecoder::Impl::DecodeNdjson() {
  const char* base = body.data();
  const size_t size = body.size();
  size_t pos = 0;
  size_t line = 0;
  while (pos < size) {
    const void* nl = std::memchr(base + pos, '\n', size - pos);
    const size_t line_end =
        nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - base) : size;
    size_t begin = pos;
    size_t end = line_end;
    pos = nl != nullptr ? line_end + 1 : size;
    ++line;
    while (begin < end && IsJsonSpace(base[begin])) ++begin;
    while (end > begin && IsJsonSpace(base[end - 1])) --end;
    if (begin == end) continue;  // Blank lines are not records.
    if (summary.records == options->max_records) return TooManyRecords();
    const size_t index = summary.records++;

    builder->BeginRecord();
    if (end - begin > options->max_record_bytes) {
      builder->Fail(RecordErrorCode::kRecordTooLarge, {}, RecordTooLargeDetail(end - begin));
    } else {
      // Grow the parser geometrically: iterate() would reallocate for every longer line.
      const size_t length = end - begin;
      if (parser.capacity() < length) {
        const size_t grown = std::max({length, 2 * parser.capacity(), kMinParserCapacity});
        if (parser.allocate(grown, parser.max_depth()) != SUCCESS) {
          // Too much at once: iterate() allocates exactly `length`, or reports the failure.
          const error_code ignored = parser.allocate(length, parser.max_depth());
          (void)ignored;
        }
      }
      // The line is parsed in place: the rest of the body and its padding follow it.
      od::document doc;
      error_key = {};
      error_at = nullptr;
      error_code e = parser.iterate(base + begin, end - begin, padded_end - begin).get(doc);
      if (e == SUCCESS) e = DecodeRootRecord(doc);
      if (e == simdjson::CAPACITY) {
        builder->Fail(RecordErrorCode::kRecordTooLarge, {}, RecordTooLargeDetail(end - begin));
      } else if (e != SUCCESS) {
        const std::string_view text(base + begin, end - begin);
        size_t column = 0;
        if (e == simdjson::UTF8_ERROR) {
          column = FirstInvalidUtf8(text) + 1;
        } else if (e == simdjson::UNESCAPED_CHARS || e == simdjson::UNCLOSED_STRING) {
          const size_t at = FindStringError(text, e);
          if (at != std::string_view::npos) column = at + 1;
        } else if (error_at != nullptr && error_at >= base + begin && error_at < base + end) {
          column = static_cast<size_t>(error_at - (base + begin)) + 1;
        }
        std::string detail = "line " + std::to_string(line);
        if (column != 0) detail += ", column " + std::to_string(column);
        detail += ": ";
        detail += column != 0 ? DescribeAt(e, text.substr(column - 1)) : Describe(e);
        builder->Fail(RecordErrorCode::kInvalidJson, error_key, detail);
      }
    }
    const bool accepted = builder->EndRecord();
    Report(index, line, body_offset + begin, body_offset + end, accepted);
  }
  return Status();
}

size_t JsonDecoder::Impl::ErrorOffset(od::document& doc, size_t fallback) {
  if (error_at != nullptr) return static_cast<size_t>(error_at - body.data());
  const char* at;
  if (doc.current_location().get(at) == SUCCESS && at >= body.data() &&
      at <= body.data() + body.size()) {
    return static_cast<size_t>(at - body.data());
  }
  return fallback;
}

Status JsonDecoder::Impl::MalformedAt(error_code code, size_t offset, std::string_view hint) {
  if (code == simdjson::CAPACITY) {
    return Status::PayloadTooLarge(
               "JSON bodies are limited to 4 GiB; send larger bodies as application/x-ndjson")
        .WithProblemCode("body_too_large");
  }
  if (code == simdjson::UTF8_ERROR) {
    offset = FirstInvalidUtf8(body);
  } else if (code == simdjson::UNESCAPED_CHARS || code == simdjson::UNCLOSED_STRING) {
    const size_t at = FindStringError(body, code);
    if (at != std::string_view::npos) offset = at;
  }
  if (code == simdjson::INCOMPLETE_ARRAY_OR_OBJECT) {
    // simdjson checks that the last byte closes the root: point at the last byte.
    offset = body.size();
    while (offset > 0 && IsJsonSpace(body[offset - 1])) --offset;
    if (offset > 0) --offset;
  }
  offset = std::min(offset, body.size());
  const LineColumn where = Locate(full, body_offset + offset);
  std::string message = "malformed JSON at line " + std::to_string(where.line) + ", column " +
                        std::to_string(where.column) + ": " +
                        std::string(DescribeAt(code, body.substr(offset)));
  if (!hint.empty()) {
    message += " (";
    message += hint;
    message += ")";
  }
  return Status::InvalidArgument(message).WithProblemCode("malformed_json");
}

Status JsonDecoder::Impl::DecodeDocument(JsonShape shape) {
  od::document doc;
  error_key = {};
  error_at = nullptr;
  if (error_code e = parser.iterate(body.data(), body.size(), padded_end).get(doc)) {
    return MalformedAt(e, 0);
  }
  return shape == JsonShape::kArray ? DecodeArray(doc) : DecodeObject(doc);
}

Status JsonDecoder::Impl::DecodeArray(od::document& doc) {
  const char* base = body.data();
  od::array array;
  if (error_code e = doc.get_array().get(array)) return MalformedAt(e, ErrorOffset(doc, 0));
  LineCounter lines(full);
  size_t begin = 0;
  for (auto element : array) {
    od::value value;
    if (error_code e = std::move(element).get(value))
      return MalformedAt(e, ErrorOffset(doc, begin));
    const char* at;
    if (error_code e = value.current_location().get(at)) {
      return MalformedAt(e, ErrorOffset(doc, begin));
    }
    begin = static_cast<size_t>(at - base);
    if (summary.records == options->max_records) return TooManyRecords();
    const size_t index = summary.records++;

    builder->BeginRecord();
    bool abandoned = false;
    od::json_type type;
    error_code e = value.type().get(type);
    if (e == SUCCESS && type == od::json_type::object) {
      od::object object;
      e = value.get_object().get(object);
      if (e == SUCCESS) e = DecodeMembers(object, 1);
    } else if (e == SUCCESS) {
      builder->Fail(RecordErrorCode::kNotAnObject, {},
                    "expected a JSON object, got " + std::string(KindName(type)));
      stop_walk = false;
      e = Walk(value, 0, {}, nullptr);
      abandoned = stop_walk;
      stop_walk = false;
    }
    if (e != SUCCESS) {
      builder->AbortRecord();
      return MalformedAt(e, ErrorOffset(doc, begin));
    }
    // The element ends before the token that follows it (',' or ']'), unless the walk gave
    // up inside it.
    size_t end = body.size();
    if (abandoned) {
      end = ScanContainerEnd(body, begin);
    } else if (doc.current_location().get(at) == SUCCESS) {
      end = static_cast<size_t>(at - base);
    }
    while (end > begin && IsJsonSpace(base[end - 1])) --end;
    if (end - begin > options->max_record_bytes) {
      builder->Fail(RecordErrorCode::kRecordTooLarge, {}, RecordTooLargeDetail(end - begin));
    }
    const bool accepted = builder->EndRecord();
    Report(index, accepted ? 0 : lines.LineAt(body_offset + begin), body_offset + begin,
           body_offset + end, accepted);
  }
  const char* at;
  if (doc.current_location().get(at) == SUCCESS) {
    return MalformedAt(simdjson::TRAILING_CONTENT, static_cast<size_t>(at - base),
                       "a body holds one JSON array");
  }
  return Status();
}

Status JsonDecoder::Impl::DecodeObject(od::document& doc) {
  const char* base = body.data();
  if (options->max_records == 0) return TooManyRecords();
  size_t begin = 0;
  while (begin < body.size() && IsJsonSpace(base[begin])) ++begin;
  summary.records = 1;
  builder->BeginRecord();
  od::object object;
  error_code e = doc.get_object().get(object);
  if (e == SUCCESS) e = DecodeMembers(object, 1);
  if (e != SUCCESS) {
    builder->AbortRecord();
    return MalformedAt(e, ErrorOffset(doc, begin));
  }
  const char* at;
  if (doc.current_location().get(at) == SUCCESS) {
    builder->AbortRecord();
    return MalformedAt(simdjson::TRAILING_CONTENT, static_cast<size_t>(at - base),
                       "to send several records use a JSON array or application/x-ndjson");
  }
  size_t end = body.size();
  while (end > begin && IsJsonSpace(base[end - 1])) --end;
  if (end - begin > options->max_record_bytes) {
    builder->Fail(RecordErrorCode::kRecordTooLarge, {}, RecordTooLargeDetail(end - begin));
  }
  const bool accepted = builder->EndRecord();
  Report(0, accepted ? 0 : Locate(full, body_offset + begin).line, body_offset + begin,
         body_offset + end, accepted);
  return Status();
}

Result<DecodeSummary> JsonDecoder::Impl::Run(std::string& text, const DecodeOptions& decode_options,
                                             RecordBuilder& record_builder,
                                             DecodeSink* record_sink) {
  PadJsonBody(text);
  builder = &record_builder;
  sink = record_sink;
  options = &decode_options;
  max_depth = record_builder.options().max_depth;
  summary = DecodeSummary{};
  full = text;
  body_offset = full.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;  // A UTF-8 byte order mark.
  body = full.substr(body_offset);
  padded_end = body.size() + kJsonPaddingBytes;

  JsonShape shape = decode_options.shape;
  Status status;
  if (shape == JsonShape::kNdjson) {
    summary.shape = shape;
    status = DecodeNdjson();
  } else {
    size_t first = 0;
    while (first < body.size() && IsJsonSpace(body[first])) ++first;
    if (first == body.size()) {
      return InvalidBody("the body is empty: expected a JSON array of objects or one JSON object");
    }
    const char c = body[first];
    const std::string_view got = c == '{'                             ? "an object"
                                 : c == '['                           ? "an array"
                                 : c == '"'                           ? "a string"
                                 : c == 't' || c == 'f'               ? "a boolean"
                                 : c == 'n'                           ? "null"
                                 : (c >= '0' && c <= '9') || c == '-' ? "a number"
                                                                      : "";
    if (got.empty()) return MalformedAt(simdjson::TAPE_ERROR, first);
    if (shape == JsonShape::kAuto) {
      shape = c == '[' ? JsonShape::kArray : c == '{' ? JsonShape::kObject : JsonShape::kAuto;
      if (shape == JsonShape::kAuto) {
        return InvalidBody("expected a JSON array of objects or one JSON object, got " +
                           std::string(got));
      }
    } else if (shape == JsonShape::kArray && c != '[') {
      return InvalidBody("expected a JSON array of objects, got " + std::string(got));
    } else if (shape == JsonShape::kObject && c != '{') {
      return InvalidBody("expected a JSON object, got " + std::string(got));
    }
    summary.shape = shape;
    status = DecodeDocument(shape);
  }
  builder->AbortRecord();  // No-op unless a path above left a record open.
  if (!status.ok()) return status;
  return summary;
}

JsonDecoder::JsonDecoder() : impl_(std::make_unique<Impl>()) {}
JsonDecoder::~JsonDecoder() = default;
JsonDecoder::JsonDecoder(JsonDecoder&&) noexcept = default;
JsonDecoder& JsonDecoder::operator=(JsonDecoder&&) noexcept = default;

Result<DecodeSummary> JsonDecoder::Decode(std::string& body, const DecodeOptions& options,
                                          RecordBuilder& builder, DecodeSink* sink) {
  return impl_->Run(body, options, builder, sink);
}

Result<DecodeSummary> DecodeJson(std::string& body, const DecodeOptions& options,
                                 RecordBuilder& builder, DecodeSink* sink) {
  JsonDecoder decoder;
  return decoder.Decode(body, options, builder, sink);
}

}  // namespace strata::ingest
