#include "ingest/csv_reader.h"

#include <charconv>
#include <unordered_map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ingest/utf8.h"

namespace strata::ingest {
namespace {

constexpr size_t kNpos = std::string_view::npos;
constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Returns the first byte in [p, end) equal to a, b, c or d, or end if there is none.
inline const char* FindAny(const char* p, const char* end, char a, char b, char c, char d) {
#if defined(__SSE2__)
  const __m128i va = _mm_set1_epi8(a);
  const __m128i vb = _mm_set1_epi8(b);
  const __m128i vc = _mm_set1_epi8(c);
  const __m128i vd = _mm_set1_epi8(d);
  for (; end - p >= 16; p += 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hits =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(chunk, va), _mm_cmpeq_epi8(chunk, vb)),
                     _mm_or_si128(_mm_cmpeq_epi8(chunk, vc), _mm_cmpeq_epi8(chunk, vd)));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hits));
    if (mask != 0) return p + __builtin_ctz(mask);
  }
#endif
  for (; p < end; ++p) {
    const char ch = *p;
    if (ch == a || ch == b || ch == c || ch == d) return p;
  }
  return end;
}

// Line and column of text[target], where text[0] is column 1 of `line`.
// REQUIRES: target <= text.size().
CsvPosition LocateIn(std::string_view text, uint64_t line, size_t target) {
  size_t line_start = 0;
  for (size_t i = 0; i < target; ++i) {
    const char ch = text[i];
    // CRLF counts once, at its LF.
    if (ch == '\n' || (ch == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'))) {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, target - line_start + 1};
}

void AppendNumber(std::string& out, uint64_t value) {
  char digits[20];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, end);
}

// "','", "tab" or "byte 0xC3".
void AppendByte(std::string& out, char byte) {
  const auto value = static_cast<unsigned char>(byte);
  if (byte == '\t') {
    out += "tab";
  } else if (value >= 0x20 && value < 0x7F) {
    out += '\'';
    out += byte;
    out += '\'';
  } else {
    constexpr char kHex[] = "0123456789ABCDEF";
    out += "byte 0x";
    out += kHex[value >> 4];
    out += kHex[value & 0xF];
  }
}

// Appends `name` in quotes, cut at a character boundary after about 64 bytes.
// REQUIRES: name is valid UTF-8.
void AppendName(std::string& out, std::string_view name) {
  constexpr size_t kMaxBytes = 64;
  out += '\'';
  if (name.size() <= kMaxBytes) {
    out += name;
  } else {
    size_t cut = kMaxBytes;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
    out += name.substr(0, cut);
    out += "...";
  }
  out += '\'';
}

bool ValidOptions(const CsvOptions& options) {
  const auto ok = [](char c) {
    return static_cast<unsigned char>(c) < 0x80 && c != '\r' && c != '\n';
  };
  return ok(options.delimiter) && ok(options.quote) && options.delimiter != options.quote;
}

}  // namespace

Status CsvError::ToStatus() const {
  std::string text = "line ";
  AppendNumber(text, line);
  text += ", column ";
  AppendNumber(text, column);
  text += ": ";
  text += message;
  return Status::InvalidArgument(text).WithProblemCode(code);
}

CsvPosition CsvRecord::FieldPosition(size_t field_idx) const {
  return LocateIn(raw_, line_, fields_[field_idx].offset - offset_);
}

CsvReader::CsvReader(std::string_view input, const CsvOptions& options)
    : input_(input), options_(options) {}

std::string& CsvReader::SetError(std::string_view code, size_t offset) {
  const CsvPosition position =
      LocateIn(input_.substr(record_begin_), record_line_, offset - record_begin_);
  error_.code = code;
  error_.line = position.line;
  error_.column = position.column;
  error_.message.clear();
  return error_.message;
}

bool CsvReader::ReadHeader() {
  if (state_ != State::kStart) return state_ != State::kFatal;
  state_ = State::kFatal;  // Until the header is read.
  record_begin_ = 0;
  record_line_ = 1;
  if (!ValidOptions(options_)) {
    SetError("csv_bad_options", 0) +=
        "delimiter and quote must be two different ASCII characters other than CR and LF";
    return false;
  }
  if (input_.substr(0, kBom.size()) == kBom) pos_ = kBom.size();
  if (options_.has_header) {
    SkipBlankLines();
    if (pos_ == input_.size()) {
      record_begin_ = pos_;
      record_line_ = line_;
      std::string& message = SetError("csv_no_header", pos_);
      message += "the body has no header row; its first line must name the columns, separated by ";
      AppendByte(message, options_.delimiter);
      return false;
    }
    if (ParseRecord(header_) != CsvStep::kRecord || !CheckHeaderNames()) return false;
    expected_fields_ = header_.size();
  }
  state_ = State::kRecords;
  return true;
}

bool CsvReader::CheckHeaderNames() {
  std::unordered_map<std::string_view, size_t> first_column;
  first_column.reserve(header_.size());
  for (size_t field_idx = 0; field_idx < header_.size(); ++field_idx) {
    const std::string_view name = header_.field(field_idx);
    if (name.empty()) {
      std::string& message = SetError("csv_bad_header", header_.field_offset(field_idx));
      message += "column ";
      AppendNumber(message, field_idx + 1);
      message += " of the header has no name; every column needs a unique name";
      return false;
    }
    const auto [it, inserted] = first_column.emplace(name, field_idx);
    if (!inserted) {
      std::string& message = SetError("csv_bad_header", header_.field_offset(field_idx));
      message += "column ";
      AppendNumber(message, field_idx + 1);
      message += " of the header repeats the name ";
      AppendName(message, name);
      message += " of column ";
      AppendNumber(message, it->second + 1);
      message += "; column names must be unique";
      return false;
    }
  }
  return true;
}

CsvStep CsvReader::Next(CsvRecord& record) {
  if (state_ == State::kStart && !ReadHeader()) return CsvStep::kFatal;
  if (state_ == State::kFatal) return CsvStep::kFatal;
  if (state_ == State::kEnd) return CsvStep::kEnd;
  SkipBlankLines();
  if (pos_ == input_.size()) {
    state_ = State::kEnd;
    return CsvStep::kEnd;
  }
  record.index_ = next_index_++;
  const CsvStep step = ParseRecord(record);
  if (step == CsvStep::kFatal) {
    state_ = State::kFatal;
  } else if (expected_fields_ == 0) {
    expected_fields_ = record.size();  // No header: the first record decides.
  }
  return step;
}

void CsvReader::SkipBlankLines() {
  const size_t size = input_.size();
  while (pos_ < size) {
    const char ch = input_[pos_];
    if (ch == '\n') {
      ++pos_;
    } else if (ch == '\r') {
      pos_ += pos_ + 1 < size && input_[pos_ + 1] == '\n' ? 2 : 1;
    } else {
      break;
    }
    ++line_;
  }
}

// Invariants of the field loop: p is at the first byte of a field; a field ends at the
// delimiter, CR, LF or the end of the input that follows it (outside quotes). `failed` is
// set once error_ holds this record's first error; after that the loop only finds the end of
// the record, treating stray quotes as data so that it stops where a reader of the same
// quote rules would.
CsvStep CsvReader::ParseRecord(CsvRecord& record) {
  const char* const base = input_.data();
  const char* const end = base + input_.size();
  const char delimiter = options_.delimiter;
  const char quote = options_.quote;
  record_begin_ = pos_;
  record_line_ = line_;
  record.fields_.clear();
  record.unescaped_.clear();
  record.scratch_.clear();
  record.offset_ = pos_;
  record.line_ = line_;
  bool failed = false;
  size_t extra_field_offset = kNpos;  // Start of field expected_fields_ + 1, if any.

  const char* p = base + pos_;
  for (;;) {
    const char* const field_begin = p;
    const size_t field_idx = record.fields_.size();
    if (field_idx == expected_fields_) extra_field_offset = field_begin - base;
    std::string_view value;
    bool quoted = false;
    if (p < end && *p == quote) {
      quoted = true;
      const char* const content = ++p;
      const char* segment = p;  // Bytes not yet copied, for fields with "".
      size_t scratch_offset = kNpos;
      for (;;) {
        const char* const hit = FindAny(p, end, quote, '\n', '\r', quote);
        if (hit == end) {
          record.raw_ = input_.substr(record_begin_);
          pos_ = input_.size();
          SetError("csv_unterminated_quote", field_begin - base) +=
              "the quoted field starting here is not closed before the end of the body; add "
              "the closing quote (a quote inside a quoted field is written twice)";
          return CsvStep::kFatal;
        }
        if (*hit != quote) {  // A line end inside the field; CRLF counts at its LF.
          if (*hit == '\n' || hit + 1 == end || hit[1] != '\n') ++line_;
          p = hit + 1;
        } else if (hit + 1 < end && hit[1] == quote) {  // "" stands for one quote.
          if (scratch_offset == kNpos) scratch_offset = record.scratch_.size();
          record.scratch_.append(segment, hit + 1);
          p = segment = hit + 2;
        } else {  // The closing quote.
          if (scratch_offset == kNpos) {
            value = std::string_view(content, hit - content);
          } else {
            record.scratch_.append(segment, hit);
            // Points into the input for now; fixed below once scratch_ stops growing.
            value = std::string_view(content, record.scratch_.size() - scratch_offset);
            record.unescaped_.push_back({field_idx, scratch_offset});
          }
          p = hit + 1;
          break;
        }
      }
      if (p < end && *p != delimiter && *p != '\n' && *p != '\r') {
        if (!failed) {
          std::string& message = SetError("csv_after_quote", p - base);
          AppendByte(message, *p);
          message += " after the closing quote of a field; a closing quote must be followed by ";
          AppendByte(message, delimiter);
          message += " or a line end (a quote inside a quoted field is written twice)";
          failed = true;
        }
        p = FindAny(p, end, delimiter, '\n', '\r', delimiter);
      }
    } else {
      for (;;) {
        p = FindAny(p, end, delimiter, quote, '\n', '\r');
        if (p == end || *p != quote) break;
        if (!failed) {
          std::string& message = SetError("csv_bare_quote", p - base);
          AppendByte(message, quote);
          message +=
              " inside an unquoted field; put the whole field in quotes and write each quote "
              "inside it twice";
          failed = true;
        }
        ++p;
      }
      value = std::string_view(field_begin, p - field_begin);
    }
    if (!failed && value.size() > options_.max_field_bytes) {
      std::string& message = SetError("csv_field_too_large", field_begin - base);
      message += "field is ";
      AppendNumber(message, value.size());
      message += " bytes, more than the limit of ";
      AppendNumber(message, options_.max_field_bytes);
      message += " bytes";
      failed = true;
    }
    record.fields_.push_back({value, static_cast<size_t>(field_begin - base), quoted});
    if (p < end && *p == delimiter) {
      ++p;
      continue;
    }
    break;  // p is at a line end or the end of the input.
  }

  const size_t record_end = p - base;
  record.raw_ = input_.substr(record_begin_, record_end - record_begin_);
  if (p < end) {
    p += *p == '\r' && p + 1 < end && p[1] == '\n' ? 2 : 1;
    ++line_;
  }
  pos_ = p - base;
  for (const CsvRecord::Unescaped& unescaped : record.unescaped_) {
    std::string_view& field_value = record.fields_[unescaped.field_idx].value;
    field_value =
        std::string_view(record.scratch_.data() + unescaped.scratch_offset, field_value.size());
  }

  if (failed) return CsvStep::kRecordError;
  if (record.raw_.size() > options_.max_record_bytes) {
    std::string& message = SetError("csv_record_too_large", record_begin_);
    message += "record is ";
    AppendNumber(message, record.raw_.size());
    message += " bytes, more than the limit of ";
    AppendNumber(message, options_.max_record_bytes);
    message += " bytes";
    return CsvStep::kRecordError;
  }
  if (expected_fields_ != 0 && record.size() != expected_fields_) {
    const bool too_many = record.size() > expected_fields_;
    std::string& message = SetError("csv_field_count", too_many ? extra_field_offset : record_end);
    message += "expected ";
    AppendNumber(message, expected_fields_);
    message += options_.has_header ? " fields (one per header column), got "
                                   : " fields (as many as the first record), got ";
    AppendNumber(message, record.size());
    if (too_many) {
      message += "; quote values that contain ";
      AppendByte(message, delimiter);
    } else {
      message += "; write missing values as empty fields";
    }
    return CsvStep::kRecordError;
  }
  const size_t bad_utf8 = FindInvalidUtf8(record.raw_);
  if (bad_utf8 != kNpos) {
    std::string& message = SetError("invalid_utf8", record_begin_ + bad_utf8);
    message += "invalid UTF-8 at ";
    AppendByte(message, record.raw_[bad_utf8]);
    message += "; the body must be UTF-8 encoded";
    return CsvStep::kRecordError;
  }
  return CsvStep::kRecord;
}

}  // namespace strata::ingest
