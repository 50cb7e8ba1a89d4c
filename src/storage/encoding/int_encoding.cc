#include "storage/encoding/int_encoding.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

namespace strata::storage {
namespace {

constexpr size_t kGroup = 64;  // Values per bit-packed group.
// Values unpacked per batch before a prefix sum, so the sum runs on L1-resident data.
constexpr size_t kBatchGroups = 16;

inline uint64_t U(int64_t value) { return static_cast<uint64_t>(value); }
inline int64_t S(uint64_t value) { return static_cast<int64_t>(value); }

inline uint64_t Load64(const uint8_t* p) {
  uint64_t value;
  std::memcpy(&value, p, sizeof(value));
  return value;
}

// Bytes of the bit-packed stream of n values of `width` bits.
constexpr size_t PackedBytes(size_t n, int width) {
  const auto bits = static_cast<size_t>(width);
  return (n / kGroup) * bits * 8 + ((n % kGroup) * bits + 7) / 8;
}

// ---- Bit unpacking: one instantiation per width, fully unrolled, no per-value branches.

template <int kBits, size_t kIndex>
[[gnu::always_inline]] inline void UnpackOne(const uint8_t* __restrict in, uint64_t base,
                                             uint64_t* __restrict out) {
  if constexpr (kBits == 0) {
    out[kIndex] = base;
  } else {
    constexpr size_t kBit = kIndex * kBits;
    constexpr size_t kWord = kBit / 64;
    constexpr unsigned kShift = kBit % 64;
    uint64_t value = Load64(in + kWord * 8) >> kShift;
    if constexpr (kShift + kBits > 64) value |= Load64(in + (kWord + 1) * 8) << (64 - kShift);
    if constexpr (kBits < 64) value &= (uint64_t{1} << kBits) - 1;
    out[kIndex] = value + base;
  }
}

template <int kBits, size_t... kIndex>
[[gnu::always_inline]] inline void UnpackGroup(const uint8_t* __restrict in, uint64_t base,
                                               uint64_t* __restrict out,
                                               std::index_sequence<kIndex...>) {
  (UnpackOne<kBits, kIndex>(in, base, out), ...);
}

// Unpacks `groups` groups of 64 values (groups * kBits * 8 input bytes) and adds `base`.
template <int kBits>
void UnpackGroups(const uint8_t* __restrict in, size_t groups, uint64_t base,
                  uint64_t* __restrict out) {
  for (size_t group_idx = 0; group_idx < groups; ++group_idx) {
    UnpackGroup<kBits>(in, base, out, std::make_index_sequence<kGroup>());
    in += kBits * 8;
    out += kGroup;
  }
}

using UnpackFn = void (*)(const uint8_t*, size_t, uint64_t, uint64_t*);

template <size_t... kBits>
constexpr std::array<UnpackFn, sizeof...(kBits)> MakeUnpackers(std::index_sequence<kBits...>) {
  return {&UnpackGroups<static_cast<int>(kBits)>...};
}
constexpr std::array<UnpackFn, 65> kUnpackers = MakeUnpackers(std::make_index_sequence<65>());

// ---- Bit packing.

template <int kBits, size_t kIndex>
[[gnu::always_inline]] inline void PackOne(const uint64_t* __restrict in,
                                           uint64_t* __restrict words) {
  constexpr size_t kBit = kIndex * kBits;
  constexpr size_t kWord = kBit / 64;
  constexpr unsigned kShift = kBit % 64;
  words[kWord] |= in[kIndex] << kShift;
  if constexpr (kShift + kBits > 64) words[kWord + 1] |= in[kIndex] >> (64 - kShift);
}

template <int kBits, size_t... kIndex>
[[gnu::always_inline]] inline void PackWords(const uint64_t* __restrict in,
                                             uint64_t* __restrict words,
                                             std::index_sequence<kIndex...>) {
  (PackOne<kBits, kIndex>(in, words), ...);
}

// Packs 64 values into kBits * 8 bytes. REQUIRES: every value < 2^kBits.
template <int kBits>
void PackGroup(const uint64_t* __restrict in, uint8_t* __restrict out) {
  if constexpr (kBits > 0) {
    uint64_t words[kBits] = {};
    PackWords<kBits>(in, words, std::make_index_sequence<kGroup>());
    std::memcpy(out, words, sizeof(words));
  }
}

using PackFn = void (*)(const uint64_t*, uint8_t*);

template <size_t... kBits>
constexpr std::array<PackFn, sizeof...(kBits)> MakePackers(std::index_sequence<kBits...>) {
  return {&PackGroup<static_cast<int>(kBits)>...};
}
constexpr std::array<PackFn, 65> kPackers = MakePackers(std::make_index_sequence<65>());

// ---- Packed blocks: zigzag base | u8 width | packed (value - base).

// Min and max of a sequence, as signed values.
struct Range {
  int64_t min = std::numeric_limits<int64_t>::max();
  int64_t max = std::numeric_limits<int64_t>::min();

  void Add(int64_t value) {
    min = std::min(min, value);
    max = std::max(max, value);
  }
  int Width() const { return std::bit_width(U(max) - U(min)); }
};

size_t PackedBlockSize(size_t n, const Range& range) {
  return VarintLength(ZigzagEncode64(range.min)) + 1 + PackedBytes(n, range.Width());
}

// Appends a packed block of n values. fill(start, len, buf) stores raw values
// [start, start + len) into buf; the block subtracts range.min from them.
template <typename Fill>
void PutPackedBlock(size_t n, const Range& range, const Fill& fill, ByteWriter& out) {
  const int width = range.Width();
  const uint64_t base = U(range.min);
  out.PutZigzag64(range.min);
  out.PutU8(static_cast<uint8_t>(width));
  std::string& buffer = out.buffer();
  const size_t start = buffer.size();
  buffer.resize(start + PackedBytes(n, width));
  auto* dst = reinterpret_cast<uint8_t*>(buffer.data() + start);
  const PackFn pack = kPackers[width];
  uint64_t values[kGroup];
  size_t row_idx = 0;
  for (; row_idx + kGroup <= n; row_idx += kGroup) {
    fill(row_idx, kGroup, values);
    for (uint64_t& value : values) value -= base;
    pack(values, dst);
    dst += static_cast<size_t>(width) * 8;
  }
  if (row_idx < n) {
    const size_t tail = n - row_idx;
    fill(row_idx, tail, values);
    for (size_t j = 0; j < tail; ++j) values[j] -= base;
    std::fill(values + tail, values + kGroup, 0);  // Zero padding bits, cut off below.
    uint8_t bytes[kGroup * 8] = {};
    pack(values, bytes);
    std::memcpy(dst, bytes, (tail * static_cast<size_t>(width) + 7) / 8);
  }
}

struct PackedBlock {
  uint64_t base = 0;
  int width = 0;
  const uint8_t* data = nullptr;  // PackedBytes(n, width) bytes.
};

bool ReadPackedBlock(ByteReader& in, size_t n, PackedBlock* block) {
  int64_t base = 0;
  uint8_t width = 0;
  if (!in.GetZigzag64(&base) || !in.GetU8(&width) || width > 64) return false;
  if (n > std::numeric_limits<size_t>::max() / 64) return false;
  std::string_view bytes;
  if (!in.GetBytes(PackedBytes(n, width), &bytes)) return false;
  block->base = U(base);
  block->width = width;
  block->data = reinterpret_cast<const uint8_t*>(bytes.data());
  return true;
}

// Unpacks values [first_group * 64, first_group * 64 + len) of a block into out.
// REQUIRES: len is a multiple of 64, or the range ends at the block's last value.
void UnpackRange(const PackedBlock& block, size_t first_group, size_t len, uint64_t* out) {
  const UnpackFn unpack = kUnpackers[block.width];
  const size_t group_bytes = static_cast<size_t>(block.width) * 8;
  const uint8_t* in = block.data + first_group * group_bytes;
  const size_t groups = len / kGroup;
  unpack(in, groups, block.base, out);
  const size_t tail = len % kGroup;
  if (tail == 0) return;
  uint8_t padded[kGroup * 8] = {};
  const size_t tail_bytes = (tail * static_cast<size_t>(block.width) + 7) / 8;
  if (tail_bytes > 0) std::memcpy(padded, in + groups * group_bytes, tail_bytes);
  uint64_t values[kGroup];
  unpack(padded, 1, block.base, values);
  std::memcpy(out + groups * kGroup, values, tail * sizeof(uint64_t));
}

// Unpacks n values of a block into out, calling post(chunk, len) on each batch of
// kBatchGroups groups right after unpacking it (while it is in L1).
template <typename Post>
void UnpackBlock(const PackedBlock& block, size_t n, uint64_t* out, const Post& post) {
  constexpr size_t kBatch = kBatchGroups * kGroup;
  size_t row_idx = 0;
  for (; row_idx + kBatch <= n; row_idx += kBatch) {
    UnpackRange(block, row_idx / kGroup, kBatch, out + row_idx);
    post(out + row_idx, kBatch);
  }
  if (row_idx < n) {
    UnpackRange(block, row_idx / kGroup, n - row_idx, out + row_idx);
    post(out + row_idx, n - row_idx);
  }
}

// Size of the kRunLength body, or SIZE_MAX as soon as it reaches `bound`.
size_t RunLengthSize(std::span<const int64_t> values, size_t bound) {
  const size_t n = values.size();
  size_t size = 0;
  int64_t prev = 0;
  for (size_t row_idx = 0; row_idx < n;) {
    const int64_t value = values[row_idx];
    size_t end = row_idx + 1;
    while (end < n && values[end] == value) ++end;
    size += VarintLength(ZigzagEncode64(S(U(value) - U(prev)))) + VarintLength(end - row_idx);
    if (size >= bound) return std::numeric_limits<size_t>::max();
    prev = value;
    row_idx = end;
  }
  return size;
}

void PutRunLength(std::span<const int64_t> values, ByteWriter& out) {
  const size_t n = values.size();
  int64_t prev = 0;
  for (size_t row_idx = 0; row_idx < n;) {
    const int64_t value = values[row_idx];
    size_t end = row_idx + 1;
    while (end < n && values[end] == value) ++end;
    out.PutZigzag64(S(U(value) - U(prev)));
    out.PutVarint64(end - row_idx);
    prev = value;
    row_idx = end;
  }
}

Status Corrupt(std::string_view what) {
  return Status::Corruption(std::string("int block: ") + std::string(what));
}

}  // namespace

std::string_view IntEncodingName(IntEncoding encoding) {
  switch (encoding) {
    case IntEncoding::kPlain: return "plain";
    case IntEncoding::kFrameOfReference: return "for";
    case IntEncoding::kDelta: return "delta";
    case IntEncoding::kDeltaOfDelta: return "delta_of_delta";
    case IntEncoding::kRunLength: return "rle";
  }
  return "unknown";
}

IntEncoding EncodeInts(std::span<const int64_t> values, ByteWriter& out) {
  const size_t n = values.size();
  const int64_t* v = values.data();
  if (n == 0) {
    out.PutU8(static_cast<uint8_t>(IntEncoding::kPlain));
    return IntEncoding::kPlain;
  }

  // One pass for the ranges of the values, differences and second differences.
  Range values_range;
  Range delta_range;
  Range dod_range;
  values_range.Add(v[0]);
  uint64_t first_delta = 0;
  if (n >= 2) {
    first_delta = U(v[1]) - U(v[0]);
    values_range.Add(v[1]);
    delta_range.Add(S(first_delta));
    uint64_t prev_delta = first_delta;
    for (size_t row_idx = 2; row_idx < n; ++row_idx) {
      const uint64_t delta = U(v[row_idx]) - U(v[row_idx - 1]);
      values_range.Add(v[row_idx]);
      delta_range.Add(S(delta));
      dod_range.Add(S(delta - prev_delta));
      prev_delta = delta;
    }
  }

  const size_t first_size = VarintLength(ZigzagEncode64(v[0]));
  IntEncoding best = IntEncoding::kFrameOfReference;
  size_t best_size = PackedBlockSize(n, values_range);
  const auto consider = [&](IntEncoding encoding, size_t size) {
    if (size < best_size) {
      best = encoding;
      best_size = size;
    }
  };
  consider(IntEncoding::kDelta, first_size + (n >= 2 ? PackedBlockSize(n - 1, delta_range) : 0));
  consider(IntEncoding::kDeltaOfDelta,
           first_size + (n >= 2 ? VarintLength(ZigzagEncode64(S(first_delta))) : 0) +
               (n >= 3 ? PackedBlockSize(n - 2, dod_range) : 0));
  consider(IntEncoding::kRunLength, RunLengthSize(values, best_size));
  consider(IntEncoding::kPlain, n * sizeof(int64_t));

  out.PutU8(static_cast<uint8_t>(best));
  switch (best) {
    case IntEncoding::kPlain:
      out.buffer().append(reinterpret_cast<const char*>(v), n * sizeof(int64_t));
      break;
    case IntEncoding::kFrameOfReference:
      PutPackedBlock(
          n, values_range,
          [v](size_t start, size_t len, uint64_t* buf) {
            for (size_t j = 0; j < len; ++j) buf[j] = U(v[start + j]);
          },
          out);
      break;
    case IntEncoding::kDelta:
      out.PutZigzag64(v[0]);
      if (n >= 2) {
        PutPackedBlock(
            n - 1, delta_range,
            [v](size_t start, size_t len, uint64_t* buf) {
              const int64_t* src = v + start;
              for (size_t j = 0; j < len; ++j) buf[j] = U(src[j + 1]) - U(src[j]);
            },
            out);
      }
      break;
    case IntEncoding::kDeltaOfDelta:
      out.PutZigzag64(v[0]);
      if (n >= 2) out.PutZigzag64(S(first_delta));
      if (n >= 3) {
        PutPackedBlock(
            n - 2, dod_range,
            [v](size_t start, size_t len, uint64_t* buf) {
              const int64_t* src = v + start;
              for (size_t j = 0; j < len; ++j) {
                buf[j] = (U(src[j + 2]) - U(src[j + 1])) - (U(src[j + 1]) - U(src[j]));
              }
            },
            out);
      }
      break;
    case IntEncoding::kRunLength: PutRunLength(values, out); break;
  }
  return best;
}

Status DecodeInts(ByteReader& in, size_t count, int64_t* out) {
  uint8_t tag = 0;
  if (!in.GetU8(&tag)) return Corrupt("missing encoding tag");
  if (tag > static_cast<uint8_t>(IntEncoding::kRunLength)) return Corrupt("unknown encoding");
  if (count == 0) return Status();
  // int64_t and uint64_t may alias; the decoders work in wrapping unsigned arithmetic.
  auto* dst = reinterpret_cast<uint64_t*>(out);
  switch (static_cast<IntEncoding>(tag)) {
    case IntEncoding::kPlain: {
      std::string_view bytes;
      if (count > in.remaining() / sizeof(int64_t) ||
          !in.GetBytes(count * sizeof(int64_t), &bytes)) {
        return Corrupt("truncated plain values");
      }
      std::memcpy(out, bytes.data(), bytes.size());
      return Status();
    }
    case IntEncoding::kFrameOfReference: {
      PackedBlock block;
      if (!ReadPackedBlock(in, count, &block)) return Corrupt("truncated packed values");
      UnpackRange(block, 0, count, dst);
      return Status();
    }
    case IntEncoding::kDelta: {
      int64_t first = 0;
      if (!in.GetZigzag64(&first)) return Corrupt("truncated first value");
      dst[0] = U(first);
      if (count == 1) return Status();
      PackedBlock block;
      if (!ReadPackedBlock(in, count - 1, &block)) return Corrupt("truncated deltas");
      uint64_t prev = U(first);
      UnpackBlock(block, count - 1, dst + 1, [&prev](uint64_t* chunk, size_t len) {
        uint64_t value = prev;
        for (size_t j = 0; j < len; ++j) {
          value += chunk[j];
          chunk[j] = value;
        }
        prev = value;
      });
      return Status();
    }
    case IntEncoding::kDeltaOfDelta: {
      int64_t first = 0;
      if (!in.GetZigzag64(&first)) return Corrupt("truncated first value");
      dst[0] = U(first);
      if (count == 1) return Status();
      int64_t first_delta = 0;
      if (!in.GetZigzag64(&first_delta)) return Corrupt("truncated first delta");
      dst[1] = U(first) + U(first_delta);
      if (count == 2) return Status();
      PackedBlock block;
      if (!ReadPackedBlock(in, count - 2, &block)) return Corrupt("truncated second deltas");
      uint64_t prev = dst[1];
      uint64_t delta = U(first_delta);
      UnpackBlock(block, count - 2, dst + 2, [&](uint64_t* chunk, size_t len) {
        uint64_t value = prev;
        uint64_t step = delta;
        for (size_t j = 0; j < len; ++j) {
          step += chunk[j];
          value += step;
          chunk[j] = value;
        }
        prev = value;
        delta = step;
      });
      return Status();
    }
    case IntEncoding::kRunLength: {
      uint64_t value = 0;
      size_t filled = 0;
      while (filled < count) {
        int64_t diff = 0;
        uint64_t len = 0;
        if (!in.GetZigzag64(&diff) || !in.GetVarint64(&len)) return Corrupt("truncated run");
        if (len == 0 || len > count - filled) return Corrupt("bad run length");
        value += U(diff);
        std::fill_n(dst + filled, len, value);
        filled += len;
      }
      return Status();
    }
  }
  return Corrupt("unknown encoding");
}

}  // namespace strata::storage
