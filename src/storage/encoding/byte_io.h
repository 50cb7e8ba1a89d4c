// Little-endian byte serialization helpers for the encodings, segments and WAL records.
// ByteWriter appends fixed-width integers, LEB128 varints, zigzag varints and byte strings
// to a string it owns; ByteReader consumes the same formats from a string_view with bounds
// checks and never reads outside its input.
// Thread safety: none; each object belongs to one thread. Distinct objects are independent.
// Invariants: ByteReader::position() <= input size; a failed Get* leaves the reader at an
// unspecified position inside its input (callers stop reading after a failure).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace strata::storage {

static_assert(std::endian::native == std::endian::little,
              "Strata encodings assume a little-endian host");

// Zigzag maps signed to unsigned so small magnitudes get small codes: 0,-1,1,-2 -> 0,1,2,3.
inline uint64_t ZigzagEncode64(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}
inline int64_t ZigzagDecode64(uint64_t value) {
  return static_cast<int64_t>((value >> 1) ^ (~(value & 1) + 1));
}

// Bytes PutVarint64(value) writes: 1..10.
inline size_t VarintLength(uint64_t value) {
  return static_cast<size_t>(std::bit_width(value | 1) + 6) / 7;
}

// Appends encoded values to an owned buffer.
class ByteWriter {
 public:
  ByteWriter() = default;
  // Starts with `initial` as the buffer contents (e.g. a recycled allocation, cleared).
  explicit ByteWriter(std::string initial) : buffer_(std::move(initial)) {}

  void PutU8(uint8_t value) { buffer_.push_back(static_cast<char>(value)); }
  void PutFixed32(uint32_t value) { PutRaw(&value, sizeof(value)); }
  void PutFixed64(uint64_t value) { PutRaw(&value, sizeof(value)); }
  void PutVarint32(uint32_t value) { PutVarint64(value); }
  void PutVarint64(uint64_t value);
  void PutZigzag64(int64_t value) { PutVarint64(ZigzagEncode64(value)); }
  void PutBytes(std::string_view bytes) { buffer_.append(bytes); }
  // Varint length, then the bytes.
  void PutLengthPrefixed(std::string_view bytes);

  // The bytes written so far. Callers may append to or reserve it directly.
  std::string& buffer() { return buffer_; }
  const std::string& buffer() const { return buffer_; }
  size_t size() const { return buffer_.size(); }
  // Moves the buffer out and leaves the writer empty.
  std::string Release() { return std::exchange(buffer_, std::string()); }

 private:
  void PutRaw(const void* data, size_t n) { buffer_.append(static_cast<const char*>(data), n); }

  std::string buffer_;
};

// Consumes encoded values from a borrowed buffer. Every getter returns false, without
// reading past the end, when the input is truncated or malformed.
// REQUIRES: the viewed bytes outlive the reader and any string_view it hands out.
class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(std::string_view data) : data_(data) {}

  [[nodiscard]] bool GetU8(uint8_t* value);
  [[nodiscard]] bool GetFixed32(uint32_t* value) { return GetRaw(value, sizeof(*value)); }
  [[nodiscard]] bool GetFixed64(uint64_t* value) { return GetRaw(value, sizeof(*value)); }
  // Fails on a varint longer than 5 bytes or above UINT32_MAX.
  [[nodiscard]] bool GetVarint32(uint32_t* value);
  // Fails on a varint longer than 10 bytes or above UINT64_MAX.
  [[nodiscard]] bool GetVarint64(uint64_t* value);
  [[nodiscard]] bool GetZigzag64(int64_t* value);
  // Points `bytes` at the next n input bytes (no copy).
  [[nodiscard]] bool GetBytes(size_t n, std::string_view* bytes);
  [[nodiscard]] bool GetLengthPrefixed(std::string_view* bytes);
  // Advances past n bytes.
  [[nodiscard]] bool Skip(size_t n);

  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return pos_ == data_.size(); }
  // The unread bytes.
  std::string_view rest() const { return data_.substr(pos_); }
  // Bytes consumed so far.
  size_t position() const { return pos_; }

 private:
  bool GetRaw(void* out, size_t n) {
    if (remaining() < n) return false;
    std::memcpy(out, data_.data() + pos_, n);
    pos_ += n;
    return true;
  }

  std::string_view data_;
  size_t pos_ = 0;  // <= data_.size().
};

}  // namespace strata::storage
