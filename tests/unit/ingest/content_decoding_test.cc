#include "ingest/content_decoding.h"

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "test_util.h"

namespace strata::ingest {
namespace {

constexpr ContentCoding kAllCodings[] = {ContentCoding::kGzip, ContentCoding::kZstd,
                                         ContentCoding::kBrotli};

// ---- Encoders: the test compresses with the same libraries the decoder uses. ----

// Compresses `size` bytes produced by `fill(offset, piece)` with a streaming encoder, so a
// large input (a zip bomb) never has to exist in memory.
using Filler = void (*)(size_t offset, std::string& piece);

void Zeros(size_t /*offset*/, std::string& piece) { std::fill(piece.begin(), piece.end(), '\0'); }

std::string GzipStream(size_t size, Filler fill, int level = 6) {
  z_stream strm{};
  EXPECT_EQ(deflateInit2(&strm, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out, piece;
  char buffer[1 << 16];
  size_t offset = 0;
  int rc = Z_OK;
  do {
    const size_t n = std::min<size_t>(size - offset, 1 << 20);
    piece.resize(n);
    fill(offset, piece);
    offset += n;
    const int flush = offset == size ? Z_FINISH : Z_NO_FLUSH;
    strm.next_in = reinterpret_cast<Bytef*>(piece.data());
    strm.avail_in = static_cast<uInt>(n);
    do {
      strm.next_out = reinterpret_cast<Bytef*>(buffer);
      strm.avail_out = sizeof(buffer);
      rc = deflate(&strm, flush);
      EXPECT_NE(rc, Z_STREAM_ERROR);
      out.append(buffer, sizeof(buffer) - strm.avail_out);
    } while (strm.avail_out == 0);
  } while (offset < size);
  EXPECT_EQ(rc, Z_STREAM_END);
  deflateEnd(&strm);
  return out;
}

// Zstandard frames from the streaming API; the frame header has no content size.
std::string ZstdStream(size_t size, Filler fill, int window_log = 0) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
  if (window_log != 0) ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, window_log);
  std::string out, piece;
  char buffer[1 << 16];
  size_t offset = 0;
  bool finished = false;
  while (!finished) {
    const size_t n = std::min<size_t>(size - offset, 1 << 20);
    piece.resize(n);
    fill(offset, piece);
    offset += n;
    // ZSTD_e_continue first, even for the last piece, keeps the content size unknown.
    for (ZSTD_EndDirective mode : {ZSTD_e_continue, ZSTD_e_end}) {
      if (mode == ZSTD_e_end && offset < size) break;
      ZSTD_inBuffer in{piece.data(), mode == ZSTD_e_continue ? n : 0, 0};
      size_t remaining;
      do {
        ZSTD_outBuffer obuf{buffer, sizeof(buffer), 0};
        remaining = ZSTD_compressStream2(cctx, &obuf, &in, mode);
        EXPECT_FALSE(ZSTD_isError(remaining)) << ZSTD_getErrorName(remaining);
        out.append(buffer, obuf.pos);
      } while (mode == ZSTD_e_end ? remaining != 0 : in.pos < in.size);
      if (mode == ZSTD_e_end) finished = true;
    }
  }
  ZSTD_freeCCtx(cctx);
  return out;
}

std::string BrotliStream(size_t size, Filler fill) {
  BrotliEncoderState* state = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
  BrotliEncoderSetParameter(state, BROTLI_PARAM_QUALITY, 1);
  std::string out, piece;
  uint8_t buffer[1 << 16];
  size_t offset = 0;
  do {
    const size_t n = std::min<size_t>(size - offset, 1 << 20);
    piece.resize(n);
    fill(offset, piece);
    offset += n;
    const BrotliEncoderOperation op =
        offset == size ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS;
    size_t avail_in = n;
    const uint8_t* next_in = reinterpret_cast<const uint8_t*>(piece.data());
    while (avail_in > 0 || BrotliEncoderHasMoreOutput(state) ||
           (op == BROTLI_OPERATION_FINISH && !BrotliEncoderIsFinished(state))) {
      size_t avail_out = sizeof(buffer);
      uint8_t* next_out = buffer;
      EXPECT_TRUE(BrotliEncoderCompressStream(state, op, &avail_in, &next_in, &avail_out, &next_out,
                                              nullptr));
      out.append(reinterpret_cast<char*>(buffer), sizeof(buffer) - avail_out);
    }
  } while (offset < size);
  BrotliEncoderDestroyInstance(state);
  return out;
}

std::string Gzip(std::string_view data) {
  z_stream strm{};
  EXPECT_EQ(deflateInit2(&strm, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&strm, data.size()), '\0');
  strm.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  strm.avail_in = static_cast<uInt>(data.size());
  strm.next_out = reinterpret_cast<Bytef*>(out.data());
  strm.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&strm, Z_FINISH), Z_STREAM_END);
  out.resize(strm.total_out);
  deflateEnd(&strm);
  return out;
}

// A single frame with the content size in its header (the common case).
std::string Zstd(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::string Brotli(std::string_view data) {
  size_t size = BrotliEncoderMaxCompressedSize(data.size());
  if (size == 0) size = 64;
  std::string out(size, '\0');
  EXPECT_TRUE(BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, data.size(),
                                    reinterpret_cast<const uint8_t*>(data.data()), &size,
                                    reinterpret_cast<uint8_t*>(out.data())));
  out.resize(size);
  return out;
}

std::string Encode(ContentCoding coding, std::string_view data) {
  switch (coding) {
    case ContentCoding::kGzip: return Gzip(data);
    case ContentCoding::kZstd: return Zstd(data);
    case ContentCoding::kBrotli: return Brotli(data);
  }
  return "";
}

// Applies `codings` in order, as a client does for "Content-Encoding: a, b".
std::string EncodeAll(std::string_view data, std::span<const ContentCoding> codings) {
  std::string out(data);
  for (ContentCoding coding : codings) out = Encode(coding, out);
  return out;
}

std::string Text(size_t size) {
  std::string text;
  for (size_t i = 0; text.size() < size; ++i) {
    text += "{\"ts\":" + std::to_string(1700000000 + i) + ",\"host\":\"web-0" +
            std::to_string(i % 7) + "\",\"level\":\"info\"}\n";
  }
  text.resize(size);
  return text;
}

std::string Random(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string data(size, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  return data;
}

std::string Name(ContentCoding coding) { return std::string(ContentCodingName(coding)); }

// Feeds `body` in pieces of `piece` bytes and returns the decoded bytes or the first error.
Result<std::string> DecodeInPieces(std::string_view body, std::span<const ContentCoding> codings,
                                   size_t limit, size_t piece) {
  std::string out;
  STRATA_ASSIGN_OR_RETURN(BodyDecoder decoder,
                          BodyDecoder::Create(codings, limit, [&](std::string_view decoded) {
                            out.append(decoded);
                            return Status();
                          }));
  for (size_t offset = 0; offset < body.size(); offset += piece) {
    STRATA_RETURN_IF_ERROR(decoder.Feed(body.substr(offset, piece)));
  }
  STRATA_RETURN_IF_ERROR(decoder.Finish());
  EXPECT_EQ(decoder.decoded_bytes(), out.size());
  return out;
}

constexpr size_t kNoLimit = size_t{1} << 40;

// ---- ParseContentEncoding ----

std::vector<ContentCoding> Parsed(std::string_view header) {
  Result<std::vector<ContentCoding>> codings = ParseContentEncoding(header);
  EXPECT_TRUE(codings.ok()) << header << ": " << codings.status().ToString();
  return codings.ok() ? *codings : std::vector<ContentCoding>{};
}

TEST(ContentEncodingParseTest, SingleCodings) {
  using V = std::vector<ContentCoding>;
  EXPECT_EQ(Parsed("gzip"), V{ContentCoding::kGzip});
  EXPECT_EQ(Parsed("x-gzip"), V{ContentCoding::kGzip});
  EXPECT_EQ(Parsed("zstd"), V{ContentCoding::kZstd});
  EXPECT_EQ(Parsed("br"), V{ContentCoding::kBrotli});
}

TEST(ContentEncodingParseTest, CaseAndWhitespaceAreIgnored) {
  using V = std::vector<ContentCoding>;
  EXPECT_EQ(Parsed("GZIP"), V{ContentCoding::kGzip});
  EXPECT_EQ(Parsed("X-Gzip"), V{ContentCoding::kGzip});
  EXPECT_EQ(Parsed("  ZStd\t"), V{ContentCoding::kZstd});
  EXPECT_EQ(Parsed("\tBR "), V{ContentCoding::kBrotli});
  EXPECT_EQ(Parsed("gzip,zstd"), (V{ContentCoding::kGzip, ContentCoding::kZstd}));
  EXPECT_EQ(Parsed(" gzip ,\t br  "), (V{ContentCoding::kGzip, ContentCoding::kBrotli}));
}

TEST(ContentEncodingParseTest, ListIsInTheOrderApplied) {
  using V = std::vector<ContentCoding>;
  EXPECT_EQ(Parsed("gzip, zstd"), (V{ContentCoding::kGzip, ContentCoding::kZstd}));
  EXPECT_EQ(Parsed("zstd, gzip"), (V{ContentCoding::kZstd, ContentCoding::kGzip}));
  EXPECT_EQ(Parsed("br, gzip, gzip"),
            (V{ContentCoding::kBrotli, ContentCoding::kGzip, ContentCoding::kGzip}));
}

TEST(ContentEncodingParseTest, IdentityAndEmptyItemsAreSkipped) {
  using V = std::vector<ContentCoding>;
  EXPECT_EQ(Parsed(""), V{});
  EXPECT_EQ(Parsed("   "), V{});
  EXPECT_EQ(Parsed("identity"), V{});
  EXPECT_EQ(Parsed("Identity, IDENTITY"), V{});
  EXPECT_EQ(Parsed("identity, gzip"), V{ContentCoding::kGzip});
  EXPECT_EQ(Parsed(", gzip,, ,zstd,"), (V{ContentCoding::kGzip, ContentCoding::kZstd}));
}

TEST(ContentEncodingParseTest, UnknownCodingIs415) {
  for (std::string_view header : {"deflate", "compress", "x-compress", "gzip, lz4", "gzip;q=1",
                                  "gzip zstd", "gzipp", "br,snappy", "*", "\"gzip\"", "gz ip"}) {
    Result<std::vector<ContentCoding>> codings = ParseContentEncoding(header);
    ASSERT_FALSE(codings.ok()) << header;
    const Status& status = codings.status();
    EXPECT_EQ(status.code(), StatusCode::kUnsupportedMediaType) << header;
    EXPECT_EQ(status.problem_code(), "unsupported_content_encoding");
    EXPECT_NE(status.message().find("gzip, br, zstd"), std::string_view::npos) << status.message();
    ASSERT_EQ(status.errors().size(), 1u);
    EXPECT_EQ(status.errors()[0].location, ErrorDetail::Location::kHeader);
    EXPECT_EQ(status.errors()[0].where, "Content-Encoding");
  }
  Status lz4 = ParseContentEncoding("gzip, LZ4").status();
  EXPECT_NE(lz4.message().find("'lz4'"), std::string_view::npos) << lz4.message();
  Status typo = ParseContentEncoding("gzipp").status();
  EXPECT_NE(typo.message().find("did you mean 'gzip'"), std::string_view::npos) << typo.message();
}

TEST(ContentEncodingParseTest, UnknownCodingIsNotEchoedAtLength) {
  const std::string header = "gzip, " + std::string(10000, 'q');
  Status status = ParseContentEncoding(header).status();
  EXPECT_EQ(status.code(), StatusCode::kUnsupportedMediaType);
  EXPECT_LT(status.message().size(), 300u) << status.message();
}

TEST(ContentEncodingParseTest, TooManyCodingsIs400) {
  EXPECT_EQ(Parsed("gzip, gzip, zstd, br").size(), kMaxContentCodings);
  EXPECT_EQ(Parsed("gzip, identity, gzip, zstd, identity, br").size(), kMaxContentCodings);
  Status status = ParseContentEncoding("gzip, gzip, gzip, gzip, gzip").status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.problem_code(), "too_many_content_codings");
  EXPECT_NE(status.message().find(std::to_string(kMaxContentCodings)), std::string_view::npos);
}

TEST(ContentEncodingParseTest, NamesRoundTripAndSupportedListParses) {
  for (ContentCoding coding : kAllCodings) {
    EXPECT_EQ(Parsed(ContentCodingName(coding)), std::vector<ContentCoding>{coding});
  }
  EXPECT_EQ(ContentCodingName(ContentCoding::kBrotli), "br");
  std::vector<ContentCoding> supported = Parsed(kSupportedContentEncodings);
  std::sort(supported.begin(), supported.end());
  EXPECT_EQ(supported, std::vector<ContentCoding>(std::begin(kAllCodings), std::end(kAllCodings)));
}

// ---- Round trips ----

TEST(DecodeBodyTest, RoundTripsEachCoding) {
  for (ContentCoding coding : kAllCodings) {
    for (const std::string& input :
         {std::string(), std::string("x"), Text(1000), Text(300000), Random(200000, 7)}) {
      const ContentCoding codings[] = {coding};
      ASSERT_OK_AND_ASSIGN(std::string decoded,
                           DecodeBody(Encode(coding, input), codings, kNoLimit));
      EXPECT_EQ(decoded, input) << Name(coding) << " " << input.size();
    }
  }
}

TEST(DecodeBodyTest, OutputOfWholeChunksRoundTrips) {
  // A stream that ends exactly when an output chunk fills up must still count as complete,
  // also when another gzip member or zstd frame follows.
  for (ContentCoding coding : kAllCodings) {
    for (size_t size : {kDecodeChunkBytes, 2 * kDecodeChunkBytes, 3 * kDecodeChunkBytes}) {
      SCOPED_TRACE(Name(coding) + " " + std::to_string(size));
      const ContentCoding codings[] = {coding};
      const std::string input = Text(size);
      const std::string body = Encode(coding, input);
      for (size_t piece : {size_t{1}, size_t{1000}, kNoLimit}) {
        ASSERT_OK_AND_ASSIGN(std::string single, DecodeInPieces(body, codings, kNoLimit, piece));
        EXPECT_TRUE(single == input) << piece;
        if (coding == ContentCoding::kBrotli) continue;  // One stream only (see below).
        ASSERT_OK_AND_ASSIGN(std::string twice,
                             DecodeInPieces(body + body, codings, kNoLimit, piece));
        EXPECT_TRUE(twice == input + input) << piece;
      }
    }
  }
}

TEST(DecodeBodyTest, StreamingEncodersRoundTrip) {
  // Multi-block streams; zstd without a content size in the frame header.
  auto fill = [](size_t offset, std::string& piece) {
    for (size_t i = 0; i < piece.size(); ++i) piece[i] = static_cast<char>((offset + i) % 251);
  };
  const size_t size = 3 << 20;
  std::string expected(size, '\0');
  fill(0, expected);
  const std::string zstd = ZstdStream(size, fill);
  ASSERT_EQ(ZSTD_getFrameContentSize(zstd.data(), zstd.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  for (auto [coding, body] : {std::pair{ContentCoding::kGzip, GzipStream(size, fill)},
                              std::pair{ContentCoding::kZstd, zstd},
                              std::pair{ContentCoding::kBrotli, BrotliStream(size, fill)}}) {
    const ContentCoding codings[] = {coding};
    ASSERT_OK_AND_ASSIGN(std::string decoded, DecodeBody(body, codings, kNoLimit));
    EXPECT_TRUE(decoded == expected) << Name(coding);
  }
}

TEST(DecodeBodyTest, EmptyBodyIsEmptyForEveryCoding) {
  for (ContentCoding coding : kAllCodings) {
    const ContentCoding codings[] = {coding};
    ASSERT_OK_AND_ASSIGN(std::string decoded, DecodeBody("", codings, kNoLimit));
    EXPECT_EQ(decoded, "") << Name(coding);
    // An encoded empty body too, even with a limit of 0.
    ASSERT_OK_AND_ASSIGN(decoded, DecodeBody(Encode(coding, ""), codings, 0));
    EXPECT_EQ(decoded, "") << Name(coding);
  }
  const ContentCoding stacked[] = {ContentCoding::kGzip, ContentCoding::kZstd};
  ASSERT_OK_AND_ASSIGN(std::string decoded, DecodeBody("", stacked, 0));
  EXPECT_EQ(decoded, "");
}

TEST(DecodeBodyTest, IdentityCopiesTheBody) {
  ASSERT_OK_AND_ASSIGN(std::string decoded, DecodeBody("{\"a\":1}", {}, kNoLimit));
  EXPECT_EQ(decoded, "{\"a\":1}");
  ASSERT_OK_AND_ASSIGN(decoded, DecodeBody("{\"a\":1}", Parsed("identity"), 7));
  EXPECT_EQ(decoded, "{\"a\":1}");
  Status status = DecodeBody("{\"a\":1}", {}, 6).status();
  EXPECT_EQ(status.code(), StatusCode::kPayloadTooLarge) << status.ToString();
}

TEST(DecodeBodyTest, StackedCodingsAreUndoneInReverseOrder) {
  const std::string input = Text(100000);
  // "gzip, zstd": gzip was applied first, so the body is zstd(gzip(input)).
  const std::vector<ContentCoding> codings = Parsed("gzip, zstd");
  const std::string body = Zstd(Gzip(input));
  ASSERT_EQ(EncodeAll(input, codings), body);
  ASSERT_OK_AND_ASSIGN(std::string decoded, DecodeBody(body, codings, kNoLimit));
  EXPECT_EQ(decoded, input);

  // The other order fails on the outer layer, naming it.
  Status wrong = DecodeBody(Gzip(Zstd(input)), codings, kNoLimit).status();
  EXPECT_EQ(wrong.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(wrong.message().starts_with("zstd body")) << wrong.message();

  for (std::string_view header :
       {"br, gzip, zstd", "zstd, br", "gzip, gzip", "br, identity, br", "zstd, zstd, gzip, br"}) {
    const std::vector<ContentCoding> list = Parsed(header);
    ASSERT_OK_AND_ASSIGN(decoded, DecodeBody(EncodeAll(input, list), list, kNoLimit));
    EXPECT_EQ(decoded, input) << header;
  }
}

TEST(DecodeBodyTest, TooManyCodingsAre400) {
  const std::vector<ContentCoding> codings(kMaxContentCodings + 1, ContentCoding::kGzip);
  Status status = DecodeBody("", codings, kNoLimit).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.problem_code(), "too_many_content_codings");
}

TEST(DecodeBodyTest, MultiMemberGzipAndMultiFrameZstd) {
  const std::string a = Text(70000), b = "second part", c = Random(5000, 3);
  const std::string expected = a + b + c;
  const ContentCoding gzip[] = {ContentCoding::kGzip};
  const ContentCoding zstd[] = {ContentCoding::kZstd};
  const std::string gzip_body = Gzip(a) + Gzip(b) + Gzip("") + Gzip(c);
  const std::string zstd_body = Zstd(a) + Zstd(b) + ZstdStream(0, Zeros) + Zstd(c);
  for (size_t piece : {size_t{1}, size_t{7}, size_t{4096}, kNoLimit}) {
    ASSERT_OK_AND_ASSIGN(std::string decoded, DecodeInPieces(gzip_body, gzip, kNoLimit, piece));
    EXPECT_EQ(decoded, expected) << piece;
    ASSERT_OK_AND_ASSIGN(decoded, DecodeInPieces(zstd_body, zstd, kNoLimit, piece));
    EXPECT_EQ(decoded, expected) << piece;
  }
}

// ---- Malformed bodies ----

void ExpectMalformed(const Result<std::string>& result, std::string_view prefix,
                     std::string_view what) {
  ASSERT_FALSE(result.ok()) << prefix;
  const Status& status = result.status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_EQ(status.problem_code(), "malformed_encoded_body");
  EXPECT_TRUE(status.message().starts_with(prefix)) << status.message();
  EXPECT_NE(status.message().find(what), std::string_view::npos) << status.message();
}

TEST(DecodeBodyTest, EveryTruncationIsReportedAsTruncated) {
  const std::string input = Text(3000) + Random(300, 9);
  for (ContentCoding coding : kAllCodings) {
    const ContentCoding codings[] = {coding};
    const std::string body = Encode(coding, input);
    const std::string expected = Name(coding) + " body is truncated";
    for (size_t size = 1; size < body.size(); ++size) {
      SCOPED_TRACE(Name(coding) + " cut at " + std::to_string(size));
      ExpectMalformed(DecodeBody(std::string_view(body).substr(0, size), codings, kNoLimit),
                      expected, "");
    }
  }
}

TEST(DecodeBodyTest, TruncatedSecondGzipMemberAndZstdFrame) {
  const std::string a = Text(1000);
  const ContentCoding gzip[] = {ContentCoding::kGzip};
  const ContentCoding zstd[] = {ContentCoding::kZstd};
  const std::string second_gzip = Gzip(a);
  const std::string second_zstd = Zstd(a);
  for (size_t cut : {size_t{1}, size_t{2}, size_t{10}, second_gzip.size() - 1}) {
    ExpectMalformed(DecodeBody(Gzip(a) + second_gzip.substr(0, cut), gzip, kNoLimit),
                    "gzip body is truncated", "");
  }
  for (size_t cut : {size_t{1}, size_t{4}, second_zstd.size() - 1}) {
    ExpectMalformed(DecodeBody(Zstd(a) + second_zstd.substr(0, cut), zstd, kNoLimit),
                    "zstd body is truncated", "");
  }
}

TEST(DecodeBodyTest, TruncatedInnerLayerNamesTheInnerCoding) {
  const std::string gzip = Gzip(Text(5000));
  const std::string body = Zstd(std::string_view(gzip).substr(0, gzip.size() / 2));
  ExpectMalformed(DecodeBody(body, Parsed("gzip, zstd"), kNoLimit), "gzip body is truncated", "");
}

TEST(DecodeBodyTest, GarbageIsMalformedAndNamesTheCoding) {
  for (ContentCoding coding : kAllCodings) {
    const ContentCoding codings[] = {coding};
    for (const std::string& garbage : {std::string("{\"not\":\"compressed\"}"), Random(1000, 1),
                                       Random(100000, 2), std::string(64, '\xff')}) {
      Result<std::string> result = DecodeBody(garbage, codings, kNoLimit);
      ASSERT_FALSE(result.ok()) << Name(coding);
      EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
      EXPECT_TRUE(result.status().message().starts_with(Name(coding) + " body "))
          << result.status().message();
    }
  }
  ExpectMalformed(DecodeBody("{\"not\":\"compressed\"}", Parsed("gzip"), kNoLimit),
                  "gzip body is corrupt", "");
}

TEST(DecodeBodyTest, CorruptedBytesInsideAStreamAreMalformed) {
  const std::string input = Text(20000);
  for (ContentCoding coding : kAllCodings) {
    const ContentCoding codings[] = {coding};
    std::string body = Encode(coding, input);
    // Flip bytes across the stream; a decoder must fail cleanly or (rarely, e.g. inside a
    // literal without a checksum) produce different output, and never crash.
    for (size_t pos = 0; pos < body.size(); pos += std::max<size_t>(1, body.size() / 97)) {
      std::string bad = body;
      bad[pos] = static_cast<char>(bad[pos] ^ 0x5a);
      Result<std::string> result = DecodeBody(bad, codings, input.size() * 2);
      if (!result.ok() && result.status().code() != StatusCode::kPayloadTooLarge) {
        EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
        EXPECT_TRUE(result.status().message().starts_with(Name(coding) + " body "))
            << result.status().message();
      }
    }
  }
}

TEST(DecodeBodyTest, TrailingGarbageIsRejected) {
  const std::string input = Text(2000);
  ExpectMalformed(DecodeBody(Gzip(input) + "garbage", Parsed("gzip"), kNoLimit), "gzip body",
                  "trailing");
  ExpectMalformed(DecodeBody(Gzip(input) + std::string(8, '\0'), Parsed("gzip"), kNoLimit),
                  "gzip body", "trailing");
  ExpectMalformed(DecodeBody(Gzip(input) + "\x1f", Parsed("gzip"), kNoLimit),
                  "gzip body is truncated", "");
  ExpectMalformed(DecodeBody(Zstd(input) + "garbage", Parsed("zstd"), kNoLimit), "zstd body", "");
  ExpectMalformed(DecodeBody(Brotli(input) + "garbage", Parsed("br"), kNoLimit), "br body",
                  "trailing");
  // Fed one byte at a time, too.
  ExpectMalformed(DecodeInPieces(Gzip(input) + "garbage", Parsed("gzip"), kNoLimit, 1), "gzip body",
                  "trailing");
  ExpectMalformed(DecodeInPieces(Brotli(input) + "x", Parsed("br"), kNoLimit, 1), "br body",
                  "trailing");
}

TEST(DecodeBodyTest, ZstdWindowAbove8MiBIsRefused) {
  // RFC 9659: decoders need not support windows above 8 MiB; ours refuse them.
  const std::string body = ZstdStream(1000, Zeros, /*window_log=*/24);
  Result<std::string> result = DecodeBody(body, Parsed("zstd"), kNoLimit);
  ExpectMalformed(result, "zstd body", "window");
  const std::string ok = ZstdStream(1000, Zeros, /*window_log=*/23);
  ASSERT_OK_AND_ASSIGN(std::string decoded, DecodeBody(ok, Parsed("zstd"), kNoLimit));
  EXPECT_EQ(decoded, std::string(1000, '\0'));
}

// ---- The limit ----

TEST(DecodeBodyTest, LimitIsInclusive) {
  const std::string input = Text(100000);
  for (ContentCoding coding : kAllCodings) {
    const ContentCoding codings[] = {coding};
    const std::string body = Encode(coding, input);
    ASSERT_OK_AND_ASSIGN(std::string decoded, DecodeBody(body, codings, input.size()));
    EXPECT_EQ(decoded, input);
    Result<std::string> over = DecodeBody(body, codings, input.size() - 1);
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(over.status().code(), StatusCode::kPayloadTooLarge);
    EXPECT_EQ(over.status().problem_code(), "payload_too_large");
    EXPECT_NE(over.status().message().find(std::to_string(input.size() - 1)),
              std::string_view::npos)
        << over.status().message();
    EXPECT_NE(over.status().message().find("max_decoded_body_bytes"), std::string_view::npos)
        << over.status().message();
  }
}

TEST(DecodeBodyTest, LimitOfZeroAllowsOnlyAnEmptyBody) {
  ASSERT_OK_AND_ASSIGN(std::string decoded, DecodeBody(Gzip(""), Parsed("gzip"), 0));
  EXPECT_EQ(decoded, "");
  EXPECT_EQ(DecodeBody(Gzip("a"), Parsed("gzip"), 0).status().code(), StatusCode::kPayloadTooLarge);
}

// Peak resident set size of this process in KiB (VmHWM), or -1.
long PeakRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::stol(line.substr(6));
  }
  return -1;
}

// Resets the peak to the current resident size (Linux >= 4.0); false when not possible.
bool ResetPeakRss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return clear.good();
}

TEST(DecodeBodyTest, ZipBombStopsAtTheLimitWithBoundedMemory) {
  constexpr size_t kBombBytes = 100 << 20;  // Zeros, compressed by ~1000x (gzip) or more.
  constexpr size_t kLimit = 1 << 20;
  const std::string gzip_bomb = GzipStream(kBombBytes, Zeros, 9);
  const std::vector<std::pair<std::vector<ContentCoding>, std::string>> bombs = {
      {Parsed("gzip"), gzip_bomb},
      {Parsed("zstd"), ZstdStream(kBombBytes, Zeros)},
      {Parsed("br"), BrotliStream(kBombBytes, Zeros)},
      {Parsed("gzip, zstd"), Zstd(gzip_bomb)},
  };
  for (const auto& [codings, bomb] : bombs) {
    SCOPED_TRACE(Name(codings.back()) + " bomb of " + std::to_string(bomb.size()) + " bytes");
    ASSERT_LT(bomb.size(), kBombBytes / 500);

    // Streaming, 256-byte pieces: the sink never sees more than the limit, in chunks.
    size_t seen = 0, largest = 0, fed = 0;
    ASSERT_OK_AND_ASSIGN(BodyDecoder decoder,
                         BodyDecoder::Create(codings, kLimit, [&](std::string_view decoded) {
                           seen += decoded.size();
                           largest = std::max(largest, decoded.size());
                           return Status();
                         }));
    Status status;
    for (; fed < bomb.size() && status.ok(); fed += 256) {
      status = decoder.Feed(std::string_view(bomb).substr(fed, 256));
    }
    if (status.ok()) status = decoder.Finish();
    EXPECT_EQ(status.code(), StatusCode::kPayloadTooLarge) << status.ToString();
    EXPECT_LE(seen, kLimit);
    EXPECT_GT(seen, kLimit - kDecodeChunkBytes);
    EXPECT_LE(largest, kDecodeChunkBytes);
    EXPECT_EQ(decoder.decoded_bytes(), seen);
    if (bomb.size() > 64 * 256) {
      EXPECT_LT(fed, bomb.size() / 10);  // Stopped early.
    }

    // One shot: 413, and the process's peak memory grows by far less than the bomb.
    const bool measure = ResetPeakRss();
    const long before = PeakRssKib();
    Result<std::string> result = DecodeBody(bomb, codings, kLimit);
    const long after = PeakRssKib();
    EXPECT_EQ(result.status().code(), StatusCode::kPayloadTooLarge);
    if (measure && before > 0) {
      EXPECT_LT(after - before, 32 * 1024) << "peak RSS grew by " << (after - before) << " KiB";
    }
  }
}

// ---- BodyDecoder ----

TEST(BodyDecoderTest, OneByteAtATimeMatchesOneShot) {
  const std::string input = Text(150000) + Random(3000, 4);
  for (std::string_view header : {"gzip", "zstd", "br", "gzip, zstd", "zstd, br, gzip", ""}) {
    const std::vector<ContentCoding> codings = Parsed(header);
    const std::string body = EncodeAll(input, codings);
    ASSERT_OK_AND_ASSIGN(std::string one_shot, DecodeBody(body, codings, kNoLimit));
    for (size_t piece : {size_t{1}, size_t{3}, size_t{1000}, size_t{65536}}) {
      ASSERT_OK_AND_ASSIGN(std::string streamed, DecodeInPieces(body, codings, kNoLimit, piece));
      EXPECT_EQ(streamed, one_shot) << header << " " << piece;
    }
    EXPECT_EQ(one_shot, input) << header;
  }
}

TEST(BodyDecoderTest, OneByteAtATimeGivesTheSameErrors) {
  const std::string input = Text(5000);
  for (ContentCoding coding : kAllCodings) {
    const ContentCoding codings[] = {coding};
    const std::string body = Encode(coding, input);
    const std::string truncated = body.substr(0, body.size() - 1);
    EXPECT_EQ(DecodeInPieces(truncated, codings, kNoLimit, 1).status().message(),
              DecodeBody(truncated, codings, kNoLimit).status().message());
    EXPECT_EQ(DecodeInPieces(body, codings, 4999, 1).status().code(), StatusCode::kPayloadTooLarge);
  }
}

TEST(BodyDecoderTest, ErrorsAreStickyAndStopTheSink) {
  size_t calls = 0;
  ASSERT_OK_AND_ASSIGN(BodyDecoder decoder,
                       BodyDecoder::Create(Parsed("gzip"), kNoLimit, [&](std::string_view) {
                         ++calls;
                         return Status::Unavailable("sink is full");
                       }));
  const std::string body = Gzip(Text(200000));
  Status first = decoder.Feed(body);
  EXPECT_EQ(first.code(), StatusCode::kUnavailable);
  EXPECT_EQ(calls, 1u);
  EXPECT_EQ(decoder.Feed("more").message(), "sink is full");
  EXPECT_EQ(decoder.Finish().message(), "sink is full");
  EXPECT_EQ(calls, 1u);

  ASSERT_OK_AND_ASSIGN(
      BodyDecoder corrupt,
      BodyDecoder::Create(Parsed("br"), kNoLimit, [](std::string_view) { return Status(); }));
  Status bad = corrupt.Feed(std::string(64, '\xff'));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(corrupt.Feed(Brotli("x")).message(), bad.message());
  EXPECT_EQ(corrupt.Finish().message(), bad.message());
}

TEST(BodyDecoderTest, EmptyFeedsAndMovesAreHarmless) {
  std::string out;
  ASSERT_OK_AND_ASSIGN(BodyDecoder decoder,
                       BodyDecoder::Create(Parsed("zstd"), kNoLimit, [&](std::string_view d) {
                         out.append(d);
                         return Status();
                       }));
  const std::string body = Zstd("hello");
  ASSERT_OK(decoder.Feed(""));
  ASSERT_OK(decoder.Feed(std::string_view(body).substr(0, 3)));
  BodyDecoder moved = std::move(decoder);
  ASSERT_OK(moved.Feed(""));
  ASSERT_OK(moved.Feed(std::string_view(body).substr(3)));
  ASSERT_OK(moved.Finish());
  EXPECT_EQ(out, "hello");
  EXPECT_EQ(moved.decoded_bytes(), 5u);
}

TEST(DecodeBodyIntoTest, ReusesCapacityAndNeverGrowsBeyondTheLimit) {
  const std::string input = Text(200000);
  const std::string body = Gzip(input);
  std::string out = "stale";
  out.reserve(1 << 20);
  const char* data = out.data();
  ASSERT_OK(DecodeBodyInto(body, Parsed("gzip"), kNoLimit, out));
  EXPECT_EQ(out, input);
  EXPECT_EQ(out.data(), data);  // No reallocation.

  std::string small;
  ASSERT_OK(DecodeBodyInto(body, Parsed("gzip"), input.size(), small));
  EXPECT_EQ(small, input);
  EXPECT_LE(small.capacity(), input.size());

  std::string over;
  EXPECT_EQ(DecodeBodyInto(body, Parsed("gzip"), input.size() - 1, over).code(),
            StatusCode::kPayloadTooLarge);
  EXPECT_LE(over.capacity(), input.size() - 1);
}

}  // namespace
}  // namespace strata::ingest
