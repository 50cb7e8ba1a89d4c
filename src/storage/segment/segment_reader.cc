#include "storage/segment/segment_reader.h"

#include <atomic>

#include "storage/crypto/block_cipher.h"
#include "storage/encoding/crc32c.h"
#include "storage/segment/column_chunk.h"

namespace strata::storage {
namespace {

std::atomic<uint64_t> next_cache_id{1};

uint32_t LoadU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace

Result<std::shared_ptr<SegmentReader>> SegmentReader::Open(Env* env, const std::string& path,
                                                           BlockCipher* cipher,
                                                           std::string dataset_id) {
  std::shared_ptr<SegmentReader> reader(new SegmentReader());
  STRATA_ASSIGN_OR_RETURN(reader->file_, env->NewRandomAccessFile(path));
  reader->cipher_ = cipher;
  reader->dataset_id_ = std::move(dataset_id);
  reader->file_name_ = BaseName(path);
  reader->cache_id_ = next_cache_id.fetch_add(1);
  auto corrupt = [&](std::string_view what) {
    return Status::Corruption("segment " + path + " is damaged: " + std::string(what));
  };
  const uint64_t size = reader->file_->Size();
  if (size < kSegmentMagic.size() + kSegmentTrailerBytes) return corrupt("file too short");
  std::string trailer;
  STRATA_RETURN_IF_ERROR(
      reader->file_->Read(size - kSegmentTrailerBytes, kSegmentTrailerBytes, trailer));
  if (std::string_view(trailer).substr(8) != kSegmentMagic) return corrupt("bad trailer magic");
  const uint32_t footer_bytes = LoadU32(trailer.data());
  const uint32_t footer_crc = LoadU32(trailer.data() + 4);
  if (footer_bytes > size - kSegmentTrailerBytes - kSegmentMagic.size()) {
    return corrupt("footer length out of range");
  }
  std::string footer;
  STRATA_RETURN_IF_ERROR(
      reader->file_->Read(size - kSegmentTrailerBytes - footer_bytes, footer_bytes, footer));
  if (Crc32c(footer) != footer_crc) return corrupt("footer checksum mismatch");
  if (cipher != nullptr) {
    std::string plain;
    if (!cipher
             ->Open(BlockAad(reader->dataset_id_, reader->file_name_, kFooterBlockIndex), footer,
                    plain)
             .ok()) {
      return corrupt("footer failed authentication (altered, moved, or another key)");
    }
    footer = std::move(plain);
  }
  Status status = DecodeSegmentFooter(footer, &reader->footer_);
  if (!status.ok()) return corrupt(status.message());
  const uint64_t data_end = size - kSegmentTrailerBytes - footer_bytes;
  auto outside = [&](const ChunkMeta& chunk) {
    return chunk.offset < kSegmentMagic.size() || chunk.offset > data_end ||
           chunk.stored_bytes > data_end - chunk.offset;
  };
  for (const ColumnMeta& column : reader->footer_.columns) {
    for (const ChunkMeta& chunk : column.chunks) {
      if (outside(chunk)) return corrupt("chunk outside the data area");
    }
  }
  if (reader->footer_.last_rows) {
    for (const ChunkMeta& block : reader->footer_.last_rows->blocks) {
      if (outside(block)) return corrupt("last-rows block outside the data area");
    }
  }
  return reader;
}

Status SegmentReader::ReadChunk(size_t col_idx, size_t chunk_idx, types::ColumnVector* out) const {
  return ReadBlock(col_idx, footer_.columns[col_idx].chunks[chunk_idx],
                   footer_.BlockIndex(col_idx, chunk_idx), footer_.ChunkRows(chunk_idx),
                   "chunk " + std::to_string(chunk_idx), nullptr, out);
}

Status SegmentReader::ReadChunkRows(size_t col_idx, size_t chunk_idx,
                                    std::span<const uint32_t> selected,
                                    types::ColumnVector* out) const {
  return ReadBlock(col_idx, footer_.columns[col_idx].chunks[chunk_idx],
                   footer_.BlockIndex(col_idx, chunk_idx), footer_.ChunkRows(chunk_idx),
                   "chunk " + std::to_string(chunk_idx), &selected, out);
}

Status SegmentReader::ReadLastRows(size_t col_idx, types::ColumnVector* out) const {
  if (!footer_.last_rows) return Status::Internal("segment has no last-rows index");
  return ReadBlock(col_idx, footer_.last_rows->blocks[col_idx],
                   SegmentFooter::LastRowsBlockIndex(col_idx), footer_.last_rows->rows,
                   "last-rows index", nullptr, out);
}

Status SegmentReader::ReadBlock(size_t col_idx, const ChunkMeta& chunk, uint64_t block_index,
                                uint64_t rows, const std::string& what,
                                const std::span<const uint32_t>* selected,
                                types::ColumnVector* out) const {
  const ColumnMeta& column = footer_.columns[col_idx];
  auto corrupt = [&](std::string_view problem) {
    return Status::Corruption("segment " + file_->path() + " is damaged: field " +
                              std::to_string(column.field_id) + " " + what + ": " +
                              std::string(problem));
  };
  std::string stored;
  STRATA_RETURN_IF_ERROR(file_->Read(chunk.offset, chunk.stored_bytes, stored));
  if (Crc32c(stored) != chunk.crc) return corrupt("checksum mismatch");
  std::string_view compressed = stored;
  std::string plain;
  if (cipher_ != nullptr) {
    if (!cipher_->Open(BlockAad(dataset_id_, file_name_, block_index), stored, plain).ok()) {
      return corrupt("block failed authentication (altered or moved)");
    }
    compressed = plain;
  }
  std::string body;
  Status status = Decompress(chunk.compression, compressed, chunk.raw_bytes, body);
  if (!status.ok()) return corrupt(status.message());
  status = selected != nullptr ? DecodeColumnChunkRows(body, column.type, rows, *selected, out)
                               : DecodeColumnChunk(body, column.type, rows, out);
  if (!status.ok()) return corrupt(status.message());
  return {};
}

}  // namespace strata::storage
