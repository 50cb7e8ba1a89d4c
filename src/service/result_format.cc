#include "service/result_format.h"

#include <cmath>

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

void AppendNumber(std::string& out, double value) {
  JsonWriter writer;
  writer.Double(value);
  out += writer.str();
}

void AppendJsonValue(std::string& out, const ColumnVector& column, size_t row) {
  if (column.IsNull(row)) {
    out += "null";
    return;
  }
  switch (column.type()) {
    case DataType::kBool: out += column.BoolAt(row) ? "true" : "false"; return;
    case DataType::kInt64: out += std::to_string(column.IntAt(row)); return;
    case DataType::kFloat64: AppendNumber(out, column.DoubleAt(row)); return;
    case DataType::kTimestamp:
      out += '"';
      out += FormatRfc3339(column.IntAt(row));
      out += '"';
      return;
    case DataType::kString: AppendJsonString(out, column.StringAt(row)); return;
    case DataType::kJson: {
      const std::string_view text = column.StringAt(row);
      out += text.empty() ? std::string_view("null") : text;
      return;
    }
  }
}

void AppendCsvField(std::string& out, std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += value;
    return;
  }
  out += '"';
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void AppendCsvValue(std::string& out, const ColumnVector& column, size_t row) {
  if (column.IsNull(row)) return;
  switch (column.type()) {
    case DataType::kBool: out += column.BoolAt(row) ? "true" : "false"; return;
    case DataType::kInt64: out += std::to_string(column.IntAt(row)); return;
    case DataType::kFloat64: {
      const double value = column.DoubleAt(row);
      if (std::isfinite(value)) AppendNumber(out, value);
      return;
    }
    case DataType::kTimestamp: out += FormatRfc3339(column.IntAt(row)); return;
    case DataType::kString:
    case DataType::kJson: AppendCsvField(out, column.StringAt(row)); return;
  }
}

}  // namespace

void AppendJsonRows(std::string& out, const std::vector<ColumnVector>& columns, size_t begin,
                    size_t end, bool& first) {
  for (size_t row = begin; row < end; ++row) {
    if (!first) out += ',';
    first = false;
    out += '[';
    for (size_t j = 0; j < columns.size(); ++j) {
      if (j > 0) out += ',';
      AppendJsonValue(out, columns[j], row);
    }
    out += ']';
  }
}

void AppendNdjsonRows(std::string& out, const std::vector<exec::ResultColumn>& header,
                      const std::vector<ColumnVector>& columns, size_t begin, size_t end) {
  std::vector<std::string> keys;
  keys.reserve(header.size());
  for (const exec::ResultColumn& column : header) {
    std::string key;
    AppendJsonString(key, column.name);
    key += ':';
    keys.push_back(std::move(key));
  }
  for (size_t row = begin; row < end; ++row) {
    out += '{';
    for (size_t j = 0; j < columns.size(); ++j) {
      if (j > 0) out += ',';
      out += keys[j];
      AppendJsonValue(out, columns[j], row);
    }
    out += "}\n";
  }
}

void AppendJsonObject(std::string& out, const std::vector<exec::ResultColumn>& header,
                      const std::vector<ColumnVector>& columns, size_t row) {
  out += '{';
  for (size_t j = 0; j < columns.size(); ++j) {
    if (j > 0) out += ',';
    AppendJsonString(out, header[j].name);
    out += ':';
    AppendJsonValue(out, columns[j], row);
  }
  out += '}';
}

void AppendCsvHeader(std::string& out, const std::vector<exec::ResultColumn>& header) {
  for (size_t j = 0; j < header.size(); ++j) {
    if (j > 0) out += ',';
    AppendCsvField(out, header[j].name);
  }
  out += "\r\n";
}

void AppendCsvRows(std::string& out, const std::vector<ColumnVector>& columns, size_t begin,
                   size_t end) {
  for (size_t row = begin; row < end; ++row) {
    for (size_t j = 0; j < columns.size(); ++j) {
      if (j > 0) out += ',';
      AppendCsvValue(out, columns[j], row);
    }
    out += "\r\n";
  }
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
