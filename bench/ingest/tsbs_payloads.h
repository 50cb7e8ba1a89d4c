// Ingest request bodies of TSBS devops cpu-only rows (shared/bench/TSBS.md section 1, rows from
// bench/micro/tsbs_rows.h), built before a load run so that the run only sends bytes.
//
// A payload set is `batches` bodies of `rows_per_batch` consecutive rows each: batch b holds
// rows [b * rows_per_batch, (b + 1) * rows_per_batch) of one TSBS timeline. Every row has the
// 21 fields of the cpu table: `time` (epoch nanoseconds, always 19 digits), the 10 string tags
// and the 10 int64 usage_* fields.
//
// Replaying a set more than once ("cycles") keeps rows distinct for the uncompressed formats:
// ShiftToCycle rewrites a body's timestamps in place to `base + cycle * CycleSpanNanos()`, which
// continues the timeline where the last batch of the previous cycle ended (the usage values
// repeat, the (hostname, time) pairs do not). Compressed bodies cannot be rewritten cheaply, so
// a gzip set repeats its rows from the second cycle on; size it for the run instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tsbs_rows.h"

namespace strata::bench {

enum class PayloadFormat {
  kNdjson,        // application/x-ndjson: {"time":<ns>,"hostname":"host_0",...,"usage_user":58,...}
  kNdjsonGzip,    // the same, Content-Encoding: gzip (zlib)
  kLineProtocol,  // text/plain; format=line-protocol: cpu,hostname=host_0,... usage_user=58i,...
                  // <ns>
};

// "ndjson", "ndjson-gzip" or "lp"; false for anything else.
bool ParsePayloadFormat(std::string_view name, PayloadFormat& format);
std::string_view PayloadFormatName(PayloadFormat format);
// The Content-Type (and Content-Encoding header line, or "") a body of this format is sent with.
std::string_view PayloadContentType(PayloadFormat format);
std::string_view PayloadContentEncoding(PayloadFormat format);

struct PayloadOptions {
  PayloadFormat format = PayloadFormat::kNdjson;
  size_t batches = 200;
  size_t rows_per_batch = 5000;
  TsbsOptions tsbs;    // hosts, seed, start and interval of the timeline.
  int gzip_level = 1;  // zlib level for kNdjsonGzip.
  size_t threads = 1;  // Threads that compress gzip bodies while the next ones are generated.
};

struct Payload {
  std::string body;  // What is sent (compressed for kNdjsonGzip).
  size_t rows = 0;
  size_t decoded_bytes = 0;  // Size of the uncompressed text.
  // For the uncompressed formats: where each row's 19-digit timestamp starts in `body`, and
  // the timestamp that cycle 0 shows. Empty for kNdjsonGzip.
  std::vector<uint32_t> time_offsets;
  std::vector<int64_t> base_times_ns;
  uint64_t cycle = 0;  // The cycle whose timestamps `body` shows now.

  bool shiftable() const { return !time_offsets.empty(); }
};

class PayloadSet {
 public:
  // Generates the bodies. REQUIRES: batches * rows_per_batch is a multiple of tsbs.hosts (so a
  // cycle ends on an epoch boundary), every value is positive. Fails (false, `error` set) when
  // a requirement does not hold or compression fails.
  bool Build(const PayloadOptions& options, std::string& error);

  std::vector<Payload>& payloads() { return payloads_; }
  const std::vector<Payload>& payloads() const { return payloads_; }
  // Time covered by one cycle: batches * rows_per_batch / hosts epochs of `interval`.
  int64_t CycleSpanNanos() const { return cycle_span_ns_; }
  size_t total_rows() const;
  size_t total_body_bytes() const;
  size_t total_decoded_bytes() const;

  // Rewrites `payload`'s timestamps to those of `cycle`. REQUIRES: payload.shiftable(), and the
  // shifted timestamps still have 19 digits (true until the year 2286).
  void ShiftToCycle(Payload& payload, uint64_t cycle) const;

 private:
  std::vector<Payload> payloads_;
  int64_t cycle_span_ns_ = 0;
};

}  // namespace strata::bench
