// Result encodings of query, records and changes responses (DESIGN.md "Wire examples",
// CONVENTIONS.md §14): JSON rows as arrays inside a page object, NDJSON rows as objects
// keyed by column name, RFC 4180 CSV with a header line.
// Values: NULL is null (JSON) or an empty field (CSV); timestamps are RFC 3339 strings; json
// values are embedded as JSON (JSON, NDJSON) or as their text (CSV); non-finite floats are null.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exec/row_sink.h"
#include "types/column_vector.h"

namespace strata::service {

enum class ResultFormat { kJson, kNdjson, kCsv };

// "json", "ndjson", "csv"; nullopt for anything else.
std::optional<ResultFormat> ParseResultFormat(std::string_view name);
// The format an Accept header asks for, when it names one of ours.
std::optional<ResultFormat> ResultFormatFromAccept(std::string_view accept);
std::string_view ResultContentType(ResultFormat format);

// Appends rows [begin, end) as JSON arrays, each preceded by ',' unless `first` (which is
// cleared): the body of a "rows" array.
void AppendJsonRows(std::string& out, const std::vector<types::ColumnVector>& columns, size_t begin,
                    size_t end, bool& first);
// AppendJsonRows into a sequence of pieces: appends to the last of `pieces`, starting a new
// one (with capacity for about `piece_bytes`) once the last holds `piece_bytes`. Each
// dictionary entry is encoded once per call, whatever the number of rows.
void AppendJsonRowsInPieces(std::vector<std::string>& pieces,
                            const std::vector<types::ColumnVector>& columns, size_t begin,
                            size_t end, bool& first, size_t piece_bytes);
// Appends rows [begin, end) as JSON objects keyed by column name, separated by commas.
void AppendJsonObjects(std::string& out, const std::vector<exec::ResultColumn>& header,
                       const std::vector<types::ColumnVector>& columns, size_t begin, size_t end);
// Appends rows [begin, end) as NDJSON lines.
void AppendNdjsonRows(std::string& out, const std::vector<exec::ResultColumn>& header,
                      const std::vector<types::ColumnVector>& columns, size_t begin, size_t end);
void AppendCsvHeader(std::string& out, const std::vector<exec::ResultColumn>& header);
void AppendCsvRows(std::string& out, const std::vector<types::ColumnVector>& columns, size_t begin,
                   size_t end);
// `"columns": [{"name": ..., "type": ...}, ...]` members for a JSON page.
void AppendJsonColumns(std::string& out, const std::vector<exec::ResultColumn>& header);

}  // namespace strata::service
