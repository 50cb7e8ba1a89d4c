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
void UnpackBlock(const PackedBlock& block, size_t n, uint64_t* out, Post&& post) {
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

// ---- Grouped blocks: per 64-value group, u8 header (width | 0x80 if the base changed) |
// [zigzag-varint base - previous base] | packed (value - base).

constexpr uint8_t kBaseChanged = 0x80;

// Bytes of one group of a grouped block whose base is `base_diff` above the previous one.
inline size_t GroupBytes(uint64_t base_diff, size_t len, int width) {
  return 1 + (base_diff == 0 ? 0 : VarintLength(ZigzagEncode64(S(base_diff)))) +
         PackedBytes(len, width);
}

// One stream (values, differences or second differences), measured group by group: its whole
// range (for the single-width block) and the exact size of its grouped block.
struct StreamStats {
  Range range;
  size_t grouped_size = 0;
  uint64_t prev_base = 0;

  void AddGroup(const Range& group, size_t len) {
    range.min = std::min(range.min, group.min);
    range.max = std::max(range.max, group.max);
    grouped_size += GroupBytes(U(group.min) - prev_base, len, group.Width());
    prev_base = U(group.min);
  }
};

struct Measurements {
  StreamStats values;  // v[i], n of them.
  StreamStats deltas;  // v[i + 1] - v[i], n - 1 of them.
  StreamStats dods;    // (v[i + 2] - v[i + 1]) - (v[i + 1] - v[i]), n - 2 of them.
};

// One pass over v[0, n): group g of every stream covers its indices [64g, 64g + 64).
Measurements Measure(const int64_t* v, size_t n) {
  Measurements m;
  size_t start = 0;
  // Full groups in all three streams: the last second difference reads v[start + 65].
  for (; start + kGroup + 2 <= n; start += kGroup) {
    Range values;
    Range deltas;
    Range dods;
    for (size_t row_idx = start; row_idx < start + kGroup; ++row_idx) {
      const uint64_t delta = U(v[row_idx + 1]) - U(v[row_idx]);
      const uint64_t next_delta = U(v[row_idx + 2]) - U(v[row_idx + 1]);
      values.Add(v[row_idx]);
      deltas.Add(S(delta));
      dods.Add(S(next_delta - delta));
    }
    m.values.AddGroup(values, kGroup);
    m.deltas.AddGroup(deltas, kGroup);
    m.dods.AddGroup(dods, kGroup);
  }
  for (; start < n; start += kGroup) {  // The last one or two groups.
    const size_t end = std::min(start + kGroup, n);
    Range values;
    Range deltas;
    Range dods;
    for (size_t row_idx = start; row_idx < end; ++row_idx) {
      values.Add(v[row_idx]);
      if (row_idx + 1 >= n) continue;
      const uint64_t delta = U(v[row_idx + 1]) - U(v[row_idx]);
      deltas.Add(S(delta));
      if (row_idx + 2 >= n) continue;
      dods.Add(S((U(v[row_idx + 2]) - U(v[row_idx + 1])) - delta));
    }
    m.values.AddGroup(values, end - start);
    if (start + 1 < n) m.deltas.AddGroup(deltas, std::min(end, n - 1) - start);
    if (start + 2 < n) m.dods.AddGroup(dods, std::min(end, n - 2) - start);
  }
  return m;
}

// Appends a grouped block of n values; fill(start, len, buf) stores raw values
// [start, start + len) into buf.
template <typename Fill>
void PutGroupedBlock(size_t n, const Fill& fill, ByteWriter& out) {
  std::string& buffer = out.buffer();
  uint64_t values[kGroup];
  uint64_t prev_base = 0;
  for (size_t start = 0; start < n; start += kGroup) {
    const size_t len = std::min(kGroup, n - start);
    fill(start, len, values);
    Range range;
    for (size_t j = 0; j < len; ++j) range.Add(S(values[j]));
    const int width = range.Width();
    const uint64_t base = U(range.min);
    const uint64_t base_diff = base - prev_base;
    prev_base = base;
    out.PutU8(static_cast<uint8_t>(width | (base_diff != 0 ? kBaseChanged : 0)));
    if (base_diff != 0) out.PutZigzag64(S(base_diff));
    for (size_t j = 0; j < len; ++j) values[j] -= base;
    const size_t bytes = PackedBytes(len, width);
    const size_t pos = buffer.size();
    buffer.resize(pos + bytes);
    auto* dst = reinterpret_cast<uint8_t*>(buffer.data() + pos);
    if (len == kGroup) {
      kPackers[width](values, dst);
    } else {
      std::fill(values + len, values + kGroup, 0);  // Zero padding bits, cut off below.
      uint8_t packed[kGroup * 8] = {};
      kPackers[width](values, packed);
      std::memcpy(dst, packed, bytes);
    }
  }
}

// ByteReader::GetVarint64 on a raw range: advances *p past the varint.
inline bool ParseVarint64(const uint8_t** p, const uint8_t* end, uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*p == end) return false;
    const uint64_t byte = *(*p)++;
    if (shift == 63 && byte > 1) return false;  // Bits beyond 64.
    result |= (byte & 0x7F) << shift;
    if (byte < 0x80) {
      *value = result;
      return true;
    }
  }
  return false;
}

// ---- Walking the groups of packed and grouped blocks, and summing a group unpacked.

// Widths up to this one sum a group by counting bit planes; wider groups are unpacked.
constexpr int kMaxPlaneBits = 8;

// The bit planes of a group of 64 kBits-bit values: masks[k][b] selects the bits of word k
// that are bit b of a value (value j holds stream bits [j * kBits, (j + 1) * kBits)).
template <int kBits>
struct PlaneMasks {
  uint64_t masks[kBits][kBits] = {};
  constexpr PlaneMasks() {
    for (int word = 0; word < kBits; ++word) {
      for (int bit = 0; bit < 64; ++bit) {
        masks[word][(64 * word + bit) % kBits] |= uint64_t{1} << bit;
      }
    }
  }
};

// Wrapping sum of the 64 packed values (before adding the base) of a group of kBits * 8
// bytes, bit plane by bit plane: kBits * kBits population counts.
template <int kBits>
uint64_t SumPlanesPortable(const uint8_t* in) {
  static constexpr PlaneMasks<kBits> kPlanes;
  uint64_t sum = 0;
  for (int word = 0; word < kBits; ++word) {
    const uint64_t bits = Load64(in + 8 * word);
    for (int bit = 0; bit < kBits; ++bit) {
      sum += static_cast<uint64_t>(std::popcount(bits & kPlanes.masks[word][bit])) << bit;
    }
  }
  return sum;
}

#if defined(__x86_64__)
// SumPlanesPortable with the popcnt instruction. REQUIRES: the CPU has it (HasPopcnt).
template <int kBits>
__attribute__((target("popcnt"))) uint64_t SumPlanesPopcnt(const uint8_t* in) {
  static constexpr PlaneMasks<kBits> kPlanes;
  uint64_t sum = 0;
  for (int word = 0; word < kBits; ++word) {
    const uint64_t bits = Load64(in + 8 * word);
    for (int bit = 0; bit < kBits; ++bit) {
      sum += static_cast<uint64_t>(__builtin_popcountll(bits & kPlanes.masks[word][bit])) << bit;
    }
  }
  return sum;
}

bool HasPopcnt() {
  __builtin_cpu_init();  // Safe even when first called during static initialization.
  return __builtin_cpu_supports("popcnt");
}
#else
template <int kBits>
uint64_t SumPlanesPopcnt(const uint8_t* in) {
  return SumPlanesPortable<kBits>(in);
}

bool HasPopcnt() { return false; }
#endif

// Wrapping sum of the 64 packed values (before adding the base) of a group of kBits * 8
// bytes: by bit planes up to kMaxPlaneBits, else unpacked.
template <int kBits, bool kPopcnt>
uint64_t SumGroup(const uint8_t* in) {
  if constexpr (kBits == 0) {
    return 0;
  } else if constexpr (kBits <= kMaxPlaneBits) {
    return kPopcnt ? SumPlanesPopcnt<kBits>(in) : SumPlanesPortable<kBits>(in);
  } else {
    uint64_t values[kGroup];
    UnpackGroups<kBits>(in, 1, 0, values);
    uint64_t sum = 0;
    for (const uint64_t value : values) sum += value;
    return sum;
  }
}

using SumFn = uint64_t (*)(const uint8_t*);
using Summers = std::array<SumFn, 65>;

template <bool kPopcnt, size_t... kBits>
constexpr Summers MakeSummers(std::index_sequence<kBits...>) {
  return {&SumGroup<static_cast<int>(kBits), kPopcnt>...};
}

// The group summers by width, for this CPU.
const Summers& GroupSummers() {
  static const Summers summers = HasPopcnt() ? MakeSummers<true>(std::make_index_sequence<65>())
                                             : MakeSummers<false>(std::make_index_sequence<65>());
  return summers;
}

// One group of up to 64 values of a packed or grouped stream: values [start, start + len),
// `width` bits each above `base`, in PackedBytes(len, width) bytes at `packed`.
struct Group {
  size_t start;
  size_t len;
  int width;
  uint64_t base;
  const uint8_t* packed;

  // The values, base added, into values[0, len).
  void Unpack(uint64_t* values) const {
    if (len == kGroup) {
      kUnpackers[width](packed, 1, base, values);
      return;
    }
    uint8_t padded[kGroup * 8] = {};
    const size_t bytes = PackedBytes(len, width);
    if (bytes > 0) std::memcpy(padded, packed, bytes);
    kUnpackers[width](padded, 1, base, values);
  }

  // Wrapping sum of the values, base included, without unpacking them.
  uint64_t Sum(const Summers& summers) const {
    uint64_t packed_sum;
    if (len == kGroup) {
      packed_sum = summers[width](packed);
    } else {
      uint8_t padded[kGroup * 8] = {};  // The padding values are 0 and add nothing.
      const size_t bytes = PackedBytes(len, width);
      if (bytes > 0) std::memcpy(padded, packed, bytes);
      packed_sum = summers[width](padded);
    }
    return packed_sum + base * len;
  }
};

// Calls visit(group) for each group of n values of a single-width packed block.
template <typename Visit>
void ForEachPackedGroup(const PackedBlock& block, size_t n, Visit&& visit) {
  const size_t group_bytes = static_cast<size_t>(block.width) * 8;
  const uint8_t* packed = block.data;
  for (size_t start = 0; start < n; start += kGroup, packed += group_bytes) {
    visit(Group{start, std::min(kGroup, n - start), block.width, block.base, packed});
  }
}

// Calls visit(group) for each group of a grouped block of n values read from `in`, checking
// every header and length, and leaves `in` past the block. False if truncated or malformed.
template <typename Visit>
bool ForEachGroupedGroup(ByteReader& in, size_t n, Visit&& visit) {
  const std::string_view rest = in.rest();
  const auto* const begin = reinterpret_cast<const uint8_t*>(rest.data());
  const uint8_t* const end = begin + rest.size();
  const uint8_t* p = begin;
  uint64_t base = 0;
  for (size_t start = 0; start < n; start += kGroup) {
    if (p == end) return false;
    const uint8_t header = *p++;
    const int width = header & ~kBaseChanged;
    if (width > 64) return false;
    if (header & kBaseChanged) {
      uint64_t zigzag = 0;
      if (!ParseVarint64(&p, end, &zigzag)) return false;
      base += U(ZigzagDecode64(zigzag));
    }
    const size_t len = std::min(kGroup, n - start);
    const size_t bytes = PackedBytes(len, width);
    if (static_cast<size_t>(end - p) < bytes) return false;
    visit(Group{start, len, width, base, p});
    p += bytes;
  }
  return in.Skip(static_cast<size_t>(p - begin));
}

// Decodes a grouped block of n values from `in` into out, calling post(chunk, len) on each
// batch of kBatchGroups groups right after unpacking it. False if truncated or malformed.
template <typename Post>
bool GetGroupedBlock(ByteReader& in, size_t n, uint64_t* out, Post&& post) {
  constexpr size_t kBatch = kBatchGroups * kGroup;
  size_t batch_start = 0;
  return ForEachGroupedGroup(in, n, [&](const Group& group) {
    if (group.len == kGroup) {
      group.Unpack(out + group.start);
    } else {  // Unpack writes a whole group: the last one goes through a buffer.
      uint64_t values[kGroup];
      group.Unpack(values);
      std::memcpy(out + group.start, values, group.len * sizeof(uint64_t));
    }
    const size_t end = group.start + group.len;
    if (end - batch_start == kBatch || end == n) {
      post(out + batch_start, end - batch_start);
      batch_start = end;
    }
  });
}

// Post-processing of unpacked batches: none (frame of reference), one running sum (delta)
// or two (delta of delta), carried across batches.
struct NoPost {
  void operator()(uint64_t*, size_t) const {}
};

struct PrefixSum {
  uint64_t prev;  // The value before the next batch.
  void operator()(uint64_t* chunk, size_t len) {
    uint64_t value = prev;
    for (size_t j = 0; j < len; ++j) {
      value += chunk[j];
      chunk[j] = value;
    }
    prev = value;
  }
};

struct DoublePrefixSum {
  uint64_t prev;   // The value before the next batch.
  uint64_t delta;  // The difference that led to it.
  void operator()(uint64_t* chunk, size_t len) {
    uint64_t value = prev;
    uint64_t step = delta;
    for (size_t j = 0; j < len; ++j) {
      step += chunk[j];
      value += step;
      chunk[j] = value;
    }
    prev = value;
    delta = step;
  }
};

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

// Reads the tag byte of an int block.
Status ReadEncoding(ByteReader& in, IntEncoding* encoding) {
  uint8_t tag = 0;
  if (!in.GetU8(&tag)) return Corrupt("missing encoding tag");
  if (tag > static_cast<uint8_t>(IntEncoding::kGroupedDeltaOfDelta)) {
    return Corrupt("unknown encoding");
  }
  *encoding = static_cast<IntEncoding>(tag);
  return Status();
}

// Reads the body of a kPlain block of `count` values: count x fixed64.
Status ReadPlainValues(ByteReader& in, size_t count, std::string_view* bytes) {
  if (count > in.remaining() / sizeof(int64_t) || !in.GetBytes(count * sizeof(int64_t), bytes)) {
    return Corrupt("truncated plain values");
  }
  return Status();
}

// Reads the runs of a kRunLength body of `count` values, calling visit(begin, end, value) for
// each run of rows [begin, end). Corruption if truncated or a run is empty or too long.
template <typename Visit>
Status ForEachRun(ByteReader& in, size_t count, Visit&& visit) {
  uint64_t value = 0;
  size_t filled = 0;
  while (filled < count) {
    int64_t diff = 0;
    uint64_t len = 0;
    if (!in.GetZigzag64(&diff) || !in.GetVarint64(&len)) return Corrupt("truncated run");
    if (len == 0 || len > count - filled) return Corrupt("bad run length");
    value += U(diff);
    visit(filled, filled + len, value);
    filled += len;
  }
  return Status();
}

}  // namespace

std::string_view IntEncodingName(IntEncoding encoding) {
  switch (encoding) {
    case IntEncoding::kPlain: return "plain";
    case IntEncoding::kFrameOfReference: return "for";
    case IntEncoding::kDelta: return "delta";
    case IntEncoding::kDeltaOfDelta: return "delta_of_delta";
    case IntEncoding::kRunLength: return "rle";
    case IntEncoding::kGroupedFrameOfReference: return "grouped_for";
    case IntEncoding::kGroupedDelta: return "grouped_delta";
    case IntEncoding::kGroupedDeltaOfDelta: return "grouped_delta_of_delta";
  }
  return "unknown";
}

namespace {

// Appends the body of `encoding` for v[0, n). REQUIRES: n > 0; m == Measure(v, n).
void PutBody(IntEncoding encoding, const int64_t* v, size_t n, const Measurements& m,
             ByteWriter& out) {
  const auto fill_values = [v](size_t start, size_t len, uint64_t* buf) {
    for (size_t j = 0; j < len; ++j) buf[j] = U(v[start + j]);
  };
  const auto fill_deltas = [v](size_t start, size_t len, uint64_t* buf) {
    const int64_t* src = v + start;
    for (size_t j = 0; j < len; ++j) buf[j] = U(src[j + 1]) - U(src[j]);
  };
  const auto fill_dods = [v](size_t start, size_t len, uint64_t* buf) {
    const int64_t* src = v + start;
    for (size_t j = 0; j < len; ++j) {
      buf[j] = (U(src[j + 2]) - U(src[j + 1])) - (U(src[j + 1]) - U(src[j]));
    }
  };
  const bool grouped = encoding == IntEncoding::kGroupedFrameOfReference ||
                       encoding == IntEncoding::kGroupedDelta ||
                       encoding == IntEncoding::kGroupedDeltaOfDelta;
  switch (encoding) {
    case IntEncoding::kPlain:
      out.buffer().append(reinterpret_cast<const char*>(v), n * sizeof(int64_t));
      break;
    case IntEncoding::kFrameOfReference: PutPackedBlock(n, m.values.range, fill_values, out); break;
    case IntEncoding::kGroupedFrameOfReference: PutGroupedBlock(n, fill_values, out); break;
    case IntEncoding::kDelta:
    case IntEncoding::kGroupedDelta:
      out.PutZigzag64(v[0]);
      if (n < 2) break;
      if (grouped) {
        PutGroupedBlock(n - 1, fill_deltas, out);
      } else {
        PutPackedBlock(n - 1, m.deltas.range, fill_deltas, out);
      }
      break;
    case IntEncoding::kDeltaOfDelta:
    case IntEncoding::kGroupedDeltaOfDelta:
      out.PutZigzag64(v[0]);
      if (n >= 2) out.PutZigzag64(S(U(v[1]) - U(v[0])));
      if (n < 3) break;
      if (grouped) {
        PutGroupedBlock(n - 2, fill_dods, out);
      } else {
        PutPackedBlock(n - 2, m.dods.range, fill_dods, out);
      }
      break;
    case IntEncoding::kRunLength: PutRunLength(std::span<const int64_t>(v, n), out); break;
  }
}

}  // namespace

IntEncoding EncodeInts(std::span<const int64_t> values, ByteWriter& out) {
  const size_t n = values.size();
  const int64_t* v = values.data();
  if (n == 0) {
    out.PutU8(static_cast<uint8_t>(IntEncoding::kPlain));
    return IntEncoding::kPlain;
  }

  // One pass for the whole and per-group ranges of the values, differences and second
  // differences; every candidate's size below is exact.
  const Measurements m = Measure(v, n);
  const size_t first_size = VarintLength(ZigzagEncode64(v[0]));
  const size_t dod_prefix =
      first_size + (n >= 2 ? VarintLength(ZigzagEncode64(S(U(v[1]) - U(v[0])))) : 0);

  IntEncoding best = IntEncoding::kFrameOfReference;
  size_t best_size = PackedBlockSize(n, m.values.range);
  const auto consider = [&](IntEncoding encoding, size_t size) {
    if (size < best_size) {
      best = encoding;
      best_size = size;
    }
  };
  // Single-width delta at the frame-of-reference size (e.g. both widened to 24 bits by a
  // few jumps): keep delta if its stream is the more regular one, which lz4/zstd exploit.
  const size_t delta_size = first_size + (n >= 2 ? PackedBlockSize(n - 1, m.deltas.range) : 0);
  if (delta_size < best_size ||
      (delta_size == best_size && m.deltas.grouped_size < m.values.grouped_size)) {
    best = IntEncoding::kDelta;
    best_size = delta_size;
  }
  consider(IntEncoding::kDeltaOfDelta,
           dod_prefix + (n >= 3 ? PackedBlockSize(n - 2, m.dods.range) : 0));
  // Grouped blocks decode more slowly: they must save more than 1/32.
  const auto consider_grouped = [&](IntEncoding encoding, size_t size) {
    if (size + size / 32 < best_size) {
      best = encoding;
      best_size = size;
    }
  };
  consider_grouped(IntEncoding::kGroupedFrameOfReference, m.values.grouped_size);
  consider_grouped(IntEncoding::kGroupedDelta, first_size + m.deltas.grouped_size);
  consider_grouped(IntEncoding::kGroupedDeltaOfDelta, dod_prefix + m.dods.grouped_size);
  consider(IntEncoding::kRunLength, RunLengthSize(values, best_size));
  consider(IntEncoding::kPlain, n * sizeof(int64_t));

  std::string& buffer = out.buffer();  // One allocation for the body, growing geometrically.
  if (const size_t need = buffer.size() + 1 + best_size; need > buffer.capacity()) {
    buffer.reserve(std::max(need, 2 * buffer.capacity()));
  }
  out.PutU8(static_cast<uint8_t>(best));
  PutBody(best, v, n, m, out);
  return best;
}

void EncodeIntsAs(IntEncoding encoding, std::span<const int64_t> values, ByteWriter& out) {
  out.PutU8(static_cast<uint8_t>(encoding));
  if (values.empty()) return;
  PutBody(encoding, values.data(), values.size(), Measure(values.data(), values.size()), out);
}

Status DecodeInts(ByteReader& in, size_t count, int64_t* out) {
  IntEncoding encoding = IntEncoding::kPlain;
  STRATA_RETURN_IF_ERROR(ReadEncoding(in, &encoding));
  if (count == 0) return Status();
  // int64_t and uint64_t may alias; the decoders work in wrapping unsigned arithmetic.
  auto* dst = reinterpret_cast<uint64_t*>(out);
  switch (encoding) {
    case IntEncoding::kPlain: {
      std::string_view bytes;
      STRATA_RETURN_IF_ERROR(ReadPlainValues(in, count, &bytes));
      std::memcpy(out, bytes.data(), bytes.size());
      return Status();
    }
    case IntEncoding::kFrameOfReference: {
      PackedBlock block;
      if (!ReadPackedBlock(in, count, &block)) return Corrupt("truncated packed values");
      UnpackRange(block, 0, count, dst);
      return Status();
    }
    case IntEncoding::kGroupedFrameOfReference:
      if (!GetGroupedBlock(in, count, dst, NoPost())) return Corrupt("bad grouped values");
      return Status();
    case IntEncoding::kDelta:
    case IntEncoding::kGroupedDelta: {
      int64_t first = 0;
      if (!in.GetZigzag64(&first)) return Corrupt("truncated first value");
      dst[0] = U(first);
      if (count == 1) return Status();
      PrefixSum sum{U(first)};
      if (encoding == IntEncoding::kGroupedDelta) {
        if (!GetGroupedBlock(in, count - 1, dst + 1, sum)) return Corrupt("bad grouped deltas");
        return Status();
      }
      PackedBlock block;
      if (!ReadPackedBlock(in, count - 1, &block)) return Corrupt("truncated deltas");
      UnpackBlock(block, count - 1, dst + 1, sum);
      return Status();
    }
    case IntEncoding::kDeltaOfDelta:
    case IntEncoding::kGroupedDeltaOfDelta: {
      int64_t first = 0;
      if (!in.GetZigzag64(&first)) return Corrupt("truncated first value");
      dst[0] = U(first);
      if (count == 1) return Status();
      int64_t first_delta = 0;
      if (!in.GetZigzag64(&first_delta)) return Corrupt("truncated first delta");
      dst[1] = U(first) + U(first_delta);
      if (count == 2) return Status();
      DoublePrefixSum sum{dst[1], U(first_delta)};
      if (encoding == IntEncoding::kGroupedDeltaOfDelta) {
        if (!GetGroupedBlock(in, count - 2, dst + 2, sum)) {
          return Corrupt("bad grouped second deltas");
        }
        return Status();
      }
      PackedBlock block;
      if (!ReadPackedBlock(in, count - 2, &block)) return Corrupt("truncated second deltas");
      UnpackBlock(block, count - 2, dst + 2, sum);
      return Status();
    }
    case IntEncoding::kRunLength:
      return ForEachRun(in, count, [dst](size_t begin, size_t end, uint64_t value) {
        std::fill(dst + begin, dst + end, value);
      });
  }
  return Corrupt("unknown encoding");
}

}  // namespace strata::storage

// ---- Decoding selected rows.

namespace strata::storage {
namespace {

// Stores the values of the wanted rows as a decoder passes them, in row order.
class RowPicker {
 public:
  RowPicker(std::span<const uint32_t> rows, uint64_t* out) : rows_(rows), out_(out) {}

  bool done() const { return next_ == rows_.size(); }
  // Whether a wanted row lies below `end`. Every wanted row below the rows already passed
  // has been taken.
  bool Wants(size_t end) const { return !done() && rows_[next_] < end; }
  // Takes the wanted rows among [first, first + len); values[i] is row first + i.
  void Take(size_t first, size_t len, const uint64_t* values) {
    while (Wants(first + len)) {
      out_[next_] = values[rows_[next_] - first];
      ++next_;
    }
  }
  // Takes the wanted rows below `end`, all of them `value`.
  void TakeEqual(size_t end, uint64_t value) {
    while (Wants(end)) out_[next_++] = value;
  }

 private:
  std::span<const uint32_t> rows_;
  uint64_t* out_;
  size_t next_ = 0;
};

// Calls visit(group) for each group of the n-value stream that follows in `in`: a grouped
// block when `grouped`, else a single-width packed block. The errors name the stream.
template <typename Visit>
Status ForEachStreamGroup(ByteReader& in, size_t n, bool grouped, std::string_view bad_grouped,
                          std::string_view truncated, Visit&& visit) {
  if (grouped) return ForEachGroupedGroup(in, n, visit) ? Status() : Corrupt(bad_grouped);
  PackedBlock block;
  if (!ReadPackedBlock(in, n, &block)) return Corrupt(truncated);
  ForEachPackedGroup(block, n, visit);
  return Status();
}

}  // namespace

Status DecodeIntsAt(ByteReader& in, size_t count, std::span<const uint32_t> rows, int64_t* out) {
  IntEncoding encoding = IntEncoding::kPlain;
  STRATA_RETURN_IF_ERROR(ReadEncoding(in, &encoding));
  if (count == 0) return Status();
  RowPicker picker(rows, reinterpret_cast<uint64_t*>(out));
  uint64_t values[kGroup];
  // Frame of reference: only the groups holding a wanted row are unpacked.
  const auto pick_values = [&](const Group& group) {
    if (!picker.Wants(group.start + group.len)) return;
    group.Unpack(values);
    picker.Take(group.start, group.len, values);
  };
  switch (encoding) {
    case IntEncoding::kPlain: {
      std::string_view bytes;
      STRATA_RETURN_IF_ERROR(ReadPlainValues(in, count, &bytes));
      for (size_t i = 0; i < rows.size(); ++i) {
        std::memcpy(out + i, bytes.data() + size_t{rows[i]} * sizeof(int64_t), sizeof(int64_t));
      }
      return Status();
    }
    case IntEncoding::kFrameOfReference:
    case IntEncoding::kGroupedFrameOfReference:
      return ForEachStreamGroup(in, count, encoding == IntEncoding::kGroupedFrameOfReference,
                                "bad grouped values", "truncated packed values", pick_values);
    case IntEncoding::kDelta:
    case IntEncoding::kGroupedDelta: {
      int64_t first = 0;
      if (!in.GetZigzag64(&first)) return Corrupt("truncated first value");
      picker.TakeEqual(1, U(first));
      if (count == 1) return Status();
      // Difference i leads to row i + 1; `value` is the row before the group's first.
      uint64_t value = U(first);
      const Summers& summers = GroupSummers();
      const auto sum = [&](const Group& group) {
        if (picker.done()) return;
        if (!picker.Wants(group.start + 1 + group.len)) {
          value += group.Sum(summers);
          return;
        }
        group.Unpack(values);
        for (size_t j = 0; j < group.len; ++j) values[j] = value += values[j];
        picker.Take(group.start + 1, group.len, values);
      };
      return ForEachStreamGroup(in, count - 1, encoding == IntEncoding::kGroupedDelta,
                                "bad grouped deltas", "truncated deltas", sum);
    }
    case IntEncoding::kDeltaOfDelta:
    case IntEncoding::kGroupedDeltaOfDelta: {
      int64_t first = 0;
      if (!in.GetZigzag64(&first)) return Corrupt("truncated first value");
      picker.TakeEqual(1, U(first));
      if (count == 1) return Status();
      int64_t first_delta = 0;
      if (!in.GetZigzag64(&first_delta)) return Corrupt("truncated first delta");
      uint64_t value = U(first) + U(first_delta);
      uint64_t step = U(first_delta);
      picker.TakeEqual(2, value);
      if (count == 2) return Status();
      // Second difference i leads to row i + 2. A group's effect on the running value
      // depends on every value in it, so each group is unpacked until the last wanted row.
      const auto sum = [&](const Group& group) {
        if (picker.done()) return;
        group.Unpack(values);
        for (size_t j = 0; j < group.len; ++j) {
          step += values[j];
          values[j] = value += step;
        }
        picker.Take(group.start + 2, group.len, values);
      };
      return ForEachStreamGroup(in, count - 2, encoding == IntEncoding::kGroupedDeltaOfDelta,
                                "bad grouped second deltas", "truncated second deltas", sum);
    }
    case IntEncoding::kRunLength:
      return ForEachRun(in, count, [&picker](size_t, size_t end, uint64_t value) {
        picker.TakeEqual(end, value);
      });
  }
  return Corrupt("unknown encoding");
}

}  // namespace strata::storage
