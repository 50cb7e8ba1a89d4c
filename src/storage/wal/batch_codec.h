// The WAL payload of an appended batch: the rows exactly as acked, in a plain layout that
// encodes and decodes at memory speed (segments, not the WAL, hold the compact encodings).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"
#include "storage/encoding/byte_io.h"
#include "types/batch.h"
#include "types/commit_note.h"

namespace strata::storage {

// Appends the payload for `batch`, whose rows hold sequence numbers first_seq.. to out, with
// `note` (when not null) in the same record.
void EncodeBatchRecord(int64_t first_seq, const types::Batch& batch, ByteWriter& out,
                       const types::CommitNote* note = nullptr);

// Overwrites the first_seq of an encoded payload (the commit leader assigns sequence numbers
// after the appending thread encoded its batch). REQUIRES: payload from EncodeBatchRecord.
void SetBatchRecordSeq(int64_t first_seq, std::string& payload);

// Decodes a payload written by EncodeBatchRecord. Malformed input is Corruption. `note`
// (when not null) receives the record's note, or is reset when it has none.
Status DecodeBatchRecord(std::string_view payload, int64_t* first_seq, types::Batch* batch,
                         std::optional<types::CommitNote>* note = nullptr);

}  // namespace strata::storage
