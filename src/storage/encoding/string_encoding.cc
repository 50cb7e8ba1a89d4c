#include "storage/encoding/string_encoding.h"

#include <bit>
#include <cstring>
#include <functional>
#include <limits>

#include "storage/encoding/int_encoding.h"

namespace strata::storage {
namespace {

// Distinct strings of a block, numbered in first-appearance order. Open addressing over
// views into the caller's buffer: no allocation per row.
class Dictionary {
 public:
  // Returns the code of `value`, adding it when new.
  uint32_t Insert(std::string_view value) {
    if ((entries_.size() + 1) * 2 > slots_.size()) Grow();
    const uint64_t hash = std::hash<std::string_view>{}(value);
    const size_t mask = slots_.size() - 1;
    for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
      const uint32_t entry = slots_[slot];
      if (entry == 0) {
        entries_.push_back({value, hash});
        slots_[slot] = static_cast<uint32_t>(entries_.size());
        distinct_bytes_ += value.size();
        return static_cast<uint32_t>(entries_.size() - 1);
      }
      const Entry& existing = entries_[entry - 1];
      if (existing.hash == hash && existing.value == value) return entry - 1;
    }
  }

  size_t size() const { return entries_.size(); }
  size_t distinct_bytes() const { return distinct_bytes_; }
  std::string_view value(size_t code) const { return entries_[code].value; }

 private:
  struct Entry {
    std::string_view value;
    uint64_t hash;
  };

  void Grow() {
    slots_.assign(std::max<size_t>(64, slots_.size() * 2), 0);
    const size_t mask = slots_.size() - 1;
    for (size_t entry_idx = 0; entry_idx < entries_.size(); ++entry_idx) {
      size_t slot = entries_[entry_idx].hash & mask;
      while (slots_[slot] != 0) slot = (slot + 1) & mask;
      slots_[slot] = static_cast<uint32_t>(entry_idx + 1);
    }
  }

  std::vector<Entry> entries_;
  std::vector<uint32_t> slots_;  // Entry index + 1, or 0 for empty; size is a power of two.
  size_t distinct_bytes_ = 0;
};

Status Corrupt(std::string_view what) {
  return Status::Corruption(std::string("string block: ") + std::string(what));
}

// Decodes `count` lengths and turns them into offsets[0..count] from 0, checking that the
// total fits in uint32 and in `limit` bytes.
Status DecodeLengths(ByteReader& in, size_t count, size_t limit, std::vector<int64_t>& scratch,
                     std::vector<uint32_t>& offsets) {
  scratch.resize(count);
  STRATA_RETURN_IF_ERROR(DecodeInts(in, count, scratch.data()));
  offsets.resize(count + 1);
  offsets[0] = 0;
  uint64_t total = 0;
  for (size_t row_idx = 0; row_idx < count; ++row_idx) {
    const int64_t len = scratch[row_idx];
    if (len < 0 || static_cast<uint64_t>(len) > limit - total) return Corrupt("bad length");
    total += static_cast<uint64_t>(len);
    offsets[row_idx + 1] = static_cast<uint32_t>(total);
  }
  return Status();
}

}  // namespace

std::string_view StringEncodingName(StringEncoding encoding) {
  switch (encoding) {
    case StringEncoding::kPlain: return "plain";
    case StringEncoding::kDictionary: return "dictionary";
  }
  return "unknown";
}

namespace {

// The dictionary body: size, entry lengths, entry bytes, then one code per string.
void PutDictionaryBody(std::span<const std::string_view> entries, size_t entry_bytes,
                       std::span<const int64_t> codes, ByteWriter& body) {
  body.PutVarint64(entries.size());
  std::vector<int64_t> lengths(entries.size());
  for (size_t code = 0; code < entries.size(); ++code) {
    lengths[code] = static_cast<int64_t>(entries[code].size());
  }
  EncodeInts(lengths, body);
  body.buffer().reserve(body.size() + entry_bytes);
  for (std::string_view entry : entries) body.PutBytes(entry);
  EncodeInts(codes, body);
}

// Writes the dictionary body when it is smaller than the plain one, else the plain body.
StringEncoding PutSmaller(ByteWriter& plain_lengths, size_t plain_bytes,
                          const std::function<void(ByteWriter&)>& put_plain_bytes,
                          const ByteWriter* dictionary_body, ByteWriter& out) {
  const size_t plain_size = plain_lengths.size() + plain_bytes;
  if (dictionary_body != nullptr && dictionary_body->size() < plain_size) {
    out.PutU8(static_cast<uint8_t>(StringEncoding::kDictionary));
    out.PutBytes(dictionary_body->buffer());
    return StringEncoding::kDictionary;
  }
  out.PutU8(static_cast<uint8_t>(StringEncoding::kPlain));
  out.PutBytes(plain_lengths.buffer());
  put_plain_bytes(out);
  return StringEncoding::kPlain;
}

}  // namespace

StringEncoding EncodeStrings(std::span<const uint32_t> offsets, std::string_view chars,
                             ByteWriter& out) {
  const size_t count = offsets.empty() ? 0 : offsets.size() - 1;
  const auto string_at = [&](size_t row_idx) {
    return chars.substr(offsets[row_idx], offsets[row_idx + 1] - offsets[row_idx]);
  };
  const std::string_view all_bytes =
      count == 0 ? std::string_view() : chars.substr(offsets[0], offsets[count] - offsets[0]);

  std::vector<int64_t> ints(count);
  for (size_t row_idx = 0; row_idx < count; ++row_idx) {
    ints[row_idx] = offsets[row_idx + 1] - offsets[row_idx];
  }
  ByteWriter plain_lengths;
  EncodeInts(ints, plain_lengths);
  const size_t plain_size = plain_lengths.size() + all_bytes.size();

  // The dictionary body is at least its distinct bytes plus kMinOverhead (size varint and
  // two EncodeInts tags and bodies), so it cannot win once that reaches the plain size.
  constexpr size_t kMinOverhead = 5;
  Dictionary dictionary;
  bool dictionary_possible = count > 1;
  for (size_t row_idx = 0; row_idx < count && dictionary_possible; ++row_idx) {
    ints[row_idx] = dictionary.Insert(string_at(row_idx));
    dictionary_possible = dictionary.distinct_bytes() + kMinOverhead < plain_size;
  }
  ByteWriter body;
  if (dictionary_possible) {
    std::vector<std::string_view> entries(dictionary.size());
    for (size_t code = 0; code < dictionary.size(); ++code) entries[code] = dictionary.value(code);
    PutDictionaryBody(entries, dictionary.distinct_bytes(), ints, body);
  }
  return PutSmaller(
      plain_lengths, all_bytes.size(), [&](ByteWriter& w) { w.PutBytes(all_bytes); },
      dictionary_possible ? &body : nullptr, out);
}

StringEncoding EncodeDictionaryStrings(std::span<const uint32_t> entry_offsets,
                                       std::string_view entry_chars,
                                       std::span<const uint32_t> codes, ByteWriter& out) {
  const size_t count = codes.size();
  const auto entry_at = [&](uint32_t entry) {
    return entry_chars.substr(entry_offsets[entry],
                              entry_offsets[entry + 1] - entry_offsets[entry]);
  };
  // Renumbers the entries the strings use in first-appearance order: a lookup per row in
  // an array, no hashing.
  std::vector<uint32_t> local(entry_offsets.size() - 1, UINT32_MAX);
  std::vector<std::string_view> entries;
  std::vector<int64_t> lengths(count);
  std::vector<int64_t> local_codes(count);
  size_t entry_bytes = 0;
  size_t plain_bytes = 0;
  for (size_t row_idx = 0; row_idx < count; ++row_idx) {
    uint32_t& code = local[codes[row_idx]];
    const std::string_view value = entry_at(codes[row_idx]);
    if (code == UINT32_MAX) {
      code = static_cast<uint32_t>(entries.size());
      entries.push_back(value);
      entry_bytes += value.size();
    }
    local_codes[row_idx] = code;
    lengths[row_idx] = static_cast<int64_t>(value.size());
    plain_bytes += value.size();
  }
  ByteWriter plain_lengths;
  EncodeInts(lengths, plain_lengths);
  ByteWriter body;
  const bool dictionary_possible = count > 1;
  if (dictionary_possible) PutDictionaryBody(entries, entry_bytes, local_codes, body);
  return PutSmaller(
      plain_lengths, plain_bytes,
      [&](ByteWriter& w) {
        w.buffer().reserve(w.size() + plain_bytes);
        for (uint32_t code : codes) w.PutBytes(entry_at(code));
      },
      dictionary_possible ? &body : nullptr, out);
}

namespace {

// DecodeStrings, keeping a dictionary block in dictionary form when `codes` is given, and
// decoding only the strings at `*rows` when it is given (then `codes` must be too).
Result<bool> DecodeStringBlock(ByteReader& in, size_t count, std::vector<uint32_t>& offsets,
                               std::string& chars, std::vector<uint32_t>* codes,
                               const std::span<const uint32_t>* rows = nullptr) {
  constexpr size_t kMaxBytes = std::numeric_limits<uint32_t>::max();
  chars.clear();
  uint8_t tag = 0;
  if (!in.GetU8(&tag)) return Corrupt("missing encoding tag");
  std::vector<int64_t> scratch;
  switch (static_cast<StringEncoding>(tag)) {
    case StringEncoding::kPlain: {
      STRATA_RETURN_IF_ERROR(
          DecodeLengths(in, count, std::min(kMaxBytes, in.remaining()), scratch, offsets));
      std::string_view bytes;
      if (!in.GetBytes(offsets[count], &bytes)) return Corrupt("truncated bytes");
      if (codes != nullptr) codes->clear();
      if (rows == nullptr) {
        chars.assign(bytes);
        return false;
      }
      std::vector<uint32_t> picked(rows->size() + 1);
      for (size_t i = 0; i < rows->size(); ++i) {
        const uint32_t row = (*rows)[i];
        const uint32_t begin = offsets[row];
        picked[i + 1] = picked[i] + (offsets[row + 1] - begin);
        chars.append(bytes.data() + begin, offsets[row + 1] - begin);
      }
      offsets = std::move(picked);
      return false;
    }
    case StringEncoding::kDictionary: {
      uint64_t dictionary_size = 0;
      if (!in.GetVarint64(&dictionary_size) || dictionary_size > count) {
        return Corrupt("bad dictionary size");
      }
      std::vector<uint32_t> dictionary_offsets;
      STRATA_RETURN_IF_ERROR(DecodeLengths(in, dictionary_size, std::min(kMaxBytes, in.remaining()),
                                           scratch, dictionary_offsets));
      std::string_view dictionary_bytes;
      if (!in.GetBytes(dictionary_offsets[dictionary_size], &dictionary_bytes)) {
        return Corrupt("truncated dictionary");
      }
      if (rows != nullptr) {
        scratch.resize(rows->size());
        STRATA_RETURN_IF_ERROR(DecodeIntsAt(in, count, *rows, scratch.data()));
      } else {
        scratch.resize(count);
        STRATA_RETURN_IF_ERROR(DecodeInts(in, count, scratch.data()));
      }
      if (codes != nullptr) {
        codes->resize(scratch.size());
        for (size_t row_idx = 0; row_idx < scratch.size(); ++row_idx) {
          const uint64_t code = static_cast<uint64_t>(scratch[row_idx]);
          if (code >= dictionary_size) return Corrupt("dictionary code out of range");
          (*codes)[row_idx] = static_cast<uint32_t>(code);
        }
        offsets = std::move(dictionary_offsets);
        chars.assign(dictionary_bytes);
        return true;
      }
      offsets.resize(count + 1);
      offsets[0] = 0;
      uint64_t total = 0;
      for (size_t row_idx = 0; row_idx < count; ++row_idx) {
        const uint64_t code = static_cast<uint64_t>(scratch[row_idx]);
        if (code >= dictionary_size) return Corrupt("dictionary code out of range");
        total += dictionary_offsets[code + 1] - dictionary_offsets[code];
        if (total > kMaxBytes) return Corrupt("strings exceed 4 GiB");
        offsets[row_idx + 1] = static_cast<uint32_t>(total);
      }
      chars.resize(total);
      char* dst = chars.data();
      for (size_t row_idx = 0; row_idx < count; ++row_idx) {
        const auto code = static_cast<size_t>(scratch[row_idx]);
        const uint32_t begin = dictionary_offsets[code];
        std::memcpy(dst + offsets[row_idx], dictionary_bytes.data() + begin,
                    dictionary_offsets[code + 1] - begin);
      }
      return false;
    }
  }
  return Corrupt("unknown encoding");
}

}  // namespace

Status DecodeStrings(ByteReader& in, size_t count, std::vector<uint32_t>& offsets,
                     std::string& chars) {
  return DecodeStringBlock(in, count, offsets, chars, nullptr).status();
}

Result<bool> DecodeStringsKeepingDictionary(ByteReader& in, size_t count,
                                            std::vector<uint32_t>& offsets, std::string& chars,
                                            std::vector<uint32_t>& codes) {
  return DecodeStringBlock(in, count, offsets, chars, &codes);
}

Result<bool> DecodeStringsAt(ByteReader& in, size_t count, std::span<const uint32_t> rows,
                             std::vector<uint32_t>& offsets, std::string& chars,
                             std::vector<uint32_t>& codes) {
  return DecodeStringBlock(in, count, offsets, chars, &codes, &rows);
}

}  // namespace strata::storage
