// Streaming tokenizer for CSV ingest bodies (RFC 4180 with the relaxations in
// docs/ingest.md, "CSV bodies"). It splits a body into a header and records of string fields;
// turning fields into typed column values is the caller's job.
//
// Usage:
//   CsvReader reader(body, options);
//   CsvRecord record;  // Reuse one record: its buffers are kept between records.
//   for (;;) {
//     const CsvStep step = reader.Next(record);
//     if (step == CsvStep::kRecord) { ...record.field(i)... }
//     else if (step == CsvStep::kRecordError) { ...reject record.raw() with reader.error()... }
//     else if (step == CsvStep::kEnd) break;
//     else { ...fail the body with reader.error()...; break; }
//   }
//
// Dialect: fields are separated by `delimiter`; a field that starts with `quote` is quoted
// and may hold delimiters, CR, LF and doubled quotes (""), which stand for one quote. Records
// end at LF, CRLF, a lone CR or the end of the body. A UTF-8 BOM at the start is skipped.
// Blank lines (no bytes between two line ends, or before the first or after the last) are
// skipped everywhere, so a record is never empty: a one-column CSV cannot hold a NULL and
// writes an empty string as "" (a quoted empty field).
//
// Errors (CsvError::code, stable snake_case):
//   Record errors (kRecordError): the reader has skipped the whole record, read with the same
//   quote rules, and the next Next() continues with the following record.
//     csv_field_count       field count differs from the header's (or, without a header,
//                           from the first record's)
//     csv_bare_quote        a quote inside an unquoted field
//     csv_after_quote       a byte other than delimiter or line end after a closing quote
//     csv_field_too_large   a field value longer than max_field_bytes
//     csv_record_too_large  a record (its raw bytes) longer than max_record_bytes
//     invalid_utf8          a field is not valid UTF-8
//   Fatal errors (kFatal): the body cannot be read further; every later Next() repeats it.
//     csv_unterminated_quote  a quoted field still open at the end of the body
//     csv_no_header           header expected but the body has no non-blank line
//     csv_bad_header          an empty or a duplicate column name (names compare bytewise)
//     csv_bad_options         invalid CsvOptions (see there)
//   Any record error in the header is fatal, with the record error's code.
//   A record reports only its first error, in this order: quote errors and field sizes in
//   field order, then record size, then field count, then UTF-8. An unterminated quote
//   replaces an earlier error of the same record (the body ends inside that record).
//
// Positions: lines are 1-based and count LF, CRLF and lone CR (also inside quoted fields);
// columns are 1-based byte offsets within the line (a BOM is not counted). Byte offsets are
// relative to the `input` given to the reader, BOM included.
//
// Thread safety: none; one reader and its records belong to one thread.
// Performance: special bytes are found 16 at a time (SSE2; a byte loop elsewhere); unquoted
// fields and quoted ones without "" point into the input; once a record's buffers have grown
// to the largest record, Next() allocates nothing (error messages reuse their buffer too).
// UTF-8 is checked once per record over its raw bytes, 8 ASCII bytes at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace strata::ingest {

struct CsvOptions {
  // Field separator. Must be ASCII and differ from `quote`, CR and LF. Default: ','.
  char delimiter = ',';
  // Quote character. Must be ASCII and differ from CR and LF. Default: '"'.
  char quote = '"';
  // Largest field value (after "" unescaping), in bytes. Default: 1 MiB.
  size_t max_field_bytes = size_t{1} << 20;
  // Largest record, counting its raw bytes without the line end. Default: 8 MiB.
  size_t max_record_bytes = size_t{8} << 20;
  // The first non-blank line names the columns. Default: true.
  bool has_header = true;
};

enum class CsvStep {
  kRecord,       // The record holds the next record's fields.
  kRecordError,  // The next record is malformed; error() says why, the record says where.
  kEnd,          // No more records.
  kFatal,        // error() says why; no more records.
};

struct CsvError {
  std::string_view code;  // One of the codes above; static storage.
  uint64_t line = 0;      // 1-based line of the offending byte.
  uint64_t column = 0;    // 1-based byte column within that line.
  std::string message;    // Actionable, e.g. "expected 3 fields (one per header column), got 4".

  // InvalidArgument with problem code `code` and message "line L, column C: message".
  Status ToStatus() const;
};

// Line and column of a byte of the input (see "Positions" above).
struct CsvPosition {
  uint64_t line = 0;
  uint64_t column = 0;
};

// One record's fields. Fields are views into the reader's input or into this record's own
// buffer; they stay valid until this record is passed to Next() again or destroyed (and, for
// views into the input, while the input lives). Not copyable or movable, since fields may
// point into it.
class CsvRecord {
 public:
  CsvRecord() = default;
  CsvRecord(const CsvRecord&) = delete;
  CsvRecord& operator=(const CsvRecord&) = delete;

  size_t size() const { return fields_.size(); }
  // REQUIRES: field_idx < size(). The value, quotes removed and "" unescaped.
  std::string_view field(size_t field_idx) const { return fields_[field_idx].value; }
  // True if the field was written in quotes: an empty quoted field is the empty string, an
  // empty unquoted one is NULL. REQUIRES: field_idx < size().
  bool quoted(size_t field_idx) const { return fields_[field_idx].quoted; }
  // Byte offset in the input of the field's first byte (its opening quote if quoted).
  // REQUIRES: field_idx < size().
  size_t field_offset(size_t field_idx) const { return fields_[field_idx].offset; }
  // Line and column of the field's first byte. Costs a scan of the record up to the field;
  // meant for error reports. REQUIRES: field_idx < size().
  CsvPosition FieldPosition(size_t field_idx) const;

  // 0-based among data records (the header is not counted; rejected records are).
  uint64_t index() const { return index_; }
  // 1-based line where the record starts.
  uint64_t line() const { return line_; }
  // The record's raw bytes without its line end, and their offset in the input.
  std::string_view raw() const { return raw_; }
  size_t offset() const { return offset_; }

 private:
  friend class CsvReader;
  struct Field {
    std::string_view value;
    size_t offset = 0;
    bool quoted = false;
  };
  struct Unescaped {  // A field whose value lives in scratch_ (it had "").
    size_t field_idx;
    size_t scratch_offset;
  };

  std::vector<Field> fields_;
  std::vector<Unescaped> unescaped_;
  std::string scratch_;  // Unescaped values, back to back. Reused across records.
  std::string_view raw_;
  size_t offset_ = 0;
  uint64_t index_ = 0;
  uint64_t line_ = 0;
};

class CsvReader {
 public:
  // Reads `input` (a whole body, already decompressed). `input` must outlive the reader and
  // every record it fills. Invalid options surface as kFatal csv_bad_options.
  explicit CsvReader(std::string_view input, const CsvOptions& options = {});
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the header if that has not happened yet (no-op without has_header). Returns false
  // on a fatal error, described by error(). Next() calls it, so calling it is optional; it
  // lets the caller check the columns before the first record.
  bool ReadHeader();

  // Reads the next record into `record` (see CsvStep). On kRecordError, and on a kFatal raised
  // inside a data record (csv_unterminated_quote: raw() then runs to the end of the body),
  // record.index(), line(), raw() and offset() describe that record and its fields are
  // unspecified. After kEnd or kFatal every call returns the same step.
  CsvStep Next(CsvRecord& record);

  // The column names (fields of the header record). Meaningful once ReadHeader() has
  // succeeded; empty before the header is read and without has_header.
  const CsvRecord& header() const { return header_; }
  // The field count every record must have: the header's, or without a header the first
  // record's; 0 until known.
  size_t expected_fields() const { return expected_fields_; }
  // The last error. Valid after kRecordError or kFatal (or ReadHeader() == false) until the
  // next call.
  const CsvError& error() const { return error_; }

 private:
  enum class State { kStart, kRecords, kEnd, kFatal };

  // Tokenizes the record at pos_ (a line start after blank lines) into `record` and leaves
  // pos_ at the start of the next line. Returns kRecord, kRecordError or kFatal (an
  // unterminated quote); error_ is set for the latter two.
  CsvStep ParseRecord(CsvRecord& record);
  // Moves pos_ past blank lines.
  void SkipBlankLines();
  // Sets error_ to `code` at input byte `offset`, which must lie in the record starting at
  // record_begin_, and returns error_.message, cleared, for the caller to write.
  std::string& SetError(std::string_view code, size_t offset);
  // Checks header_ for empty and duplicate names; sets error_ on failure.
  bool CheckHeaderNames();

  const std::string_view input_;
  const CsvOptions options_;
  State state_ = State::kStart;
  size_t pos_ = 0;           // Next unread byte.
  uint64_t line_ = 1;        // Line of pos_.
  size_t record_begin_ = 0;  // Start of the record being read, for error positions.
  uint64_t record_line_ = 1;
  uint64_t next_index_ = 0;
  size_t expected_fields_ = 0;
  CsvRecord header_;
  CsvError error_;
};

}  // namespace strata::ingest
