// Encoding of one column chunk (rows [begin, end) of a column) into a segment block body,
// and back, plus its zone map.
//
//   chunk body := has_validity: u8 [validity: bool encoding] values: type's encoding
//
// Values are dense: NULL rows hold a placeholder (0, 0.0, false, ""), so encodings stay
// branch-free; the validity bitmap says which rows are NULL.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/status.h"
#include "storage/encoding/byte_io.h"
#include "storage/segment/segment_format.h"
#include "types/column_vector.h"

namespace strata::storage {

void EncodeColumnChunk(const types::ColumnVector& column, size_t begin, size_t end,
                       ByteWriter& out);

// Decodes `rows` rows of `type` into out (replacing its contents). Corruption on bad input.
Status DecodeColumnChunk(std::string_view body, types::DataType type, size_t rows,
                         types::ColumnVector* out);

// Decodes rows `selected` of a chunk of `rows` rows into out (replacing its contents):
// out row i is chunk row selected[i]. Skips what the encodings allow (DecodeIntsAt).
// Corruption on bad input. REQUIRES: selected ascending, each < rows.
Status DecodeColumnChunkRows(std::string_view body, types::DataType type, size_t rows,
                             std::span<const uint32_t> selected, types::ColumnVector* out);

ZoneMap ComputeZoneMap(const types::ColumnVector& column, size_t begin, size_t end);

}  // namespace strata::storage
