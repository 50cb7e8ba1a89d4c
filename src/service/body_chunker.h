// Record boundaries of decoded ingest bodies, so that an async job can ingest a large body in
// chunks (docs/ingest.md "Async jobs"). A chunk always ends where a record ends by the rules
// of the format's own reader, so decoding the chunks one after the other reads exactly the
// records that decoding the whole body would:
//   - NDJSON: at a line feed (a JSON text cannot hold a raw line feed).
//   - CSV: at the start of a record as ingest::CsvReader finds it (quoted fields may hold
//     line ends). Every chunk but the first is decoded behind the body's header line.
//   - Line protocol: at the start of a record as ingest::LineProtocolReader finds it (a
//     string field may hold line feeds).
//   - JSON (an array or one object): never split.
// Thread safety: stateless functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/result.h"
#include "ingest/body_format.h"

namespace strata::service {

// Where the first chunk of `window` ends: the end (an offset into `window`) of the longest
// run of whole records that is at most `target` bytes long, or of the first record alone
// when that is longer. With `at_end` (the window reaches the end of the body) and a window
// of at most `target` bytes, the whole window. nullopt when the window ends inside its first
// record and does not reach the end of the body: read a longer window and ask again.
// REQUIRES: `window` starts at a record boundary: the start of the body (`first_chunk`; for
// CSV the header line is then part of the chunk) or an end returned before. target > 0.
std::optional<size_t> FindChunkEnd(ingest::BodyFormat format, std::string_view window, bool at_end,
                                   bool first_chunk, size_t target);

// CSV: the length of the body's prefix up to its first data record (a BOM, blank lines, the
// header record and its line end), which each chunk but the first is given as its first
// line. nullopt when `window` (a prefix of the body) ends before that and does not reach the
// end of the body. The reader's error (csv_no_header, csv_bad_header, ...) when the header is
// unreadable.
Result<std::optional<size_t>> CsvHeaderEnd(std::string_view window, bool at_end);

// Line ends in `text` as the format's reader counts them in error positions: LF for JSON,
// NDJSON and line protocol (so CRLF counts once); LF, CRLF and lone CR for CSV.
// REQUIRES: `text` does not end between the CR and the LF of a CRLF.
uint64_t CountLineEnds(ingest::BodyFormat format, std::string_view text);

}  // namespace strata::service
