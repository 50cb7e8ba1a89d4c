#include "storage/encoding/byte_io.h"

namespace strata::storage {

void ByteWriter::PutVarint64(uint64_t value) {
  char bytes[10];
  size_t n = 0;
  while (value >= 0x80) {
    bytes[n++] = static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  bytes[n++] = static_cast<char>(value);
  buffer_.append(bytes, n);
}

void ByteWriter::PutLengthPrefixed(std::string_view bytes) {
  PutVarint64(bytes.size());
  buffer_.append(bytes);
}

bool ByteReader::GetU8(uint8_t* value) {
  if (pos_ >= data_.size()) return false;
  *value = static_cast<uint8_t>(data_[pos_++]);
  return true;
}

bool ByteReader::GetVarint64(uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) return false;
    const uint64_t byte = static_cast<uint8_t>(data_[pos_++]);
    if (shift == 63 && byte > 1) return false;  // Bits beyond 64.
    result |= (byte & 0x7F) << shift;
    if (byte < 0x80) {
      *value = result;
      return true;
    }
  }
  return false;  // More than 10 bytes.
}

bool ByteReader::GetVarint32(uint32_t* value) {
  const size_t start = pos_;
  uint64_t wide = 0;
  if (!GetVarint64(&wide) || pos_ - start > 5 || wide > UINT32_MAX) return false;
  *value = static_cast<uint32_t>(wide);
  return true;
}

bool ByteReader::GetZigzag64(int64_t* value) {
  uint64_t raw = 0;
  if (!GetVarint64(&raw)) return false;
  *value = ZigzagDecode64(raw);
  return true;
}

bool ByteReader::GetBytes(size_t n, std::string_view* bytes) {
  if (remaining() < n) return false;
  *bytes = data_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool ByteReader::GetLengthPrefixed(std::string_view* bytes) {
  uint64_t n = 0;
  return GetVarint64(&n) && n <= remaining() && GetBytes(static_cast<size_t>(n), bytes);
}

bool ByteReader::Skip(size_t n) {
  if (remaining() < n) return false;
  pos_ += n;
  return true;
}

}  // namespace strata::storage
