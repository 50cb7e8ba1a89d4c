// TEMPORARY stand-in (replaced by the encoding module).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
namespace strata::storage {
class ByteWriter {
 public:
  void PutU8(uint8_t v) { buf_.push_back(static_cast<char>(v)); }
  void PutFixed32(uint32_t v) { buf_.append(reinterpret_cast<const char*>(&v), 4); }
  void PutFixed64(uint64_t v) { buf_.append(reinterpret_cast<const char*>(&v), 8); }
  void PutVarint32(uint32_t v) { PutVarint64(v); }
  void PutVarint64(uint64_t v) {
    while (v >= 0x80) { buf_.push_back(static_cast<char>(v | 0x80)); v >>= 7; }
    buf_.push_back(static_cast<char>(v));
  }
  void PutZigzag64(int64_t v) { PutVarint64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void PutBytes(std::string_view b) { buf_.append(b); }
  void PutLengthPrefixed(std::string_view b) { PutVarint64(b.size()); buf_.append(b); }
  std::string& buffer() { return buf_; }
  size_t size() const { return buf_.size(); }
  std::string Release() { return std::move(buf_); }
 private:
  std::string buf_;
};
class ByteReader {
 public:
  explicit ByteReader(std::string_view d) : d_(d) {}
  [[nodiscard]] bool GetU8(uint8_t* v) { if (d_.size() - pos_ < 1) return false; *v = static_cast<uint8_t>(d_[pos_++]); return true; }
  [[nodiscard]] bool GetFixed32(uint32_t* v) { if (d_.size() - pos_ < 4) return false; std::memcpy(v, d_.data() + pos_, 4); pos_ += 4; return true; }
  [[nodiscard]] bool GetFixed64(uint64_t* v) { if (d_.size() - pos_ < 8) return false; std::memcpy(v, d_.data() + pos_, 8); pos_ += 8; return true; }
  [[nodiscard]] bool GetVarint64(uint64_t* v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 64 && pos_ < d_.size(); shift += 7) {
      uint8_t b = static_cast<uint8_t>(d_[pos_++]);
      r |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) { *v = r; return true; }
    }
    return false;
  }
  [[nodiscard]] bool GetVarint32(uint32_t* v) { uint64_t x; if (!GetVarint64(&x) || x > 0xffffffffu) return false; *v = static_cast<uint32_t>(x); return true; }
  [[nodiscard]] bool GetZigzag64(int64_t* v) { uint64_t x; if (!GetVarint64(&x)) return false; *v = static_cast<int64_t>((x >> 1) ^ (~(x & 1) + 1)); return true; }
  [[nodiscard]] bool GetBytes(size_t n, std::string_view* out) { if (d_.size() - pos_ < n) return false; *out = d_.substr(pos_, n); pos_ += n; return true; }
  [[nodiscard]] bool GetLengthPrefixed(std::string_view* out) { uint64_t n; return GetVarint64(&n) && GetBytes(n, out); }
  size_t remaining() const { return d_.size() - pos_; }
  bool empty() const { return remaining() == 0; }
  std::string_view rest() const { return d_.substr(pos_); }
  size_t position() const { return pos_; }
 private:
  std::string_view d_;
  size_t pos_ = 0;
};
}  // namespace strata::storage
