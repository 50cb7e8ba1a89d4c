// Writing a segment file from rows already in their final order, one chunk at a time, so a
// compaction of any size holds one chunk in memory rather than the whole segment.
// Thread safety: a SegmentWriter is used by one thread; callers write distinct paths.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/encoding/byte_io.h"
#include "storage/env/env.h"
#include "storage/segment/segment_format.h"
#include "types/batch.h"

namespace strata::storage {

class BlockCipher;

// The key and order fields of a last-rows index (segment_format.h LastRowsIndex).
struct LastRowsKey {
  uint32_t key_field_id = 0;
  uint32_t order_field_id = 0;
};

struct SegmentWriteOptions {
  Compression compression = Compression::kLz4;
  int zstd_level = 1;
  size_t chunk_rows = 65536;
  BlockCipher* cipher = nullptr;  // Null: plaintext.
  std::string dataset_id;         // Bound into each sealed block's AAD.
  // Writes a last-rows index for these fields. REQUIRES: the rows arrive sorted by key
  // field, then order field, ascending. Ignored when either is not among the columns.
  std::optional<LastRowsKey> last_rows;
};

struct SegmentWriteResult {
  SegmentFooter footer;
  uint64_t file_bytes = 0;
};

// Writes path durably: blocks go to a temporary file; Finish() appends the footer, fsyncs,
// renames and fsyncs the directory. A writer destroyed before Finish() deletes its temporary
// file, so a failed write leaves nothing behind.
class SegmentWriter {
 public:
  // `footer` supplies schema_version, partition and applied_tombstone_seq; rows, sequence
  // range and columns are filled in here. Every chunk must have columns of `field_ids` with
  // `types`, in that order.
  static Result<std::unique_ptr<SegmentWriter>> Create(Env* env, std::string path,
                                                       const std::vector<uint32_t>& field_ids,
                                                       const std::vector<types::DataType>& types,
                                                       SegmentFooter footer,
                                                       const SegmentWriteOptions& options);
  ~SegmentWriter();
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Appends rows [begin, end) of `rows` (REQUIRES: seqs filled) as the next chunk.
  // REQUIRES: 0 < end - begin <= chunk_rows; only the last chunk may be shorter than
  // chunk_rows (readers compute chunk boundaries from it).
  Status AppendChunk(const types::Batch& rows, size_t begin, size_t end);

  uint64_t rows() const { return footer_.row_count; }

  // Completes the file. The writer is unusable afterwards.
  Result<SegmentWriteResult> Finish();

 private:
  SegmentWriter(Env* env, std::string path, SegmentFooter footer,
                const SegmentWriteOptions& options);
  Status WriteBlock(std::string_view body, uint64_t block_index, ChunkMeta* chunk);
  // Copies the rows of [begin, end) that belong in the last-rows index into last_rows_.
  void CollectLastRows(const types::Batch& rows, size_t begin, size_t end);
  Status WriteLastRows();

  Env* env_;
  std::string path_;
  std::string tmp_path_;
  SegmentFooter footer_;
  SegmentWriteOptions options_;
  std::unique_ptr<WritableFile> file_;
  bool short_chunk_written_ = false;
  bool finished_ = false;
  types::ColumnVector seq_column_{types::DataType::kInt64};
  // Last-rows index: the key and order columns' indexes in the rows, and the rows so far.
  size_t last_rows_key_column_ = 0;
  size_t last_rows_order_column_ = 0;
  std::optional<types::Batch> last_rows_;
  ByteWriter body_;
  std::string compressed_;
  std::string sealed_;
};

// Writes all of `rows` (REQUIRES: seqs filled) as one segment through SegmentWriter.
Result<SegmentWriteResult> WriteSegment(Env* env, const std::string& path, const types::Batch& rows,
                                        SegmentFooter footer, const SegmentWriteOptions& options);

}  // namespace strata::storage
