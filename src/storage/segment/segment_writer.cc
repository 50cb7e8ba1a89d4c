#include "storage/segment/segment_writer.h"

#include <algorithm>

#include "common/check.h"
#include "storage/crypto/block_cipher.h"
#include "storage/encoding/crc32c.h"
#include "storage/segment/column_chunk.h"

namespace strata::storage {
namespace {

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// Whether rows a and b of `column` hold the same value (NULLs equal each other).
bool SameValue(const types::ColumnVector& column, size_t a, size_t b) {
  const bool null_a = column.IsNull(a);
  if (null_a || column.IsNull(b)) return null_a == column.IsNull(b);
  switch (column.type()) {
    case types::DataType::kBool: return column.BoolAt(a) == column.BoolAt(b);
    case types::DataType::kInt64:
    case types::DataType::kTimestamp: return column.IntAt(a) == column.IntAt(b);
    case types::DataType::kFloat64: return column.DoubleAt(a) == column.DoubleAt(b);
    case types::DataType::kString:
    case types::DataType::kJson:
      if (column.is_dictionary()) return column.codes()[a] == column.codes()[b];
      return column.StringAt(a) == column.StringAt(b);
  }
  return false;
}

}  // namespace

SegmentWriter::SegmentWriter(Env* env, std::string path, SegmentFooter footer,
                             const SegmentWriteOptions& options)
    : env_(env),
      path_(std::move(path)),
      tmp_path_(path_ + ".tmp"),
      footer_(std::move(footer)),
      options_(options) {}

SegmentWriter::~SegmentWriter() {
  if (finished_) return;
  file_.reset();
  env_->DeleteFile(tmp_path_).IgnoreError();
}

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(
    Env* env, std::string path, const std::vector<uint32_t>& field_ids,
    const std::vector<types::DataType>& types, SegmentFooter footer,
    const SegmentWriteOptions& options) {
  STRATA_CHECK(field_ids.size() == types.size());
  footer.format_version = kSegmentFormatVersion;
  footer.row_count = 0;
  footer.chunk_rows = std::max<size_t>(options.chunk_rows, 1);
  footer.min_seq = INT64_MAX;
  footer.max_seq = INT64_MIN;
  // The sequence numbers are stored as column 0, like any int64 column.
  footer.columns.clear();
  footer.columns.push_back(ColumnMeta{kSeqFieldId, types::DataType::kInt64, {}});
  for (size_t col_idx = 0; col_idx < field_ids.size(); ++col_idx) {
    footer.columns.push_back(ColumnMeta{field_ids[col_idx], types[col_idx], {}});
  }
  std::unique_ptr<SegmentWriter> writer(
      new SegmentWriter(env, std::move(path), std::move(footer), options));
  if (options.last_rows) {
    auto key = std::find(field_ids.begin(), field_ids.end(), options.last_rows->key_field_id);
    auto order = std::find(field_ids.begin(), field_ids.end(), options.last_rows->order_field_id);
    if (key != field_ids.end() && order != field_ids.end()) {
      writer->last_rows_key_column_ = static_cast<size_t>(key - field_ids.begin());
      writer->last_rows_order_column_ = static_cast<size_t>(order - field_ids.begin());
      types::Batch& last_rows = writer->last_rows_.emplace();
      last_rows.field_ids = field_ids;
      for (types::DataType type : types) last_rows.columns.emplace_back(type);
    }
  }
  STRATA_ASSIGN_OR_RETURN(writer->file_, env->NewWritableFile(writer->tmp_path_));
  STRATA_RETURN_IF_ERROR(writer->file_->Append(kSegmentMagic));
  return writer;
}

Status SegmentWriter::WriteBlock(std::string_view body, uint64_t block_index, ChunkMeta* chunk) {
  chunk->raw_bytes = body.size();
  chunk->compression = Compress(options_.compression, body, compressed_, options_.zstd_level);
  std::string_view stored = compressed_;
  if (options_.cipher != nullptr) {
    sealed_.clear();
    STRATA_RETURN_IF_ERROR(options_.cipher->Seal(
        BlockAad(options_.dataset_id, BaseName(path_), block_index), stored, sealed_));
    stored = sealed_;
  }
  chunk->offset = file_->Size();
  chunk->stored_bytes = stored.size();
  chunk->crc = Crc32c(stored);
  return file_->Append(stored);
}

Status SegmentWriter::AppendChunk(const types::Batch& rows, size_t begin, size_t end) {
  STRATA_CHECK(!finished_ && begin < end && end - begin <= footer_.chunk_rows);
  STRATA_CHECK(!short_chunk_written_);
  STRATA_CHECK(rows.columns.size() + 1 == footer_.columns.size());
  short_chunk_written_ = end - begin < footer_.chunk_rows;
  seq_column_.Clear();
  seq_column_.mutable_ints().assign(rows.seqs.begin() + begin, rows.seqs.begin() + end);
  seq_column_.SetSize(end - begin);
  for (size_t row_idx = 0; row_idx < seq_column_.size(); ++row_idx) {
    footer_.min_seq = std::min(footer_.min_seq, seq_column_.ints()[row_idx]);
    footer_.max_seq = std::max(footer_.max_seq, seq_column_.ints()[row_idx]);
  }
  const size_t chunk_idx = footer_.chunk_count();
  const uint64_t column_count = footer_.columns.size();
  for (size_t col_idx = 0; col_idx < column_count; ++col_idx) {
    const types::ColumnVector& column = col_idx == 0 ? seq_column_ : rows.columns[col_idx - 1];
    const size_t first = col_idx == 0 ? 0 : begin;
    const size_t last = col_idx == 0 ? seq_column_.size() : end;
    STRATA_CHECK(column.type() == footer_.columns[col_idx].type);
    ChunkMeta meta;
    body_.buffer().clear();
    EncodeColumnChunk(column, first, last, body_);
    meta.zone = ComputeZoneMap(column, first, last);
    // Blocks are numbered chunk-major (format version 2), so the number is known before the
    // segment's chunk count is.
    STRATA_RETURN_IF_ERROR(WriteBlock(body_.buffer(), chunk_idx * column_count + col_idx, &meta));
    footer_.columns[col_idx].chunks.push_back(std::move(meta));
  }
  footer_.row_count += end - begin;
  if (last_rows_) CollectLastRows(rows, begin, end);
  return {};
}

void SegmentWriter::CollectLastRows(const types::Batch& rows, size_t begin, size_t end) {
  const types::ColumnVector& key = rows.columns[last_rows_key_column_];
  const types::ColumnVector& order = rows.columns[last_rows_order_column_];
  std::vector<uint32_t> picked;
  size_t run_end = end;  // One past the last row of the run being looked at.
  while (run_end > begin) {
    const size_t last = run_end - 1;
    // The run's last row and the rows before it with the same key and order value.
    size_t first_tie = last;
    while (first_tie > begin && SameValue(key, first_tie - 1, last) &&
           SameValue(order, first_tie - 1, last)) {
      --first_tie;
    }
    for (size_t row_idx = last + 1; row_idx-- > first_tie;) {
      picked.push_back(static_cast<uint32_t>(row_idx));
    }
    // The start of the run: the previous run ends just before it.
    size_t run_begin = first_tie;
    while (run_begin > begin && SameValue(key, run_begin - 1, last)) --run_begin;
    run_end = run_begin;
  }
  std::reverse(picked.begin(), picked.end());  // Segment order.
  for (size_t col_idx = 0; col_idx < rows.columns.size(); ++col_idx) {
    last_rows_->columns[col_idx].AppendSelected(rows.columns[col_idx], picked);
  }
  for (uint32_t row_idx : picked) last_rows_->seqs.push_back(rows.seqs[row_idx]);
  last_rows_->num_rows += picked.size();
}

Status SegmentWriter::WriteLastRows() {
  LastRowsIndex index;
  index.key_field_id = options_.last_rows->key_field_id;
  index.order_field_id = options_.last_rows->order_field_id;
  index.rows = last_rows_->num_rows;
  seq_column_.Clear();
  seq_column_.mutable_ints().assign(last_rows_->seqs.begin(), last_rows_->seqs.end());
  seq_column_.SetSize(last_rows_->seqs.size());
  for (size_t col_idx = 0; col_idx < footer_.columns.size(); ++col_idx) {
    const types::ColumnVector& column =
        col_idx == 0 ? seq_column_ : last_rows_->columns[col_idx - 1];
    ChunkMeta meta;
    body_.buffer().clear();
    EncodeColumnChunk(column, 0, column.size(), body_);
    meta.zone = ComputeZoneMap(column, 0, column.size());
    STRATA_RETURN_IF_ERROR(
        WriteBlock(body_.buffer(), SegmentFooter::LastRowsBlockIndex(col_idx), &meta));
    index.blocks.push_back(std::move(meta));
  }
  footer_.last_rows = std::move(index);
  return {};
}

Result<SegmentWriteResult> SegmentWriter::Finish() {
  STRATA_CHECK(!finished_);
  if (footer_.row_count == 0) footer_.min_seq = footer_.max_seq = 0;
  if (last_rows_ && footer_.row_count > 0) STRATA_RETURN_IF_ERROR(WriteLastRows());
  std::string footer_bytes = EncodeSegmentFooter(footer_);
  if (options_.cipher != nullptr) {
    std::string sealed;
    STRATA_RETURN_IF_ERROR(options_.cipher->Seal(
        BlockAad(options_.dataset_id, BaseName(path_), kFooterBlockIndex), footer_bytes, sealed));
    footer_bytes = std::move(sealed);
  }
  std::string trailer;
  PutU32(trailer, static_cast<uint32_t>(footer_bytes.size()));
  PutU32(trailer, Crc32c(footer_bytes));
  trailer.append(kSegmentMagic);
  STRATA_RETURN_IF_ERROR(file_->Append(footer_bytes));
  STRATA_RETURN_IF_ERROR(file_->Append(trailer));
  STRATA_RETURN_IF_ERROR(file_->Sync());
  STRATA_RETURN_IF_ERROR(file_->Close());
  STRATA_RETURN_IF_ERROR(env_->RenameFile(tmp_path_, path_));
  finished_ = true;  // The temporary file is gone; the segment is in place.
  STRATA_RETURN_IF_ERROR(env_->SyncDir(DirName(path_)));
  SegmentWriteResult result;
  result.file_bytes = file_->Size();
  result.footer = std::move(footer_);
  return result;
}

Result<SegmentWriteResult> WriteSegment(Env* env, const std::string& path, const types::Batch& rows,
                                        SegmentFooter footer, const SegmentWriteOptions& options) {
  std::vector<types::DataType> types;
  for (const types::ColumnVector& column : rows.columns) types.push_back(column.type());
  STRATA_ASSIGN_OR_RETURN(
      std::unique_ptr<SegmentWriter> writer,
      SegmentWriter::Create(env, path, rows.field_ids, types, std::move(footer), options));
  const size_t chunk_rows = std::max<size_t>(options.chunk_rows, 1);
  for (size_t begin = 0; begin < rows.num_rows; begin += chunk_rows) {
    STRATA_RETURN_IF_ERROR(
        writer->AppendChunk(rows, begin, std::min(begin + chunk_rows, rows.num_rows)));
  }
  return writer->Finish();
}

}  // namespace strata::storage
