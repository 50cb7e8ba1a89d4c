#include "storage/segment/segment_writer.h"

#include <algorithm>
#include <memory>

#include "storage/crypto/block_cipher.h"
#include "storage/encoding/crc32c.h"
#include "storage/segment/column_chunk.h"

namespace strata::storage {
namespace {

inline constexpr uint64_t kFooterBlockIndex = UINT64_MAX;

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

class BlockSink {
 public:
  BlockSink(WritableFile* file, const SegmentWriteOptions& options, std::string file_name)
      : file_(file), options_(options), file_name_(std::move(file_name)) {}

  // Writes one block (compressed, then sealed) and describes it in chunk.
  Status Write(std::string_view body, uint64_t block_index, ChunkMeta* chunk) {
    chunk->raw_bytes = body.size();
    chunk->compression = Compress(options_.compression, body, compressed_, options_.zstd_level);
    std::string_view stored = compressed_;
    if (options_.cipher != nullptr) {
      sealed_.clear();
      STRATA_RETURN_IF_ERROR(options_.cipher->Seal(
          BlockAad(options_.dataset_id, file_name_, block_index), stored, sealed_));
      stored = sealed_;
    }
    chunk->offset = file_->Size();
    chunk->stored_bytes = stored.size();
    chunk->crc = Crc32c(stored);
    return file_->Append(stored);
  }

 private:
  WritableFile* file_;
  const SegmentWriteOptions& options_;
  std::string file_name_;
  std::string compressed_;
  std::string sealed_;
};

}  // namespace

Result<SegmentWriteResult> WriteSegment(Env* env, const std::string& path, const types::Batch& rows,
                                        SegmentFooter footer, const SegmentWriteOptions& options) {
  const size_t row_count = rows.num_rows;
  footer.format_version = kSegmentFormatVersion;
  footer.row_count = row_count;
  footer.chunk_rows = std::max<size_t>(options.chunk_rows, 1);
  footer.min_seq = INT64_MAX;
  footer.max_seq = INT64_MIN;
  for (int64_t seq : rows.seqs) {
    footer.min_seq = std::min(footer.min_seq, seq);
    footer.max_seq = std::max(footer.max_seq, seq);
  }
  if (row_count == 0) footer.min_seq = footer.max_seq = 0;
  const size_t chunk_count = (row_count + footer.chunk_rows - 1) / footer.chunk_rows;

  // The sequence numbers are stored as column 0, like any int64 column.
  types::ColumnVector seq_column(types::DataType::kInt64);
  seq_column.mutable_ints() = rows.seqs;
  seq_column.SetSize(row_count);
  std::vector<const types::ColumnVector*> columns = {&seq_column};
  footer.columns.clear();
  footer.columns.push_back(ColumnMeta{kSeqFieldId, types::DataType::kInt64, {}});
  for (size_t col_idx = 0; col_idx < rows.columns.size(); ++col_idx) {
    columns.push_back(&rows.columns[col_idx]);
    footer.columns.push_back(ColumnMeta{rows.field_ids[col_idx], rows.columns[col_idx].type(), {}});
  }

  const std::string tmp_path = path + ".tmp";
  STRATA_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env->NewWritableFile(tmp_path));
  auto write_all = [&]() -> Status {
    STRATA_RETURN_IF_ERROR(file->Append(kSegmentMagic));
    BlockSink sink(file.get(), options, BaseName(path));
    ByteWriter body;
    uint64_t block_index = 0;
    for (size_t col_idx = 0; col_idx < columns.size(); ++col_idx) {
      ColumnMeta& meta = footer.columns[col_idx];
      meta.chunks.resize(chunk_count);
      for (size_t chunk_idx = 0; chunk_idx < chunk_count; ++chunk_idx) {
        const size_t begin = chunk_idx * footer.chunk_rows;
        const size_t end = std::min<size_t>(begin + footer.chunk_rows, row_count);
        body.buffer().clear();
        EncodeColumnChunk(*columns[col_idx], begin, end, body);
        meta.chunks[chunk_idx].zone = ComputeZoneMap(*columns[col_idx], begin, end);
        STRATA_RETURN_IF_ERROR(sink.Write(body.buffer(), block_index++, &meta.chunks[chunk_idx]));
      }
    }
    std::string footer_bytes = EncodeSegmentFooter(footer);
    if (options.cipher != nullptr) {
      std::string sealed;
      STRATA_RETURN_IF_ERROR(options.cipher->Seal(
          BlockAad(options.dataset_id, BaseName(path), kFooterBlockIndex), footer_bytes, sealed));
      footer_bytes = std::move(sealed);
    }
    std::string trailer;
    PutU32(trailer, static_cast<uint32_t>(footer_bytes.size()));
    PutU32(trailer, Crc32c(footer_bytes));
    trailer.append(kSegmentMagic);
    STRATA_RETURN_IF_ERROR(file->Append(footer_bytes));
    STRATA_RETURN_IF_ERROR(file->Append(trailer));
    STRATA_RETURN_IF_ERROR(file->Sync());
    return file->Close();
  };
  Status status = write_all();
  if (status.ok()) status = env->RenameFile(tmp_path, path);
  if (status.ok()) status = env->SyncDir(DirName(path));
  if (!status.ok()) {
    file.reset();
    env->DeleteFile(tmp_path).IgnoreError();
    return status;
  }
  SegmentWriteResult result;
  result.file_bytes = file->Size();
  result.footer = std::move(footer);
  return result;
}

}  // namespace strata::storage
