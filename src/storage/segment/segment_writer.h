// Writing a segment file from rows already in their final order.
// Thread safety: pure function; callers write distinct paths.
#pragma once

#include <cstddef>
#include <string>

#include "common/result.h"
#include "storage/env/env.h"
#include "storage/segment/segment_format.h"
#include "types/batch.h"

namespace strata::storage {

class BlockCipher;

struct SegmentWriteOptions {
  Compression compression = Compression::kLz4;
  int zstd_level = 1;
  size_t chunk_rows = 65536;
  BlockCipher* cipher = nullptr;  // Null: plaintext.
  std::string dataset_id;         // Bound into each sealed block's AAD.
};

struct SegmentWriteResult {
  SegmentFooter footer;
  uint64_t file_bytes = 0;
};

// Writes rows (REQUIRES: rows.seqs filled) to path durably: a temporary file, fsync, rename,
// fsync of the directory. `footer` supplies schema_version, partition and
// applied_tombstone_seq; row counts, sequence range and columns are filled in here.
Result<SegmentWriteResult> WriteSegment(Env* env, const std::string& path, const types::Batch& rows,
                                        SegmentFooter footer, const SegmentWriteOptions& options);

}  // namespace strata::storage
