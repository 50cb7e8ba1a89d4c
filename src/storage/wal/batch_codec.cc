// Layout (all integers little endian; see docs/formats/wal.md):
//   first_seq:fixed64 num_rows:varint schema_version:varint num_columns:varint
//   per column: field_id:varint type:u8 flags:u8 [validity: (n+7)/8 bytes]
//               values: bool n bytes | int64/timestamp/float64 8n bytes |
//                       string/json: offsets 4(n+1) bytes, chars:length-prefixed
//                       string/json in dictionary form (flags bit 1):
//                         entries:varint offsets 4(entries+1) bytes chars:length-prefixed
//                         code_width:u8 (1, 2 or 4) codes: code_width*n bytes
//   flags: bit 0 validity present, bit 1 dictionary form.
//   then, optionally: note_tag:u8 (1) key:length-prefixed payload:length-prefixed
#include "storage/wal/batch_codec.h"

#include <cstring>

namespace strata::storage {
namespace {

template <typename T, typename Allocator>
void PutArray(ByteWriter& out, const std::vector<T, Allocator>& values, size_t count) {
  out.PutBytes(std::string_view(reinterpret_cast<const char*>(values.data()), count * sizeof(T)));
}

template <typename T, typename Allocator>
bool GetArray(ByteReader& in, std::vector<T, Allocator>& values, size_t count) {
  std::string_view bytes;
  if (count > in.remaining() / sizeof(T) || !in.GetBytes(count * sizeof(T), &bytes)) return false;
  values.resize(count);
  if (count > 0) std::memcpy(values.data(), bytes.data(), bytes.size());
  return true;
}

// Fixed-width little-endian codes: the narrowest of 1, 2 or 4 bytes that holds `entries`.
void PutCodes(ByteWriter& out, const std::vector<uint32_t>& codes, size_t entries) {
  const uint8_t width = entries <= 0x100 ? 1 : (entries <= 0x10000 ? 2 : 4);
  out.PutU8(width);
  std::string& buffer = out.buffer();
  const size_t base = buffer.size();
  buffer.resize(base + codes.size() * width);
  char* dst = buffer.data() + base;
  for (uint32_t code : codes) {
    for (uint8_t byte = 0; byte < width; ++byte) *dst++ = static_cast<char>(code >> (8 * byte));
  }
}

bool GetCodes(ByteReader& in, std::vector<uint32_t>& codes, size_t count, size_t entries) {
  uint8_t width = 0;
  std::string_view bytes;
  if (!in.GetU8(&width) || (width != 1 && width != 2 && width != 4) ||
      count > in.remaining() / width || !in.GetBytes(count * width, &bytes)) {
    return false;
  }
  codes.resize(count);
  const auto* src = reinterpret_cast<const uint8_t*>(bytes.data());
  for (size_t row_idx = 0; row_idx < count; ++row_idx) {
    uint32_t code = 0;
    for (uint8_t byte = 0; byte < width; ++byte) code |= uint32_t{*src++} << (8 * byte);
    if (code >= entries) return false;
    codes[row_idx] = code;
  }
  return true;
}

// offsets[0] == 0, non-decreasing, ending at chars_size.
bool ValidOffsets(const std::vector<uint32_t>& offsets, size_t chars_size) {
  if (offsets.empty() || offsets[0] != 0 || offsets.back() != chars_size) return false;
  for (size_t i = 0; i + 1 < offsets.size(); ++i) {
    if (offsets[i] > offsets[i + 1]) return false;
  }
  return true;
}

Status Malformed(std::string_view what) {
  return Status::Corruption("malformed batch record: " + std::string(what));
}

}  // namespace

void EncodeBatchRecord(int64_t first_seq, const types::Batch& batch, ByteWriter& out,
                       const types::CommitNote* note) {
  const size_t rows = batch.num_rows;
  out.PutFixed64(static_cast<uint64_t>(first_seq));
  out.PutVarint64(rows);
  out.PutVarint32(batch.schema_version);
  out.PutVarint64(batch.columns.size());
  for (size_t col_idx = 0; col_idx < batch.columns.size(); ++col_idx) {
    const types::ColumnVector& column = batch.columns[col_idx];
    out.PutVarint32(batch.field_ids[col_idx]);
    out.PutU8(static_cast<uint8_t>(column.type()));
    out.PutU8((column.has_nulls() ? 1 : 0) | (column.is_dictionary() ? 2 : 0));
    if (column.has_nulls()) PutArray(out, column.validity(), (rows + 7) / 8);
    switch (column.type()) {
      case types::DataType::kBool: PutArray(out, column.bools(), rows); break;
      case types::DataType::kInt64:
      case types::DataType::kTimestamp: PutArray(out, column.ints(), rows); break;
      case types::DataType::kFloat64: PutArray(out, column.doubles(), rows); break;
      case types::DataType::kString:
      case types::DataType::kJson:
        if (column.is_dictionary()) {
          out.PutVarint64(column.dictionary_size());
          PutArray(out, column.offsets(), column.dictionary_size() + 1);
          out.PutLengthPrefixed(column.chars());
          PutCodes(out, column.codes(), column.dictionary_size());
        } else {
          PutArray(out, column.offsets(), rows + 1);
          out.PutLengthPrefixed(column.chars());
        }
        break;
    }
  }
  if (note != nullptr) {
    out.PutU8(1);
    out.PutLengthPrefixed(note->key);
    out.PutLengthPrefixed(note->payload);
  }
}

void SetBatchRecordSeq(int64_t first_seq, std::string& payload) {
  const uint64_t seq = static_cast<uint64_t>(first_seq);
  for (int i = 0; i < 8; ++i) payload[i] = static_cast<char>(seq >> (8 * i));
}

Status DecodeBatchRecord(std::string_view payload, int64_t* first_seq, types::Batch* batch,
                         std::optional<types::CommitNote>* note) {
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
    uint8_t flags = 0;
    if (!in.GetVarint32(&field_id) || !in.GetU8(&type) || !in.GetU8(&flags) ||
        type > static_cast<uint8_t>(types::DataType::kJson) || flags > 3) {
      return Malformed("bad column header");
    }
    types::ColumnVector column(static_cast<types::DataType>(type));
    const bool dictionary = (flags & 2) != 0;
    if (dictionary && !types::IsStringStored(column.type())) {
      return Malformed("dictionary form for a non-string column");
    }
    if ((flags & 1) != 0 && !GetArray(in, column.mutable_validity(), (rows + 7) / 8)) {
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
        uint64_t entries = rows;
        std::string_view chars;
        if (dictionary && (!in.GetVarint64(&entries) || entries > in.remaining())) {
          ok = false;
          break;
        }
        ok = GetArray(in, column.mutable_offsets(), entries + 1) && in.GetLengthPrefixed(&chars) &&
             ValidOffsets(column.offsets(), chars.size());
        if (ok) column.mutable_chars().assign(chars);
        if (ok && dictionary) ok = GetCodes(in, column.mutable_codes(), rows, entries);
        break;
      }
    }
    if (!ok) return Malformed("truncated or inconsistent values");
    if (dictionary) {
      column.SetDictionarySize(rows);
    } else {
      column.SetSize(rows);
    }
    batch->field_ids.push_back(field_id);
    batch->columns.push_back(std::move(column));
  }
  if (note != nullptr) note->reset();
  if (!in.empty()) {
    uint8_t tag = 0;
    std::string_view key;
    std::string_view body;
    if (!in.GetU8(&tag) || tag != 1 || !in.GetLengthPrefixed(&key) ||
        !in.GetLengthPrefixed(&body) || !in.empty()) {
      return Malformed("trailing bytes");
    }
    if (note != nullptr) note->emplace(types::CommitNote{std::string(key), std::string(body)});
  }
  return {};
}

}  // namespace strata::storage
