#include "ingest/content_decoding.h"

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "common/strings.h"

namespace strata::ingest {
namespace {

// Named in the 413 message; the option that sets the limit.
constexpr std::string_view kLimitName = "ingest.max_decoded_body_bytes";
// RFC 9659: zstd decoders need not support windows above 8 MiB.
constexpr int kZstdWindowLogMax = 23;
// zlib counts input in 32-bit words; larger inputs are fed in pieces of this size.
constexpr size_t kMaxZlibInput = size_t{1} << 30;
// Longest unknown coding quoted back in a 415 message.
constexpr size_t kMaxQuotedCoding = 32;

// ---- Errors ----

Status Malformed(ContentCoding coding, std::string_view what) {
  std::string message(ContentCodingName(coding));
  message += " body ";
  message += what;
  return Status::InvalidArgument(message).WithProblemCode("malformed_encoded_body");
}

Status Truncated(ContentCoding coding) { return Malformed(coding, "is truncated"); }

Status Corrupt(ContentCoding coding, std::string_view reason) {
  std::string what = "is corrupt";
  if (!reason.empty()) what.append(": ").append(reason);
  return Malformed(coding, what);
}

Status OutOfMemory(ContentCoding coding) {
  return Status::Internal("cannot allocate a " + std::string(ContentCodingName(coding)) +
                          " decoder");
}

Status TooLarge(size_t limit) {
  return Status::PayloadTooLarge("decoded request body exceeds " + std::string(kLimitName) + " (" +
                                 std::to_string(limit) + " bytes)");
}

Status TooManyCodings() {
  const std::string message =
      "Content-Encoding lists more than " + std::to_string(kMaxContentCodings) + " codings";
  return Status::InvalidArgument(message)
      .WithProblemCode("too_many_content_codings")
      .WithErrors({ErrorDetail::Header("Content-Encoding", message)});
}

// Quotes an unknown coding for a message: lower case, printable ASCII, shortened.
std::string QuoteCoding(std::string_view lower) {
  std::string quoted = "'";
  for (char c : lower.substr(0, kMaxQuotedCoding)) {
    quoted += (c > ' ' && c < 0x7f) ? c : '?';
  }
  if (lower.size() > kMaxQuotedCoding) quoted += "...";
  quoted += "'";
  return quoted;
}

Status Unsupported(std::string_view item) {
  const std::string lower = ToLower(item);
  std::string detail = "unsupported content coding " + QuoteCoding(lower);
  if (lower.size() <= kMaxQuotedCoding) {
    detail += DidYouMean(lower, {"gzip", "x-gzip", "zstd", "br", "identity"});
  }
  detail += "; supported: ";
  detail += kSupportedContentEncodings;
  return Status::UnsupportedMediaType(detail)
      .WithProblemCode("unsupported_content_encoding")
      .WithErrors({ErrorDetail::Header("Content-Encoding", detail)});
}

bool EqualsIgnoreCase(std::string_view a, std::string_view lower) {
  return a.size() == lower.size() &&
         std::equal(a.begin(), a.end(), lower.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == y;
         });
}

// ---- Pipeline ----

// Receives decoded bytes: the next decoding stage, or the limit in front of the sink.
class Downstream {
 public:
  virtual ~Downstream() = default;
  virtual Status Write(std::string_view data) = 0;
};

// Undoes one coding. Write decodes a piece of its input and passes all output it can produce
// to the next stage before returning (nothing stays buffered inside the library), in pieces
// of at most kDecodeChunkBytes. Finish checks that the input formed a complete stream.
// Invariant: started_ is true once any input byte arrived; a stage without input is a
// complete, empty stream.
class DecodeStage : public Downstream {
 public:
  explicit DecodeStage(Downstream* next)
      : next_(next), chunk_(std::make_unique_for_overwrite<char[]>(kDecodeChunkBytes)) {}
  virtual Status Finish() = 0;

 protected:
  Status Emit(size_t bytes) {
    return bytes == 0 ? Status() : next_->Write(std::string_view(chunk_.get(), bytes));
  }
  char* chunk() { return chunk_.get(); }

  bool started_ = false;

 private:
  Downstream* next_;               // Not owned; outlives this stage.
  std::unique_ptr<char[]> chunk_;  // kDecodeChunkBytes of output space.
};

// gzip (RFC 1952): one or more members back to back. Any byte after a complete member must
// start another member.
class GzipStage final : public DecodeStage {
 public:
  explicit GzipStage(Downstream* next) : DecodeStage(next) {}
  ~GzipStage() override {
    if (initialized_) inflateEnd(&strm_);
  }

  Status Init() {
    // 16 + 15: gzip wrapper only, 32 KiB window (the largest deflate has).
    if (inflateInit2(&strm_, 16 + 15) != Z_OK) return OutOfMemory(ContentCoding::kGzip);
    initialized_ = true;
    return WatchHeader();
  }

  Status Write(std::string_view input) override {
    if (!input.empty()) started_ = true;
    while (!input.empty()) {
      const size_t piece = std::min(input.size(), kMaxZlibInput);
      STRATA_RETURN_IF_ERROR(Inflate(input.substr(0, piece)));
      input.remove_prefix(piece);
    }
    return Status();
  }

  Status Finish() override {
    return !started_ || member_done_ ? Status() : Truncated(ContentCoding::kGzip);
  }

 private:
  // Lets zlib report when the current member's header is complete (header_.done == 1).
  Status WatchHeader() {
    header_ = gz_header{};  // Null buffers: zlib keeps no name, comment or extra field.
    if (inflateGetHeader(&strm_, &header_) != Z_OK) return Status::Internal("zlib header");
    return Status();
  }

  Status Inflate(std::string_view input) {
    strm_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    strm_.avail_in = static_cast<uInt>(input.size());
    while (true) {
      if (member_done_) {
        if (strm_.avail_in == 0) return Status();
        // More bytes after a complete member: they must be another member.
        if (inflateReset(&strm_) != Z_OK) return Status::Internal("zlib reset");
        STRATA_RETURN_IF_ERROR(WatchHeader());
        member_done_ = false;
        later_member_ = true;
      }
      strm_.next_out = reinterpret_cast<Bytef*>(chunk());
      strm_.avail_out = static_cast<uInt>(kDecodeChunkBytes);
      const int rc = inflate(&strm_, Z_NO_FLUSH);
      if (rc == Z_MEM_ERROR) return OutOfMemory(ContentCoding::kGzip);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        if (later_member_ && header_.done != 1) {
          return Malformed(ContentCoding::kGzip, "has trailing data after the last gzip member");
        }
        return Corrupt(ContentCoding::kGzip, strm_.msg != nullptr ? strm_.msg : "");
      }
      STRATA_RETURN_IF_ERROR(Emit(kDecodeChunkBytes - strm_.avail_out));
      if (rc == Z_STREAM_END) {
        member_done_ = true;
        continue;
      }
      // Z_OK or Z_BUF_ERROR (no progress possible): inflate stops only when the input is
      // used up or the output is full, so spare output space means all is decoded.
      if (strm_.avail_out != 0) return Status();
    }
  }

  z_stream strm_{};
  gz_header header_{};         // Filled by zlib while it reads a member header.
  bool initialized_ = false;   // strm_ needs inflateEnd.
  bool member_done_ = false;   // The last member read so far is complete.
  bool later_member_ = false;  // Reading the second or a later member.
};

// zstd (RFC 8878): one or more frames (skippable frames included), with or without a
// content size in the frame header.
class ZstdStage final : public DecodeStage {
 public:
  explicit ZstdStage(Downstream* next) : DecodeStage(next) {}
  ~ZstdStage() override { ZSTD_freeDCtx(dctx_); }

  Status Init() {
    dctx_ = ZSTD_createDCtx();
    if (dctx_ == nullptr) return OutOfMemory(ContentCoding::kZstd);
    const size_t rc = ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, kZstdWindowLogMax);
    if (ZSTD_isError(rc)) return Status::Internal(ZSTD_getErrorName(rc));
    return Status();
  }

  Status Write(std::string_view input) override {
    if (input.empty()) return Status();
    started_ = true;
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    while (true) {
      ZSTD_outBuffer out{chunk(), kDecodeChunkBytes, 0};
      const size_t in_before = in.pos;
      const size_t rc = ZSTD_decompressStream(dctx_, &out, &in);
      if (ZSTD_isError(rc)) return Error(rc);
      STRATA_RETURN_IF_ERROR(Emit(out.pos));
      // rc == 0: a frame is complete and flushed. A call without progress (after the output
      // filled up exactly) says nothing about frames.
      if (in.pos != in_before || out.pos != 0) {
        frame_done_ = rc == 0;
        any_frame_done_ = any_frame_done_ || frame_done_;
      }
      if (in.pos == in.size && out.pos < out.size) return Status();
    }
  }

  Status Finish() override {
    return !started_ || frame_done_ ? Status() : Truncated(ContentCoding::kZstd);
  }

 private:
  Status Error(size_t rc) const {
    switch (ZSTD_getErrorCode(rc)) {
      case ZSTD_error_memory_allocation: return OutOfMemory(ContentCoding::kZstd);
      case ZSTD_error_frameParameter_windowTooLarge:
        return Malformed(ContentCoding::kZstd, "needs a decoding window larger than 8 MiB");
      case ZSTD_error_prefix_unknown:
        if (any_frame_done_) {
          return Malformed(ContentCoding::kZstd, "has trailing data after the last zstd frame");
        }
        break;
      default: break;
    }
    return Corrupt(ContentCoding::kZstd, ZSTD_getErrorName(rc));
  }

  ZSTD_DCtx* dctx_ = nullptr;
  bool frame_done_ = false;      // The input so far ends with a complete frame.
  bool any_frame_done_ = false;  // At least one frame was complete.
};

// br (RFC 7932): exactly one stream; nothing may follow it.
class BrotliStage final : public DecodeStage {
 public:
  explicit BrotliStage(Downstream* next) : DecodeStage(next) {}
  ~BrotliStage() override { BrotliDecoderDestroyInstance(state_); }

  Status Init() {
    // Large windows (a non-standard extension) stay off: the window is at most 16 MiB.
    state_ = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    return state_ == nullptr ? OutOfMemory(ContentCoding::kBrotli) : Status();
  }

  Status Write(std::string_view input) override {
    if (input.empty()) return Status();
    started_ = true;
    size_t avail_in = input.size();
    const uint8_t* next_in = reinterpret_cast<const uint8_t*>(input.data());
    while (true) {
      if (done_) {
        if (avail_in == 0) return Status();
        return Malformed(ContentCoding::kBrotli, "has trailing data after the end of the stream");
      }
      size_t avail_out = kDecodeChunkBytes;
      uint8_t* next_out = reinterpret_cast<uint8_t*>(chunk());
      const BrotliDecoderResult result = BrotliDecoderDecompressStream(
          state_, &avail_in, &next_in, &avail_out, &next_out, nullptr);
      if (result == BROTLI_DECODER_RESULT_ERROR) {
        const int code = BrotliDecoderGetErrorCode(state_);
        const bool alloc = code >= BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES &&
                           code <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES;
        return alloc ? OutOfMemory(ContentCoding::kBrotli) : Corrupt(ContentCoding::kBrotli, "");
      }
      STRATA_RETURN_IF_ERROR(Emit(kDecodeChunkBytes - avail_out));
      if (result == BROTLI_DECODER_RESULT_SUCCESS) done_ = true;
      if (result == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) return Status();
      // NEEDS_MORE_OUTPUT: loop with a fresh chunk.
    }
  }

  Status Finish() override {
    return !started_ || done_ ? Status() : Truncated(ContentCoding::kBrotli);
  }

 private:
  BrotliDecoderState* state_ = nullptr;
  bool done_ = false;  // The stream is complete.
};

template <typename Stage>
Result<std::unique_ptr<DecodeStage>> MakeStage(Downstream* next) {
  auto stage = std::make_unique<Stage>(next);
  STRATA_RETURN_IF_ERROR(stage->Init());
  return std::unique_ptr<DecodeStage>(std::move(stage));
}

// Passes decoded bytes to the caller's sink while their total stays within the limit.
// Invariant: decoded_ <= limit_.
class LimitSink final : public Downstream {
 public:
  LimitSink(size_t limit, BodyDecoder::Sink sink) : limit_(limit), sink_(std::move(sink)) {}

  Status Write(std::string_view data) override {
    if (data.size() > limit_ - decoded_) return TooLarge(limit_);
    decoded_ += data.size();
    return sink_(data);
  }
  uint64_t decoded() const { return decoded_; }

 private:
  size_t limit_;
  BodyDecoder::Sink sink_;
  size_t decoded_ = 0;
};

// Appends to `out`, growing its capacity by doubling but never beyond `limit`.
// REQUIRES: out.size() + data.size() <= limit.
void AppendWithinLimit(std::string& out, std::string_view data, size_t limit) {
  const size_t needed = out.size() + data.size();
  if (needed > out.capacity()) {
    const size_t target = std::min(std::max({needed, 2 * out.capacity(), size_t{4096}}), limit);
    // A fresh string gets exactly `target`: std::string::reserve may round up to twice the
    // old capacity.
    std::string grown;
    grown.reserve(target);
    grown.append(out);
    out.swap(grown);
  }
  out.append(data);
}

}  // namespace

std::string_view ContentCodingName(ContentCoding coding) {
  switch (coding) {
    case ContentCoding::kGzip: return "gzip";
    case ContentCoding::kZstd: return "zstd";
    case ContentCoding::kBrotli: return "br";
  }
  return "unknown";
}

Result<std::vector<ContentCoding>> ParseContentEncoding(std::string_view header) {
  std::vector<ContentCoding> codings;
  while (true) {
    const size_t comma = header.find(',');
    const std::string_view item = Trim(header.substr(0, comma));
    if (item.empty() || EqualsIgnoreCase(item, "identity")) {
      // RFC 9110 §5.6.1: empty list items are ignored; identity changes nothing.
    } else if (EqualsIgnoreCase(item, "gzip") || EqualsIgnoreCase(item, "x-gzip")) {
      codings.push_back(ContentCoding::kGzip);
    } else if (EqualsIgnoreCase(item, "zstd")) {
      codings.push_back(ContentCoding::kZstd);
    } else if (EqualsIgnoreCase(item, "br")) {
      codings.push_back(ContentCoding::kBrotli);
    } else {
      return Unsupported(item);
    }
    if (codings.size() > kMaxContentCodings) return TooManyCodings();
    if (comma == std::string_view::npos) return codings;
    header.remove_prefix(comma + 1);
  }
}

// ---- BodyDecoder ----

struct BodyDecoder::Rep {
  Rep(size_t limit, Sink sink) : limit(limit, std::move(sink)) {}

  // The stage that receives the encoded body.
  Downstream* head() { return stages.empty() ? static_cast<Downstream*>(&limit) : stages[0].get(); }

  LimitSink limit;
  // In decoding order (the last coding applied first); stages[i] writes into stages[i + 1],
  // the last one into `limit`.
  std::vector<std::unique_ptr<DecodeStage>> stages;
  Status error;  // Sticky: the first failure.
  bool finished = false;
};

Result<BodyDecoder> BodyDecoder::Create(std::span<const ContentCoding> codings,
                                        size_t max_decoded_bytes, Sink sink) {
  if (codings.size() > kMaxContentCodings) return TooManyCodings();
  auto rep = std::make_unique<Rep>(max_decoded_bytes, std::move(sink));
  rep->stages.resize(codings.size());
  Downstream* next = &rep->limit;
  // Build from the innermost coding (applied first, decoded last) outwards.
  for (size_t coding_idx = 0; coding_idx < codings.size(); ++coding_idx) {
    std::unique_ptr<DecodeStage>& slot = rep->stages[codings.size() - 1 - coding_idx];
    switch (codings[coding_idx]) {
      case ContentCoding::kGzip: {
        STRATA_ASSIGN_OR_RETURN(slot, MakeStage<GzipStage>(next));
        break;
      }
      case ContentCoding::kZstd: {
        STRATA_ASSIGN_OR_RETURN(slot, MakeStage<ZstdStage>(next));
        break;
      }
      case ContentCoding::kBrotli: {
        STRATA_ASSIGN_OR_RETURN(slot, MakeStage<BrotliStage>(next));
        break;
      }
    }
    if (slot == nullptr) return Status::Internal("unknown content coding");
    next = slot.get();
  }
  return BodyDecoder(std::move(rep));
}

BodyDecoder::BodyDecoder(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
BodyDecoder::BodyDecoder(BodyDecoder&&) noexcept = default;
BodyDecoder& BodyDecoder::operator=(BodyDecoder&&) noexcept = default;
BodyDecoder::~BodyDecoder() = default;

Status BodyDecoder::Feed(std::string_view encoded) {
  Rep& rep = *rep_;
  if (!rep.error.ok()) return rep.error;
  if (rep.finished) return rep.error = Status::Internal("BodyDecoder::Feed after Finish");
  if (encoded.empty()) return Status();
  rep.error = rep.head()->Write(encoded);
  return rep.error;
}

Status BodyDecoder::Finish() {
  Rep& rep = *rep_;
  if (!rep.error.ok()) return rep.error;
  if (rep.finished) return rep.error = Status::Internal("BodyDecoder::Finish called twice");
  rep.finished = true;
  // Outermost first: its truncation is the one to report.
  for (const std::unique_ptr<DecodeStage>& stage : rep.stages) {
    rep.error = stage->Finish();
    if (!rep.error.ok()) return rep.error;
  }
  return Status();
}

uint64_t BodyDecoder::decoded_bytes() const { return rep_->limit.decoded(); }

// ---- One-shot decoding ----

Status DecodeBodyInto(std::string_view body, std::span<const ContentCoding> codings,
                      size_t max_decoded_bytes, std::string& out) {
  out.clear();
  // Decoded bodies are rarely smaller than encoded ones: start with room for as many bytes.
  const size_t expected = std::min(body.size(), max_decoded_bytes);
  if (expected > out.capacity()) {
    std::string fresh;
    fresh.reserve(expected);
    out.swap(fresh);
  }
  STRATA_ASSIGN_OR_RETURN(
      BodyDecoder decoder,
      BodyDecoder::Create(codings, max_decoded_bytes, [&](std::string_view decoded) {
        AppendWithinLimit(out, decoded, max_decoded_bytes);
        return Status();
      }));
  STRATA_RETURN_IF_ERROR(decoder.Feed(body));
  return decoder.Finish();
}

Result<std::string> DecodeBody(std::string_view body, std::span<const ContentCoding> codings,
                               size_t max_decoded_bytes) {
  std::string out;
  STRATA_RETURN_IF_ERROR(DecodeBodyInto(body, codings, max_decoded_bytes, out));
  return out;
}

}  // namespace strata::ingest
