#include "service/result_format.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "common/json_writer.h"
#include "common/strings.h"
#include "common/time_util.h"

namespace strata::service {

using types::ColumnVector;
using types::DataType;

std::optional<ResultFormat> ParseResultFormat(std::string_view name) {
  if (name == "json") return ResultFormat::kJson;
  if (name == "ndjson") return ResultFormat::kNdjson;
  if (name == "csv") return ResultFormat::kCsv;
  return std::nullopt;
}

std::optional<ResultFormat> ResultFormatFromAccept(std::string_view accept) {
  // The first media range we serve, in the client's order (q-values are not weighed).
  size_t start = 0;
  while (start <= accept.size()) {
    size_t end = accept.find(',', start);
    if (end == std::string_view::npos) end = accept.size();
    std::string_view range = Trim(accept.substr(start, end - start));
    range = Trim(range.substr(0, range.find(';')));
    const std::string lower = ToLower(range);
    if (lower == "application/json") return ResultFormat::kJson;
    if (lower == "application/x-ndjson") return ResultFormat::kNdjson;
    if (lower == "text/csv") return ResultFormat::kCsv;
    start = end + 1;
  }
  return std::nullopt;
}

std::string_view ResultContentType(ResultFormat format) {
  switch (format) {
    case ResultFormat::kJson: return "application/json";
    case ResultFormat::kNdjson: return "application/x-ndjson";
    case ResultFormat::kCsv: return "text/csv; charset=utf-8; header=present";
  }
  return "application/json";
}

namespace {

std::string CsvField(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

// Encodes the values of one column, row by row, into a buffer the caller has sized with
// MaxBytes. String columns in dictionary form encode each entry once (escaping, quoting), so
// a low-cardinality column costs one copy per row; a dictionary larger than the rows to encode
// is not prepared, so a call's cost never grows with entries it does not use.
class ColumnEncoder {
 public:
  enum class Format { kJson, kCsv };

  // `rows`: how many rows it will encode. A dictionary with more entries than that is not
  // prepared (its rows are encoded one by one, like plain strings).
  ColumnEncoder(const ColumnVector& column, Format format, size_t rows)
      : column_(column), format_(format) {
    if (!IsStringStored(column.type()) || !column.is_dictionary()) return;
    if (column.dictionary_size() > rows) return;
    entries_.reserve(column.dictionary_size());
    for (uint32_t e = 0; e < column.dictionary_size(); ++e) {
      std::string text;
      EncodeString(text, column.DictionaryEntry(e));
      entries_.push_back(std::move(text));
    }
  }

  // Whether MaxBytes is the same for every row (FixedMaxBytes).
  bool has_fixed_bound() const { return !IsStringStored(column_.type()); }
  static constexpr size_t FixedMaxBytes() { return 40; }

  // An upper bound of the bytes Write adds for `row`.
  size_t MaxBytes(size_t row) const {
    if (has_fixed_bound()) return FixedMaxBytes();
    if (column_.IsNull(row)) return 4;
    if (!entries_.empty()) return entries_[column_.codes()[row]].size();
    return 6 * column_.StringAt(row).size() + 2;
  }

  // Writes row `row` at `p`; returns the end. REQUIRES: MaxBytes(row) bytes of room.
  char* Write(char* p, size_t row) const {
    if (column_.IsNull(row)) {
      if (format_ == Format::kJson) p = Copy(p, "null");
      return p;
    }
    switch (column_.type()) {
      case DataType::kBool: return Copy(p, column_.BoolAt(row) ? "true" : "false");
      case DataType::kInt64: return std::to_chars(p, p + 24, column_.IntAt(row)).ptr;
      case DataType::kFloat64: {
        const double value = column_.DoubleAt(row);
        if (std::isfinite(value)) return std::to_chars(p, p + 32, value).ptr;
        return format_ == Format::kJson ? Copy(p, "null") : p;
      }
      case DataType::kTimestamp: {
        scratch_.clear();
        if (format_ == Format::kJson) scratch_ += '"';
        AppendRfc3339(scratch_, column_.IntAt(row));
        if (format_ == Format::kJson) scratch_ += '"';
        return Copy(p, scratch_);
      }
      case DataType::kString:
      case DataType::kJson:
        if (!entries_.empty()) return Copy(p, entries_[column_.codes()[row]]);
        scratch_.clear();
        EncodeString(scratch_, column_.StringAt(row));
        return Copy(p, scratch_);
    }
    return p;
  }

 private:
  static char* Copy(char* p, std::string_view text) {
    std::memcpy(p, text.data(), text.size());
    return p + text.size();
  }

  void EncodeString(std::string& out, std::string_view text) const {
    if (format_ == Format::kCsv) {
      out += CsvField(text);
    } else if (column_.type() == DataType::kJson) {
      out += text.empty() ? std::string_view("null") : text;
    } else {
      AppendJsonString(out, text);
    }
  }

  const ColumnVector& column_;
  Format format_;
  std::vector<std::string> entries_;
  mutable std::string scratch_;
};

// Appends rows [begin, end) to `out`, each as `prefix`, the values separated by `separator`
// (each preceded by keys[j] when keys is set), then `suffix`.
void AppendRows(std::string& out, const std::vector<ColumnEncoder>& encoders,
                const std::vector<std::string>* keys, size_t begin, size_t end,
                std::string_view prefix, std::string_view suffix, bool comma_between_rows) {
  // Per row: `fixed` bytes at most, plus what the variable-width columns need.
  size_t fixed = prefix.size() + suffix.size() + 1 + encoders.size();
  if (keys != nullptr) {
    for (const std::string& key : *keys) fixed += key.size();
  }
  std::vector<const ColumnEncoder*> variable;
  for (const ColumnEncoder& encoder : encoders) {
    if (encoder.has_fixed_bound()) {
      fixed += ColumnEncoder::FixedMaxBytes();
    } else {
      variable.push_back(&encoder);
    }
  }
  // out[0, used) is written; out[used, out.size()) is zero-filled slack, grown kSlackBytes
  // (or a row's bound) at a time: about one zero-fill per byte written, plus at most
  // kSlackBytes per call. (Growing beyond the capacity reallocates geometrically.)
  constexpr size_t kSlackBytes = 4096;
  size_t used = out.size();
  for (size_t row = begin; row < end; ++row) {
    size_t bound = fixed;
    for (const ColumnEncoder* encoder : variable) bound += encoder->MaxBytes(row);
    if (out.size() - used < bound) out.resize(used + std::max(bound, kSlackBytes));
    char* p = out.data() + used;
    if (comma_between_rows && row > begin) *p++ = ',';
    p = static_cast<char*>(std::memcpy(p, prefix.data(), prefix.size())) + prefix.size();
    for (size_t j = 0; j < encoders.size(); ++j) {
      if (j > 0) *p++ = ',';
      if (keys != nullptr) {
        p = static_cast<char*>(std::memcpy(p, (*keys)[j].data(), (*keys)[j].size())) +
            (*keys)[j].size();
      }
      p = encoders[j].Write(p, row);
    }
    p = static_cast<char*>(std::memcpy(p, suffix.data(), suffix.size())) + suffix.size();
    used = static_cast<size_t>(p - out.data());
  }
  out.resize(used);
}

std::vector<ColumnEncoder> Encoders(const std::vector<ColumnVector>& columns,
                                    ColumnEncoder::Format format, size_t rows) {
  std::vector<ColumnEncoder> encoders;
  encoders.reserve(columns.size());
  for (const ColumnVector& column : columns) encoders.emplace_back(column, format, rows);
  return encoders;
}

std::vector<std::string> ObjectKeys(const std::vector<exec::ResultColumn>& header) {
  std::vector<std::string> keys;
  keys.reserve(header.size());
  for (const exec::ResultColumn& column : header) {
    std::string key;
    AppendJsonString(key, column.name);
    key += ':';
    keys.push_back(std::move(key));
  }
  return keys;
}

}  // namespace

void AppendJsonRows(std::string& out, const std::vector<ColumnVector>& columns, size_t begin,
                    size_t end, bool& first) {
  if (begin >= end) return;
  if (!first) out += ',';
  first = false;
  AppendRows(out, Encoders(columns, ColumnEncoder::Format::kJson, end - begin), nullptr, begin, end,
             "[", "]", true);
}

void AppendJsonRowsInPieces(std::vector<std::string>& pieces,
                            const std::vector<ColumnVector>& columns, size_t begin, size_t end,
                            bool& first, size_t piece_bytes) {
  if (begin >= end) return;
  // Rows between checks of the last piece's size.
  constexpr size_t kRowsPerStep = 512;
  const std::vector<ColumnEncoder> encoders =
      Encoders(columns, ColumnEncoder::Format::kJson, end - begin);
  for (size_t row = begin; row < end;) {
    if (pieces.empty() || pieces.back().size() >= piece_bytes) {
      pieces.emplace_back();
      pieces.back().reserve(piece_bytes + piece_bytes / 4);
    }
    const size_t step_end = std::min(end, row + kRowsPerStep);
    if (!first) pieces.back() += ',';
    first = false;
    AppendRows(pieces.back(), encoders, nullptr, row, step_end, "[", "]", true);
    row = step_end;
  }
}

void AppendJsonObjects(std::string& out, const std::vector<exec::ResultColumn>& header,
                       const std::vector<ColumnVector>& columns, size_t begin, size_t end) {
  const std::vector<std::string> keys = ObjectKeys(header);
  AppendRows(out, Encoders(columns, ColumnEncoder::Format::kJson, end - begin), &keys, begin, end,
             "{", "}", true);
}

void AppendNdjsonRows(std::string& out, const std::vector<exec::ResultColumn>& header,
                      const std::vector<ColumnVector>& columns, size_t begin, size_t end) {
  const std::vector<std::string> keys = ObjectKeys(header);
  AppendRows(out, Encoders(columns, ColumnEncoder::Format::kJson, end - begin), &keys, begin, end,
             "{", "}\n", false);
}

void AppendCsvHeader(std::string& out, const std::vector<exec::ResultColumn>& header) {
  for (size_t j = 0; j < header.size(); ++j) {
    if (j > 0) out += ',';
    out += CsvField(header[j].name);
  }
  out += "\r\n";
}

void AppendCsvRows(std::string& out, const std::vector<ColumnVector>& columns, size_t begin,
                   size_t end) {
  AppendRows(out, Encoders(columns, ColumnEncoder::Format::kCsv, end - begin), nullptr, begin, end,
             "", "\r\n", false);
}

void AppendJsonColumns(std::string& out, const std::vector<exec::ResultColumn>& header) {
  out += "\"columns\":[";
  for (size_t j = 0; j < header.size(); ++j) {
    if (j > 0) out += ',';
    out += "{\"name\":";
    AppendJsonString(out, header[j].name);
    out += ",\"type\":\"";
    out += types::DataTypeName(header[j].type);
    out += "\"}";
  }
  out += ']';
}

}  // namespace strata::service
