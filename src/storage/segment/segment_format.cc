#include "storage/segment/segment_format.h"

#include "storage/encoding/byte_io.h"
#include "storage/encoding/value_codec.h"

namespace strata::storage {
namespace {

// Zone map bounds are tagged values that must hold the column type's alternative.
bool GetBound(ByteReader& in, types::DataType type, types::Value* value) {
  if (!GetTaggedValue(in, value)) return false;
  switch (type) {
    case types::DataType::kBool: return std::holds_alternative<bool>(*value);
    case types::DataType::kInt64:
    case types::DataType::kTimestamp: return std::holds_alternative<int64_t>(*value);
    case types::DataType::kFloat64: return std::holds_alternative<double>(*value);
    case types::DataType::kString:
    case types::DataType::kJson: return std::holds_alternative<std::string>(*value);
  }
  return false;
}

void PutChunkMeta(ByteWriter& out, const ChunkMeta& chunk) {
  out.PutVarint64(chunk.offset);
  out.PutVarint64(chunk.stored_bytes);
  out.PutVarint64(chunk.raw_bytes);
  out.PutU8(static_cast<uint8_t>(chunk.compression));
  out.PutFixed32(chunk.crc);
  out.PutVarint64(chunk.zone.null_count);
  out.PutU8(chunk.zone.has_min_max ? 1 : 0);
  if (chunk.zone.has_min_max) {
    PutTaggedValue(out, chunk.zone.min);
    PutTaggedValue(out, chunk.zone.max);
  }
}

Status GetChunkMeta(ByteReader& in, types::DataType type, ChunkMeta* chunk) {
  uint8_t compression = 0;
  uint8_t has_min_max = 0;
  if (!in.GetVarint64(&chunk->offset) || !in.GetVarint64(&chunk->stored_bytes) ||
      !in.GetVarint64(&chunk->raw_bytes) || !in.GetU8(&compression) ||
      !in.GetFixed32(&chunk->crc) || !in.GetVarint64(&chunk->zone.null_count) ||
      !in.GetU8(&has_min_max) || compression > static_cast<uint8_t>(Compression::kZstd)) {
    return Status::Corruption("bad chunk in segment footer");
  }
  chunk->compression = static_cast<Compression>(compression);
  chunk->zone.has_min_max = has_min_max != 0;
  if (chunk->zone.has_min_max &&
      (!GetBound(in, type, &chunk->zone.min) || !GetBound(in, type, &chunk->zone.max))) {
    return Status::Corruption("bad zone map in segment footer");
  }
  return {};
}

}  // namespace

uint64_t SegmentFooter::ChunkRows(size_t chunk_idx) const {
  const uint64_t begin = chunk_idx * chunk_rows;
  return std::min(chunk_rows, row_count - begin);
}

uint64_t SegmentFooter::BlockIndex(size_t col_idx, size_t chunk_idx) const {
  if (format_version == 1) return col_idx * chunk_count() + chunk_idx;
  return chunk_idx * columns.size() + col_idx;
}

const ColumnMeta* SegmentFooter::FindColumn(uint32_t field_id) const {
  for (const ColumnMeta& column : columns) {
    if (column.field_id == field_id) return &column;
  }
  return nullptr;
}

std::string EncodeSegmentFooter(const SegmentFooter& footer) {
  ByteWriter out;
  out.PutVarint32(footer.format_version);
  out.PutVarint32(footer.schema_version);
  out.PutVarint64(footer.row_count);
  out.PutVarint64(footer.chunk_rows);
  out.PutZigzag64(footer.min_seq);
  out.PutZigzag64(footer.max_seq);
  out.PutZigzag64(footer.partition);
  out.PutZigzag64(footer.applied_tombstone_seq);
  out.PutVarint64(footer.columns.size());
  out.PutVarint64(footer.chunk_count());
  for (const ColumnMeta& column : footer.columns) {
    out.PutVarint32(column.field_id);
    out.PutU8(static_cast<uint8_t>(column.type));
    for (const ChunkMeta& chunk : column.chunks) PutChunkMeta(out, chunk);
  }
  if (footer.format_version >= 3) {
    out.PutU8(footer.last_rows ? 1 : 0);
    if (footer.last_rows) {
      out.PutVarint32(footer.last_rows->key_field_id);
      out.PutVarint32(footer.last_rows->order_field_id);
      out.PutVarint64(footer.last_rows->rows);
      for (const ChunkMeta& block : footer.last_rows->blocks) PutChunkMeta(out, block);
    }
  }
  return out.Release();
}

Status DecodeSegmentFooter(std::string_view data, SegmentFooter* footer) {
  ByteReader in(data);
  uint64_t num_columns = 0;
  uint64_t num_chunks = 0;
  if (!in.GetVarint32(&footer->format_version) || !in.GetVarint32(&footer->schema_version) ||
      !in.GetVarint64(&footer->row_count) || !in.GetVarint64(&footer->chunk_rows) ||
      !in.GetZigzag64(&footer->min_seq) || !in.GetZigzag64(&footer->max_seq) ||
      !in.GetZigzag64(&footer->partition) || !in.GetZigzag64(&footer->applied_tombstone_seq) ||
      !in.GetVarint64(&num_columns) || !in.GetVarint64(&num_chunks)) {
    return Status::Corruption("truncated segment footer");
  }
  if (footer->format_version < kOldestSegmentFormatVersion ||
      footer->format_version > kSegmentFormatVersion) {
    return Status::Corruption("segment format version " + std::to_string(footer->format_version) +
                              " is not supported by this version of stratad");
  }
  if (num_columns > data.size() || num_chunks > data.size() ||
      (footer->row_count > 0 && footer->chunk_rows == 0) ||
      (footer->chunk_rows > 0 &&
       num_chunks != (footer->row_count + footer->chunk_rows - 1) / footer->chunk_rows)) {
    return Status::Corruption("inconsistent segment footer sizes");
  }
  footer->columns.resize(num_columns);
  for (ColumnMeta& column : footer->columns) {
    uint8_t type = 0;
    if (!in.GetVarint32(&column.field_id) || !in.GetU8(&type) ||
        type > static_cast<uint8_t>(types::DataType::kJson)) {
      return Status::Corruption("bad column in segment footer");
    }
    column.type = static_cast<types::DataType>(type);
    column.chunks.resize(num_chunks);
    for (ChunkMeta& chunk : column.chunks) {
      STRATA_RETURN_IF_ERROR(GetChunkMeta(in, column.type, &chunk));
    }
  }
  footer->last_rows.reset();
  if (footer->format_version >= 3) {
    uint8_t has_last_rows = 0;
    if (!in.GetU8(&has_last_rows) || has_last_rows > 1) {
      return Status::Corruption("bad last-rows index in segment footer");
    }
    if (has_last_rows == 1) {
      LastRowsIndex& index = footer->last_rows.emplace();
      if (!in.GetVarint32(&index.key_field_id) || !in.GetVarint32(&index.order_field_id) ||
          !in.GetVarint64(&index.rows) || index.rows > footer->row_count ||
          footer->FindColumn(index.key_field_id) == nullptr ||
          footer->FindColumn(index.order_field_id) == nullptr) {
        return Status::Corruption("bad last-rows index in segment footer");
      }
      index.blocks.resize(num_columns);
      for (size_t col_idx = 0; col_idx < num_columns; ++col_idx) {
        STRATA_RETURN_IF_ERROR(
            GetChunkMeta(in, footer->columns[col_idx].type, &index.blocks[col_idx]));
      }
    }
  }
  if (!in.empty()) return Status::Corruption("trailing bytes in segment footer");
  return {};
}

}  // namespace strata::storage
