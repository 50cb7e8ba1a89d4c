#include "storage/encoding/float_encoding.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "storage/encoding/int_encoding.h"

namespace strata::storage {
namespace {

constexpr double kMaxIntegral = 9007199254740992.0;  // 2^53.

// Appends bits LSB-first to a string, 64 at a time.
class BitWriter {
 public:
  explicit BitWriter(std::string& out) : out_(out) {}

  // REQUIRES: 1 <= n <= 64 and value < 2^n.
  void Put(uint64_t value, int n) {
    acc_ |= value << filled_;
    filled_ += n;
    if (filled_ >= 64) {
      out_.append(reinterpret_cast<const char*>(&acc_), sizeof(acc_));
      filled_ -= 64;
      acc_ = filled_ > 0 ? value >> (n - filled_) : 0;
    }
  }
  // Writes the partial last word, cut to whole bytes.
  void Finish() {
    out_.append(reinterpret_cast<const char*>(&acc_), static_cast<size_t>(filled_ + 7) / 8);
    acc_ = 0;
    filled_ = 0;
  }

 private:
  std::string& out_;
  uint64_t acc_ = 0;  // Bits not yet written; only the low filled_ are set.
  int filled_ = 0;    // In [0, 64).
};

// Reads bits written by BitWriter; every read is bounds-checked.
class BitReader {
 public:
  explicit BitReader(std::string_view data)
      : data_(reinterpret_cast<const uint8_t*>(data.data())),
        size_(data.size()),
        bit_limit_(data.size() * 8) {}

  // REQUIRES: 1 <= n <= 64.
  [[nodiscard]] bool Get(int n, uint64_t* value) {
    if (bit_limit_ - pos_ < static_cast<size_t>(n)) return false;
    const size_t byte = pos_ / 8;
    const unsigned offset = pos_ % 8;
    uint64_t word = 0;
    if (byte + 8 <= size_) {
      std::memcpy(&word, data_ + byte, 8);
    } else {
      std::memcpy(&word, data_ + byte, size_ - byte);
    }
    uint64_t result = word >> offset;
    // Bits past the first word: only when offset + n > 64, which needs byte + 8 < size_.
    if (offset + static_cast<unsigned>(n) > 64) {
      result |= uint64_t{data_[byte + 8]} << (64 - offset);
    }
    if (n < 64) result &= (uint64_t{1} << n) - 1;
    *value = result;
    pos_ += static_cast<size_t>(n);
    return true;
  }
  // Bytes touched so far.
  size_t bytes_used() const { return (pos_ + 7) / 8; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t bit_limit_;
  size_t pos_ = 0;  // Bits consumed, <= bit_limit_.
};

uint64_t Bits(double value) { return std::bit_cast<uint64_t>(value); }

bool IsIntegral(double value) {
  return value >= -kMaxIntegral && value <= kMaxIntegral && value == std::trunc(value) &&
         !(value == 0 && std::signbit(value));
}

// Walks the XOR encoding of values, calling emit(bits, n) for each field. Keeps the encoder
// and the size computation identical.
template <typename Emit>
void WalkXor(std::span<const double> values, const Emit& emit) {
  if (values.empty()) return;
  uint64_t prev = Bits(values[0]);
  emit(prev, 64);
  int prev_leading = -1;  // No window yet.
  int prev_trailing = 0;
  for (size_t row_idx = 1; row_idx < values.size(); ++row_idx) {
    const uint64_t bits = Bits(values[row_idx]);
    const uint64_t x = bits ^ prev;
    prev = bits;
    if (x == 0) {
      emit(0, 1);
      continue;
    }
    const int leading = std::countl_zero(x);
    const int trailing = std::countr_zero(x);
    if (prev_leading >= 0 && leading >= prev_leading && trailing >= prev_trailing) {
      emit(0b01, 2);  // '1' then '0', LSB first.
      emit(x >> prev_trailing, 64 - prev_leading - prev_trailing);
    } else {
      const int len = 64 - leading - trailing;
      emit(0b11, 2);
      emit(static_cast<uint64_t>(leading) | (static_cast<uint64_t>(len - 1) << 6), 12);
      emit(x >> trailing, len);
      prev_leading = leading;
      prev_trailing = trailing;
    }
  }
}

size_t XorSize(std::span<const double> values) {
  size_t bits = 0;
  WalkXor(values, [&bits](uint64_t, int n) { bits += static_cast<size_t>(n); });
  return (bits + 7) / 8;
}

Status Corrupt(std::string_view what) {
  return Status::Corruption(std::string("double block: ") + std::string(what));
}

Status DecodeXor(ByteReader& in, size_t count, double* out) {
  BitReader reader(in.rest());
  uint64_t prev = 0;
  if (!reader.Get(64, &prev)) return Corrupt("truncated xor stream");
  out[0] = std::bit_cast<double>(prev);
  int leading = -1;
  int len = 0;
  for (size_t row_idx = 1; row_idx < count; ++row_idx) {
    uint64_t control = 0;
    if (!reader.Get(1, &control)) return Corrupt("truncated xor stream");
    if (control != 0) {
      if (!reader.Get(1, &control)) return Corrupt("truncated xor stream");
      if (control != 0) {
        uint64_t header = 0;
        if (!reader.Get(12, &header)) return Corrupt("truncated xor stream");
        leading = static_cast<int>(header & 63);
        len = static_cast<int>(header >> 6) + 1;
        if (leading + len > 64) return Corrupt("bad xor window");
      } else if (leading < 0) {
        return Corrupt("xor window reused before set");
      }
      uint64_t meaningful = 0;
      if (!reader.Get(len, &meaningful)) return Corrupt("truncated xor stream");
      prev ^= meaningful << (64 - leading - len);
    }
    out[row_idx] = std::bit_cast<double>(prev);
  }
  if (!in.Skip(reader.bytes_used())) return Corrupt("truncated xor stream");
  return Status();
}

}  // namespace

std::string_view FloatEncodingName(FloatEncoding encoding) {
  switch (encoding) {
    case FloatEncoding::kPlain: return "plain";
    case FloatEncoding::kXor: return "xor";
    case FloatEncoding::kIntegral: return "integral";
  }
  return "unknown";
}

FloatEncoding EncodeDoubles(std::span<const double> values, ByteWriter& out) {
  const size_t n = values.size();
  FloatEncoding best = FloatEncoding::kPlain;
  size_t best_size = n * sizeof(double);

  bool integral = n > 0;
  for (double value : values) integral &= IsIntegral(value);
  ByteWriter ints;
  if (integral) {
    std::vector<int64_t> as_ints(n);
    for (size_t row_idx = 0; row_idx < n; ++row_idx) {
      as_ints[row_idx] = static_cast<int64_t>(values[row_idx]);
    }
    EncodeInts(as_ints, ints);
    if (ints.size() < best_size) {
      best = FloatEncoding::kIntegral;
      best_size = ints.size();
    }
  }
  if (n > 0 && XorSize(values) < best_size) best = FloatEncoding::kXor;

  out.PutU8(static_cast<uint8_t>(best));
  switch (best) {
    case FloatEncoding::kPlain:
      out.buffer().append(reinterpret_cast<const char*>(values.data()), n * sizeof(double));
      break;
    case FloatEncoding::kIntegral: out.PutBytes(ints.buffer()); break;
    case FloatEncoding::kXor: {
      BitWriter writer(out.buffer());
      WalkXor(values, [&writer](uint64_t bits, int len) { writer.Put(bits, len); });
      writer.Finish();
      break;
    }
  }
  return best;
}

namespace {

// DecodeDoubles of every value (rows null) or of the values at *rows (DecodeDoublesAt).
Status DecodeDoubleBlock(ByteReader& in, size_t count, const std::span<const uint32_t>* rows,
                         double* out) {
  uint8_t tag = 0;
  if (!in.GetU8(&tag)) return Corrupt("missing encoding tag");
  if (tag > static_cast<uint8_t>(FloatEncoding::kIntegral)) return Corrupt("unknown encoding");
  if (count == 0) return Status();
  switch (static_cast<FloatEncoding>(tag)) {
    case FloatEncoding::kPlain: {
      std::string_view bytes;
      if (count > in.remaining() / sizeof(double) || !in.GetBytes(count * sizeof(double), &bytes)) {
        return Corrupt("truncated plain values");
      }
      if (rows == nullptr) {
        std::memcpy(out, bytes.data(), bytes.size());
        return Status();
      }
      for (size_t i = 0; i < rows->size(); ++i) {
        std::memcpy(out + i, bytes.data() + size_t{(*rows)[i]} * sizeof(double), sizeof(double));
      }
      return Status();
    }
    case FloatEncoding::kXor: {
      if (rows == nullptr) return DecodeXor(in, count, out);
      std::vector<double> values(count);  // The stream is sequential: decoded whole.
      STRATA_RETURN_IF_ERROR(DecodeXor(in, count, values.data()));
      for (size_t i = 0; i < rows->size(); ++i) out[i] = values[(*rows)[i]];
      return Status();
    }
    case FloatEncoding::kIntegral: {
      std::vector<int64_t> ints(rows != nullptr ? rows->size() : count);
      STRATA_RETURN_IF_ERROR(rows != nullptr ? DecodeIntsAt(in, count, *rows, ints.data())
                                             : DecodeInts(in, count, ints.data()));
      for (size_t i = 0; i < ints.size(); ++i) out[i] = static_cast<double>(ints[i]);
      return Status();
    }
  }
  return Corrupt("unknown encoding");
}

}  // namespace

Status DecodeDoubles(ByteReader& in, size_t count, double* out) {
  return DecodeDoubleBlock(in, count, nullptr, out);
}

Status DecodeDoublesAt(ByteReader& in, size_t count, std::span<const uint32_t> rows, double* out) {
  return DecodeDoubleBlock(in, count, &rows, out);
}

}  // namespace strata::storage
