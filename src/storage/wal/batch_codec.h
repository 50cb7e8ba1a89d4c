// The WAL payload of an appended batch: the rows exactly as acked, in a plain layout that
// encodes and decodes at memory speed (segments, not the WAL, hold the compact encodings).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "storage/encoding/byte_io.h"
#include "types/batch.h"

namespace strata::storage {

// Appends the payload for `batch`, whose rows hold sequence numbers first_seq.. to out.
void EncodeBatchRecord(int64_t first_seq, const types::Batch& batch, ByteWriter& out);

// Decodes a payload written by EncodeBatchRecord. Malformed input is Corruption.
Status DecodeBatchRecord(std::string_view payload, int64_t* first_seq, types::Batch* batch);

}  // namespace strata::storage
