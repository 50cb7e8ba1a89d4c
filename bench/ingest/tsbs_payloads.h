// Ingest request bodies of TSBS devops cpu-only rows (shared/bench/TSBS.md section 1, rows from
// bench/micro/tsbs_rows.h), built before a load run so that the run only sends bytes.
//
// A payload set is `batches` bodies of `rows_per_batch` consecutive rows each: batch b holds
// rows [b * rows_per_batch, (b + 1) * rows_per_batch) of one TSBS timeline. Every row has the
// 21 fields of the cpu table: `time` (epoch nanoseconds, always 19 digits), the 10 string tags
// and the 10 int64 usage_* fields.
//
// The same row rendering writes the benchmark-against-peers data files (tsbs_generate.cc):
// AppendTsbsRows with whole epoch seconds or RFC 3339 times instead of fixed-width
// placeholders, and CSV besides NDJSON and line protocol.
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

// Text of one row per line, for request bodies and data files.
enum class RowFormat {
  kNdjson,        // {"time":T,"hostname":"host_0",...,"usage_user":58,...}
  kLineProtocol,  // cpu,hostname=host_0,... usage_user=58i,... T
  kCsv,           // T,host_0,...,58,... (columns in TsbsCpuLayout order; TsbsCsvHeader names them)
};

// How `time` (T above) is written.
enum class TimeText {
  kNanosPlaceholder,  // 19 zeros whose offsets AppendTsbsRows records; the caller writes the
                      // epoch nanoseconds there (PayloadSet::ShiftToCycle).
  kEpochSeconds,      // epoch seconds: 1451606410 (a fraction .ffffff only when not whole)
  kRfc3339,           // 2016-01-01T00:00:10Z (.ffffff only when not whole); quoted in NDJSON,
                      // not allowed in line protocol
};

// Appends the rows of `batch` (laid out as `schema` = TsbsCpuLayout's: time, the 10 tags, the
// 10 usage fields) to `out`, one line each ending in '\n'. With kNanosPlaceholder,
// `time_offsets` (required) receives where each row's placeholder starts in `out`.
// REQUIRES: `time` is not kRfc3339 for line protocol.
void AppendTsbsRows(RowFormat format, TimeText time, const types::Schema& schema,
                    const types::Batch& batch, std::string& out,
                    std::vector<uint32_t>* time_offsets);
// The CSV header line of `schema` (its field names), ending in '\n'.
std::string TsbsCsvHeader(const types::Schema& schema);

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
