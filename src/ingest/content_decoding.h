// Decoding of request bodies sent with a Content-Encoding (RFC 9110 §8.4): gzip (and its
// alias x-gzip, RFC 1952, possibly several concatenated members), zstd (RFC 8878, one or more
// frames, window at most 8 MiB as RFC 9659 asks) and br (RFC 7932). docs/ingest.md ("Compressed
// request bodies") describes the behaviour clients see.
//
// Errors (StatusCode, problem code):
//   kUnsupportedMediaType "unsupported_content_encoding" (415): a coding not in
//       kSupportedContentEncodings; the server answers with `Accept-Encoding:
//       <kSupportedContentEncodings>`.
//   kInvalidArgument "too_many_content_codings" (400): more than kMaxContentCodings codings.
//   kInvalidArgument "malformed_encoded_body" (400): corrupt, truncated or trailing data; the
//       message names the coding ("gzip body is truncated").
//   kPayloadTooLarge "payload_too_large" (413): the decoded body would exceed the caller's
//       limit; the message names the limit and its value.
//
// Memory: decoding streams through one kDecodeChunkBytes buffer per coding and stops before
// the first byte past the limit is delivered, so a highly compressed body ("zip bomb") costs
// at most the limit in decoded output plus one chunk per coding, plus the decoders' own
// windows (gzip 32 KiB, br up to 16 MiB, zstd up to 8 MiB; each only as large as the stream
// declares, and only touched as far as decoding gets).
//
// Thread safety: the free functions are thread-safe. A BodyDecoder belongs to one thread at a
// time; distinct decoders are independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace strata::ingest {

// A content coding the ingest endpoints can decode. `identity` is accepted in the header but
// never appears in a parsed list, since it does nothing.
enum class ContentCoding : uint8_t { kGzip, kZstd, kBrotli };

// The coding's token as clients send it: "gzip", "zstd", "br".
std::string_view ContentCodingName(ContentCoding coding);

// The value of the `Accept-Encoding` header of a 415 reply: the codings we decode.
inline constexpr std::string_view kSupportedContentEncodings = "gzip, br, zstd";

// At most this many codings (identity not counted) may be stacked on one body; each costs a
// decoder. More is refused as malformed, never decoded.
inline constexpr size_t kMaxContentCodings = 4;

// Decoded output is produced in pieces of at most this many bytes.
inline constexpr size_t kDecodeChunkBytes = 64 << 10;

// Parses a Content-Encoding header value: a comma-separated list of codings in the order they
// were applied, case-insensitive, with optional spaces and tabs around each item. Empty items
// (", gzip,") and `identity` are skipped, so an empty or all-identity header gives an empty
// list (the body is not encoded). "x-gzip" parses as kGzip.
// Errors: 415 for an unknown coding (the message quotes it), 400 for more than
// kMaxContentCodings codings.
Result<std::vector<ContentCoding>> ParseContentEncoding(std::string_view header);

// Decodes `body`, encoded with `codings` in the order given (as ParseContentEncoding returns
// them; the last one applied is undone first), into a new string.
// An empty `body` decodes to an empty string for every coding. With no codings the result is
// a copy of `body` (callers may skip the call), still subject to the limit.
// Errors: 413 when the decoded size would exceed `max_decoded_bytes`; 400 when the body is
// corrupt or truncated, or when codings has more than kMaxContentCodings entries.
Result<std::string> DecodeBody(std::string_view body, std::span<const ContentCoding> codings,
                               size_t max_decoded_bytes);

// As DecodeBody, but decodes into `out`, replacing its contents and reusing its capacity.
// `out` never grows beyond max(max_decoded_bytes, its capacity on entry). On error `out`
// holds an unspecified prefix of the decoded body.
Status DecodeBodyInto(std::string_view body, std::span<const ContentCoding> codings,
                      size_t max_decoded_bytes, std::string& out);

// Incremental decoder: feed the encoded body in pieces of any size (down to one byte) and
// receive the decoded bytes through a sink, in pieces of at most kDecodeChunkBytes, in order.
// The sink never receives more than max_decoded_bytes in total.
//
// Usage:
//   STRATA_ASSIGN_OR_RETURN(BodyDecoder decoder, BodyDecoder::Create(codings, limit, sink));
//   for (each piece) STRATA_RETURN_IF_ERROR(decoder.Feed(piece));
//   STRATA_RETURN_IF_ERROR(decoder.Finish());
//
// Errors are sticky: after Feed or Finish failed (including a failure returned by the sink),
// every later call returns the same Status and the sink is not called again.
class BodyDecoder {
 public:
  // Receives one piece of decoded output; a non-OK Status stops decoding and is returned
  // from the Feed that produced the piece. The view is valid only during the call.
  using Sink = std::function<Status(std::string_view decoded)>;

  // `codings` as for DecodeBody. Errors: 400 for more than kMaxContentCodings codings;
  // kInternal when a decoder cannot be allocated.
  static Result<BodyDecoder> Create(std::span<const ContentCoding> codings,
                                    size_t max_decoded_bytes, Sink sink);

  BodyDecoder(BodyDecoder&&) noexcept;
  BodyDecoder& operator=(BodyDecoder&&) noexcept;
  ~BodyDecoder();

  // Decodes the next piece of the encoded body. An empty piece is a no-op.
  // REQUIRES: Finish has not been called (else kInternal).
  Status Feed(std::string_view encoded);

  // Declares the end of the body: 400 ("<coding> body is truncated") when a coding's stream
  // is incomplete. A body that fed no bytes at all is complete (empty).
  // REQUIRES: called at most once (else kInternal).
  Status Finish();

  // Decoded bytes passed to the sink so far.
  uint64_t decoded_bytes() const;

 private:
  struct Rep;
  explicit BodyDecoder(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;  // Never null, except in a moved-from decoder.
};

}  // namespace strata::ingest
