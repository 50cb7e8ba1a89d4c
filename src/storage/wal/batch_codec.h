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

// Overwrites the first_seq of an encoded payload (the commit leader assigns sequence numbers
// after the appending thread encoded its batch). REQUIRES: payload from EncodeBatchRecord.
void SetBatchRecordSeq(int64_t first_seq, std::string& payload);

// Decodes a payload written by EncodeBatchRecord. Malformed input is Corruption.
Status DecodeBatchRecord(std::string_view payload, int64_t* first_seq, types::Batch* batch);

}  // namespace strata::storage
