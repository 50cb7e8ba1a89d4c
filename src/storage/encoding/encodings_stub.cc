#include "storage/encoding/encodings_stub.h"
#include <cstring>
namespace strata::storage {
IntEncoding EncodeInts(std::span<const int64_t> v, ByteWriter& out) { out.PutBytes({reinterpret_cast<const char*>(v.data()), v.size()*8}); return IntEncoding::kPlain; }
Status DecodeInts(ByteReader& in, size_t n, int64_t* out) { std::string_view b; if (!in.GetBytes(n*8,&b)) return Status::Corruption("x"); std::memcpy(out,b.data(),b.size()); return {}; }
FloatEncoding EncodeDoubles(std::span<const double> v, ByteWriter& out) { out.PutBytes({reinterpret_cast<const char*>(v.data()), v.size()*8}); return FloatEncoding::kPlain; }
Status DecodeDoubles(ByteReader& in, size_t n, double* out) { std::string_view b; if (!in.GetBytes(n*8,&b)) return Status::Corruption("x"); std::memcpy(out,b.data(),b.size()); return {}; }
void EncodeBools(std::span<const uint8_t> v, ByteWriter& out) { out.PutBytes({reinterpret_cast<const char*>(v.data()), v.size()}); }
Status DecodeBools(ByteReader& in, size_t n, uint8_t* out) { std::string_view b; if (!in.GetBytes(n,&b)) return Status::Corruption("x"); std::memcpy(out,b.data(),b.size()); return {}; }
StringEncoding EncodeStrings(std::span<const uint32_t> o, std::string_view c, ByteWriter& out) {
  for (size_t i = 0; i + 1 < o.size(); ++i) out.PutLengthPrefixed(c.substr(o[i], o[i+1]-o[i]));
  return StringEncoding::kPlain; }
Status DecodeStrings(ByteReader& in, size_t n, std::vector<uint32_t>& o, std::string& c) { o.assign(1,0); c.clear();
  for (size_t i = 0; i < n; ++i) { std::string_view s; if (!in.GetLengthPrefixed(&s)) return Status::Corruption("x"); c.append(s); o.push_back(c.size()); }
  return {}; }
std::string_view CompressionName(Compression c) { return c == Compression::kNone ? "none" : c == Compression::kLz4 ? "lz4" : "zstd"; }
std::optional<Compression> ParseCompression(std::string_view n) { if (n=="none") return Compression::kNone; if (n=="lz4") return Compression::kLz4; if (n=="zstd") return Compression::kZstd; return std::nullopt; }
Compression Compress(Compression, std::string_view in, std::string& out, int) { out.assign(in); return Compression::kNone; }
Status Decompress(Compression c, std::string_view in, size_t raw, std::string& out) { if (c != Compression::kNone || in.size() != raw) return Status::Corruption("x"); out.assign(in); return {}; }
}
