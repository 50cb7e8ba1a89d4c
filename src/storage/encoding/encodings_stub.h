// TEMPORARY stand-in (replaced by the encoding module).
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>
#include "common/status.h"
#include "storage/encoding/byte_io.h"
namespace strata::storage {
enum class IntEncoding : uint8_t { kPlain = 0 };
IntEncoding EncodeInts(std::span<const int64_t> values, ByteWriter& out);
Status DecodeInts(ByteReader& in, size_t count, int64_t* out);
enum class FloatEncoding : uint8_t { kPlain = 0 };
FloatEncoding EncodeDoubles(std::span<const double> values, ByteWriter& out);
Status DecodeDoubles(ByteReader& in, size_t count, double* out);
void EncodeBools(std::span<const uint8_t> values, ByteWriter& out);
Status DecodeBools(ByteReader& in, size_t count, uint8_t* out);
enum class StringEncoding : uint8_t { kPlain = 0 };
StringEncoding EncodeStrings(std::span<const uint32_t> offsets, std::string_view chars, ByteWriter& out);
Status DecodeStrings(ByteReader& in, size_t count, std::vector<uint32_t>& offsets, std::string& chars);
enum class Compression : uint8_t { kNone = 0, kLz4 = 1, kZstd = 2 };
std::string_view CompressionName(Compression c);
std::optional<Compression> ParseCompression(std::string_view name);
Compression Compress(Compression codec, std::string_view input, std::string& out, int zstd_level = 1);
Status Decompress(Compression codec, std::string_view input, size_t raw_size, std::string& out);
}
