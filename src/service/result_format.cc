#include "service/result_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

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
      : column_(column), format_(format), nullable_(column.has_nulls()) {
    if (!IsStringStored(column.type())) {
      fixed_bound_ = kNumberBytes;
      return;
    }
    if (!column.is_dictionary() || column.dictionary_size() > rows) return;
    std::vector<std::string> entries(column.dictionary_size());
    size_t longest = 0;
    for (uint32_t e = 0; e < column.dictionary_size(); ++e) {
      EncodeString(entries[e], column.DictionaryEntry(e));
      longest = std::max(longest, entries[e].size());
    }
    // Entries are copied from slots of one size, the whole slot at a time when they fit
    // kSlotBytes: one fixed-size copy per row.
    slot_bytes_ = std::max<size_t>(longest <= kSlotBytes ? kSlotBytes : longest, 4);
    fixed_bound_ = slot_bytes_;
    slots_.assign(entries.size() * slot_bytes_, '\0');
    lengths_.resize(entries.size());
    for (size_t e = 0; e < entries.size(); ++e) {
      std::memcpy(slots_.data() + e * slot_bytes_, entries[e].data(), entries[e].size());
      lengths_[e] = static_cast<uint32_t>(entries[e].size());
    }
  }

  // The bound of MaxBytes when it is the same for every row (numbers, times, prepared
  // dictionaries), else 0.
  size_t fixed_bound() const { return fixed_bound_; }

  // An upper bound of the bytes Write needs for `row` (it may write, not keep, that many).
  size_t MaxBytes(size_t row) const {
    if (fixed_bound_ != 0) return fixed_bound_;
    if (nullable_ && column_.IsNull(row)) return 4;
    return 6 * column_.StringAt(row).size() + 2;
  }

  // Writes row `row` at `p`; returns the end. REQUIRES: MaxBytes(row) bytes of room.
  char* Write(char* p, size_t row) const {
    if (nullable_ && column_.IsNull(row)) {
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
      case DataType::kTimestamp: return WriteTime(p, column_.IntAt(row));
      case DataType::kString:
      case DataType::kJson:
        if (slot_bytes_ != 0) return WriteEntry(p, column_.codes()[row]);
        scratch_.clear();
        EncodeString(scratch_, column_.StringAt(row));
        return Copy(p, scratch_);
    }
    return p;
  }

  // Writes rows [begin, end) one after another from `out` and stores each value's end, as an
  // offset from `out`, in ends[0, end - begin). One pass per column keeps the type dispatch
  // and the NULL check out of the per-value loop where it can.
  // REQUIRES: room for the MaxBytes of every row from out.
  void WriteBlock(char* out, size_t begin, size_t end, uint32_t* ends) const {
    char* p = out;
    const auto end_here = [&] { *ends++ = static_cast<uint32_t>(p - out); };
    if (!nullable_) {
      switch (column_.type()) {
        case DataType::kInt64: {
          const int64_t* values = column_.ints().data();
          for (size_t row = begin; row < end; ++row, end_here()) {
            p = std::to_chars(p, p + 24, values[row]).ptr;
          }
          return;
        }
        case DataType::kTimestamp: {
          const int64_t* values = column_.ints().data();
          for (size_t row = begin; row < end; ++row, end_here()) p = WriteTime(p, values[row]);
          return;
        }
        case DataType::kString:
        case DataType::kJson:
          if (slot_bytes_ != 0) {
            const uint32_t* codes = column_.codes().data();
            for (size_t row = begin; row < end; ++row, end_here()) p = WriteEntry(p, codes[row]);
            return;
          }
          break;
        case DataType::kBool:
        case DataType::kFloat64: break;
      }
    }
    for (size_t row = begin; row < end; ++row, end_here()) p = Write(p, row);
  }

 private:
  // Room for any number or quoted timestamp (kMaxRfc3339Bytes + 2 quotes).
  static constexpr size_t kNumberBytes = 56;
  static_assert(kNumberBytes >= kMaxRfc3339Bytes + 2);
  static constexpr size_t kSlotBytes = 32;

  // A timestamp, quoted in JSON.
  char* WriteTime(char* p, int64_t micros) const {
    if (format_ == Format::kJson) *p++ = '"';
    p = time_writer_.Write(p, micros);
    if (format_ == Format::kJson) *p++ = '"';
    return p;
  }

  // Prepared dictionary entry `code`: the whole slot at once when slots are kSlotBytes.
  char* WriteEntry(char* p, uint32_t code) const {
    const char* entry = slots_.data() + size_t{code} * slot_bytes_;
    if (slot_bytes_ == kSlotBytes) {
      std::memcpy(p, entry, kSlotBytes);  // A fixed-size copy.
    } else {
      std::memcpy(p, entry, lengths_[code]);
    }
    return p + lengths_[code];
  }

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
  bool nullable_;
  size_t fixed_bound_ = 0;
  // A prepared dictionary: entry e encoded at slots_[e * slot_bytes_], lengths_[e] bytes.
  size_t slot_bytes_ = 0;
  std::string slots_;
  std::vector<uint32_t> lengths_;
  mutable Rfc3339Writer time_writer_;
  mutable std::string scratch_;
};

// Appends rows [begin, end) to `out`, each as `prefix`, the values separated by ','
// (each preceded by keys[j] when keys is set), then `suffix`. Rows go in blocks of
// kBlockRows: each column's values of a block are written into a scratch buffer of their own
// (WriteBlock), then the rows are assembled from those buffers, which stay in L1.
void AppendRows(std::string& out, const std::vector<ColumnEncoder>& encoders,
                const std::vector<std::string>* keys, size_t begin, size_t end,
                std::string_view prefix, std::string_view suffix, bool comma_between_rows) {
  constexpr size_t kBlockRows = 64;
  // Values of up to this many bytes are copied as one fixed-size block (buffers have the
  // slack for it).
  constexpr size_t kCopyBytes = 32;
  const size_t columns = encoders.size();
  size_t row_overhead = prefix.size() + suffix.size() + 1 + columns;
  if (keys != nullptr) {
    for (const std::string& key : *keys) row_overhead += key.size();
  }
  // scratch[j]: column j's values of the current block; ends[j * kBlockRows + i]: the end of
  // row i's value in it.
  std::vector<std::string> scratch(columns);
  std::vector<uint32_t> ends(columns * kBlockRows);
  // out[0, used) is written; out[used, out.size()) is zero-filled slack, grown kSlackBytes
  // (or a block's bound) at a time. (Growing beyond the capacity reallocates geometrically.)
  constexpr size_t kSlackBytes = 4096;
  size_t used = out.size();
  for (size_t block = begin; block < end; block += kBlockRows) {
    const size_t n = std::min(kBlockRows, end - block);
    size_t block_bytes = n * row_overhead + kCopyBytes;
    for (size_t j = 0; j < columns; ++j) {
      const ColumnEncoder& encoder = encoders[j];
      size_t bound = 0;
      if (encoder.fixed_bound() != 0) {
        bound = n * encoder.fixed_bound();
      } else {
        for (size_t row = block; row < block + n; ++row) bound += encoder.MaxBytes(row);
      }
      if (scratch[j].size() < bound + kCopyBytes) scratch[j].resize(bound + kCopyBytes);
      uint32_t* column_ends = ends.data() + j * kBlockRows;
      encoder.WriteBlock(scratch[j].data(), block, block + n, column_ends);
      block_bytes += column_ends[n - 1];
    }
    if (out.size() - used < block_bytes) out.resize(used + std::max(block_bytes, kSlackBytes));
    char* p = out.data() + used;
    for (size_t i = 0; i < n; ++i) {
      if (comma_between_rows && block + i > begin) *p++ = ',';
      p = static_cast<char*>(std::memcpy(p, prefix.data(), prefix.size())) + prefix.size();
      for (size_t j = 0; j < columns; ++j) {
        if (j > 0) *p++ = ',';
        if (keys != nullptr) {
          p = static_cast<char*>(std::memcpy(p, (*keys)[j].data(), (*keys)[j].size())) +
              (*keys)[j].size();
        }
        const uint32_t* column_ends = ends.data() + j * kBlockRows;
        const uint32_t start = i == 0 ? 0 : column_ends[i - 1];
        const size_t length = column_ends[i] - start;
        const char* value = scratch[j].data() + start;
        if (length <= kCopyBytes) {
          std::memcpy(p, value, kCopyBytes);
        } else {
          std::memcpy(p, value, length);
        }
        p += length;
      }
      p = static_cast<char*>(std::memcpy(p, suffix.data(), suffix.size())) + suffix.size();
    }
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
