// Layout (all integers little endian; see docs/formats/wal.md):
//   first_seq:fixed64 num_rows:varint schema_version:varint num_columns:varint
//   per column: field_id:varint type:u8 has_validity:u8 [validity: (n+7)/8 bytes]
//               values: bool n bytes | int64/timestamp/float64 8n bytes |
//                       string/json: offsets 4(n+1) bytes, chars:length-prefixed
#include "storage/wal/batch_codec.h"

#include <cstring>

namespace strata::storage {
namespace {

template <typename T>
void PutArray(ByteWriter& out, const std::vector<T>& values, size_t count) {
  out.PutBytes(std::string_view(reinterpret_cast<const char*>(values.data()), count * sizeof(T)));
}

template <typename T>
bool GetArray(ByteReader& in, std::vector<T>& values, size_t count) {
  std::string_view bytes;
  if (count > in.remaining() / sizeof(T) || !in.GetBytes(count * sizeof(T), &bytes)) return false;
  values.resize(count);
  if (count > 0) std::memcpy(values.data(), bytes.data(), bytes.size());
  return true;
}

Status Malformed(std::string_view what) {
  return Status::Corruption("malformed batch record: " + std::string(what));
}

}  // namespace

void EncodeBatchRecord(int64_t first_seq, const types::Batch& batch, ByteWriter& out) {
  const size_t rows = batch.num_rows;
  out.PutFixed64(static_cast<uint64_t>(first_seq));
  out.PutVarint64(rows);
  out.PutVarint32(batch.schema_version);
  out.PutVarint64(batch.columns.size());
  for (size_t col_idx = 0; col_idx < batch.columns.size(); ++col_idx) {
    const types::ColumnVector& column = batch.columns[col_idx];
    out.PutVarint32(batch.field_ids[col_idx]);
    out.PutU8(static_cast<uint8_t>(column.type()));
    out.PutU8(column.has_nulls() ? 1 : 0);
    if (column.has_nulls()) PutArray(out, column.validity(), (rows + 7) / 8);
    switch (column.type()) {
      case types::DataType::kBool: PutArray(out, column.bools(), rows); break;
      case types::DataType::kInt64:
      case types::DataType::kTimestamp: PutArray(out, column.ints(), rows); break;
      case types::DataType::kFloat64: PutArray(out, column.doubles(), rows); break;
      case types::DataType::kString:
      case types::DataType::kJson:
        PutArray(out, column.offsets(), rows + 1);
        out.PutLengthPrefixed(column.chars());
        break;
    }
  }
}

void SetBatchRecordSeq(int64_t first_seq, std::string& payload) {
  const uint64_t seq = static_cast<uint64_t>(first_seq);
  for (int i = 0; i < 8; ++i) payload[i] = static_cast<char>(seq >> (8 * i));
}

Status DecodeBatchRecord(std::string_view payload, int64_t* first_seq, types::Batch* batch) {
  ByteReader in(payload);
  uint64_t seq = 0;
  uint64_t rows = 0;
  uint64_t num_columns = 0;
  uint32_t schema_version = 0;
  if (!in.GetFixed64(&seq) || !in.GetVarint64(&rows) || !in.GetVarint32(&schema_version) ||
      !in.GetVarint64(&num_columns)) {
    return Malformed("truncated header");
  }
  if (num_columns > 1u << 20 || rows > payload.size() * 8 + 8) {
    return Malformed("implausible sizes");
  }
  *first_seq = static_cast<int64_t>(seq);
  batch->schema_version = schema_version;
  batch->num_rows = rows;
  batch->seqs.clear();
  batch->field_ids.clear();
  batch->columns.clear();
  batch->field_ids.reserve(num_columns);
  batch->columns.reserve(num_columns);
  for (uint64_t col_idx = 0; col_idx < num_columns; ++col_idx) {
    uint32_t field_id = 0;
    uint8_t type = 0;
    uint8_t has_validity = 0;
    if (!in.GetVarint32(&field_id) || !in.GetU8(&type) || !in.GetU8(&has_validity) ||
        type > static_cast<uint8_t>(types::DataType::kJson)) {
      return Malformed("bad column header");
    }
    types::ColumnVector column(static_cast<types::DataType>(type));
    if (has_validity != 0 && !GetArray(in, column.mutable_validity(), (rows + 7) / 8)) {
      return Malformed("truncated validity");
    }
    bool ok = true;
    switch (column.type()) {
      case types::DataType::kBool: ok = GetArray(in, column.mutable_bools(), rows); break;
      case types::DataType::kInt64:
      case types::DataType::kTimestamp: ok = GetArray(in, column.mutable_ints(), rows); break;
      case types::DataType::kFloat64: ok = GetArray(in, column.mutable_doubles(), rows); break;
      case types::DataType::kString:
      case types::DataType::kJson: {
        std::string_view chars;
        ok = GetArray(in, column.mutable_offsets(), rows + 1) && in.GetLengthPrefixed(&chars);
        if (ok) {
          const std::vector<uint32_t>& offsets = column.offsets();
          ok = offsets[0] == 0 && offsets[rows] == chars.size();
          for (size_t row_idx = 0; ok && row_idx < rows; ++row_idx) {
            ok = offsets[row_idx] <= offsets[row_idx + 1];
          }
          column.mutable_chars().assign(chars);
        }
        break;
      }
    }
    if (!ok) return Malformed("truncated or inconsistent values");
    column.SetSize(rows);
    batch->field_ids.push_back(field_id);
    batch->columns.push_back(std::move(column));
  }
  if (!in.empty()) return Malformed("trailing bytes");
  return {};
}

}  // namespace strata::storage
