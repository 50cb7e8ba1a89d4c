// SegmentReader: an open, verified segment file. Opening reads and checks the footer; each
// chunk read checks the block's checksum (and authentication tag when encrypted) before
// decoding, so damage gives Corruption naming the file, never wrong rows.
// Thread safety: immutable after Open; ReadChunk is safe from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/result.h"
#include "storage/env/env.h"
#include "storage/segment/segment_format.h"
#include "types/column_vector.h"

namespace strata::storage {

class BlockCipher;

class SegmentReader {
 public:
  // cipher must outlive the reader when not null.
  static Result<std::shared_ptr<SegmentReader>> Open(Env* env, const std::string& path,
                                                     BlockCipher* cipher, std::string dataset_id);

  const SegmentFooter& footer() const { return footer_; }
  const std::string& path() const { return file_->path(); }
  uint64_t file_bytes() const { return file_->Size(); }
  // A process-unique id, the key of this segment's chunks in the block cache.
  uint64_t cache_id() const { return cache_id_; }

  // Reads and decodes chunk chunk_idx of footer().columns[col_idx].
  Status ReadChunk(size_t col_idx, size_t chunk_idx, types::ColumnVector* out) const;
  // Reads chunk chunk_idx of footer().columns[col_idx] and decodes only its rows `selected`
  // (ascending chunk row numbers): out row i is chunk row selected[i].
  Status ReadChunkRows(size_t col_idx, size_t chunk_idx, std::span<const uint32_t> selected,
                       types::ColumnVector* out) const;
  // Reads and decodes the last-rows block of footer().columns[col_idx].
  // REQUIRES: footer().last_rows is set.
  Status ReadLastRows(size_t col_idx, types::ColumnVector* out) const;

 private:
  SegmentReader() = default;
  // Reads, checks, opens, decompresses and decodes one block of `rows` values of column
  // col_idx (only the rows `*selected` when not null); `what` names the block in errors.
  Status ReadBlock(size_t col_idx, const ChunkMeta& chunk, uint64_t block_index, uint64_t rows,
                   const std::string& what, const std::span<const uint32_t>* selected,
                   types::ColumnVector* out) const;

  std::unique_ptr<RandomAccessFile> file_;
  BlockCipher* cipher_ = nullptr;
  std::string dataset_id_;
  std::string file_name_;
  SegmentFooter footer_;
  uint64_t cache_id_ = 0;
};

}  // namespace strata::storage
