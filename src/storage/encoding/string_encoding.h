// Encodings for blocks of variable-length strings (byte strings; no UTF-8 checks).
//
// In memory a block of `count` strings is `offsets` (count + 1 entries, non-decreasing) plus
// `chars`: string i is chars[offsets[i], offsets[i + 1]). Decoding always produces
// offsets[0] == 0 and chars holding exactly the strings' bytes.
//
// Format: one tag byte (StringEncoding), then the body; `count` is kept by the caller.
//   kPlain       EncodeInts(lengths) | the strings' bytes, concatenated.
//   kDictionary  varint dictionary size | EncodeInts(dictionary lengths) |
//                dictionary bytes | EncodeInts(codes), one code per string.
//                The dictionary holds the distinct strings in first-appearance order, so
//                runs of equal strings become RLE codes and sorted data packs tightly.
// Thread safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "storage/encoding/byte_io.h"

namespace strata::storage {

enum class StringEncoding : uint8_t { kPlain = 0, kDictionary = 1 };

// "plain", "dictionary" (or "unknown").
std::string_view StringEncodingName(StringEncoding encoding);

// Appends a tag byte plus the body of the smaller encoding for the strings and returns it.
// Dictionary building allocates per distinct string at most, never per row.
// REQUIRES: offsets is empty (no strings) or non-decreasing with offsets.back() <=
// chars.size(); string i is chars[offsets[i], offsets[i + 1]), so offsets[0] may be > 0.
StringEncoding EncodeStrings(std::span<const uint32_t> offsets, std::string_view chars,
                             ByteWriter& out);

// EncodeStrings for strings in dictionary form: string i is entry codes[i], entry e being
// entry_chars[entry_offsets[e], entry_offsets[e + 1]). Writes the same formats, and finds the
// distinct strings through the codes instead of hashing every string.
// REQUIRES: every code < entry_offsets.size() - 1.
StringEncoding EncodeDictionaryStrings(std::span<const uint32_t> entry_offsets,
                                       std::string_view entry_chars,
                                       std::span<const uint32_t> codes, ByteWriter& out);

// Decodes exactly `count` strings written by EncodeStrings, replacing `offsets` (count + 1
// entries, offsets[0] == 0) and `chars`, and leaves `in` just past them. Malformed or
// truncated input (including a dictionary code out of range, or more than 4 GiB of string
// bytes) gives Corruption; offsets and chars are then unspecified.
[[nodiscard]] Status DecodeStrings(ByteReader& in, size_t count, std::vector<uint32_t>& offsets,
                                   std::string& chars);

// Like DecodeStrings, but a dictionary block stays in dictionary form: `offsets` and `chars`
// receive the entries and `codes` one entry number per string, and the result is true. A
// plain block decodes as by DecodeStrings, with `codes` emptied, and the result is false.
Result<bool> DecodeStringsKeepingDictionary(ByteReader& in, size_t count,
                                            std::vector<uint32_t>& offsets, std::string& chars,
                                            std::vector<uint32_t>& codes);

// DecodeStringsKeepingDictionary for the strings at `rows` only: a dictionary block gives
// every entry and one code per wanted row (through DecodeIntsAt), a plain block the wanted
// strings. Checks the whole block and leaves `in` just past it.
// REQUIRES: rows ascending, each < count.
Result<bool> DecodeStringsAt(ByteReader& in, size_t count, std::span<const uint32_t> rows,
                             std::vector<uint32_t>& offsets, std::string& chars,
                             std::vector<uint32_t>& codes);

}  // namespace strata::storage
