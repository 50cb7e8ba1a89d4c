#include "storage/encoding/bool_encoding.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace strata::storage {
namespace {

// Spreads the 8 bits of `bits` into 8 bytes of 0 or 1, bit i into byte i.
inline uint64_t ExpandByte(uint8_t bits) {
  // Byte i of the product holds `bits`; the mask keeps bit i in byte i.
  const uint64_t isolated = (bits * 0x0101010101010101ULL) & 0x8040201008040201ULL;
  // Adding 0x7F sets a byte's high bit iff the byte was nonzero, without carries.
  return ((isolated + 0x7F7F7F7F7F7F7F7FULL) >> 7) & 0x0101010101010101ULL;
}

Status Corrupt(std::string_view what) {
  return Status::Corruption(std::string("bool block: ") + std::string(what));
}

}  // namespace

void EncodeBools(std::span<const uint8_t> values, ByteWriter& out) {
  const size_t n = values.size();
  const bool first = n > 0 && values[0] != 0;
  bool constant = true;
  for (uint8_t value : values) constant &= (value != 0) == first;
  if (constant) {
    out.PutU8(static_cast<uint8_t>(BoolEncoding::kConstant));
    out.PutU8(first ? 1 : 0);
    return;
  }
  out.PutU8(static_cast<uint8_t>(BoolEncoding::kBitmap));
  std::string& buffer = out.buffer();
  const size_t start = buffer.size();
  buffer.resize(start + (n + 7) / 8);
  auto* dst = reinterpret_cast<uint8_t*>(buffer.data() + start);
  for (size_t row_idx = 0; row_idx < n; ++row_idx) {
    dst[row_idx / 8] |= static_cast<uint8_t>((values[row_idx] != 0 ? 1 : 0) << (row_idx % 8));
  }
}

Status DecodeBools(ByteReader& in, size_t count, uint8_t* out) {
  uint8_t tag = 0;
  if (!in.GetU8(&tag)) return Corrupt("missing encoding tag");
  switch (static_cast<BoolEncoding>(tag)) {
    case BoolEncoding::kConstant: {
      uint8_t value = 0;
      if (!in.GetU8(&value) || value > 1) return Corrupt("bad constant");
      std::fill_n(out, count, value);
      return Status();
    }
    case BoolEncoding::kBitmap: {
      std::string_view bytes;
      if (!in.GetBytes(count / 8 + (count % 8 != 0 ? 1 : 0), &bytes)) {
        return Corrupt("truncated bitmap");
      }
      const auto* src = reinterpret_cast<const uint8_t*>(bytes.data());
      const size_t full = count / 8;
      for (size_t byte_idx = 0; byte_idx < full; ++byte_idx) {
        const uint64_t expanded = ExpandByte(src[byte_idx]);
        std::memcpy(out + byte_idx * 8, &expanded, 8);
      }
      if (count % 8 != 0) {
        const uint64_t expanded = ExpandByte(src[full]);
        std::memcpy(out + full * 8, &expanded, count % 8);
      }
      return Status();
    }
  }
  return Corrupt("unknown encoding");
}

}  // namespace strata::storage
