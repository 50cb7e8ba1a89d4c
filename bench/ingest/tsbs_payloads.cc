#include "tsbs_payloads.h"

#include <zlib.h>

#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <thread>

#include "common/check.h"

namespace strata::bench {
namespace {

constexpr size_t kTimeDigits = 19;  // Epoch nanoseconds from 2001-09-09 to 2286-11-20.
constexpr int64_t kNanosPerMicro = 1000;

void AppendUint(std::string& out, uint64_t value) {
  char digits[20];
  size_t len = 0;
  do {
    digits[len++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (len > 0) out.push_back(digits[--len]);
}

// Writes `value` as exactly kTimeDigits digits at `out`. REQUIRES: 10^18 <= value < 10^19.
void WriteTime(char* out, int64_t value) {
  uint64_t rest = static_cast<uint64_t>(value);
  for (size_t pos = kTimeDigits; pos > 0; --pos) {
    out[pos - 1] = static_cast<char>('0' + rest % 10);
    rest /= 10;
  }
}

bool InTimeRange(int64_t nanos) {
  return nanos >= 1'000'000'000'000'000'000LL;  // int64 never reaches 10^19.
}

constexpr int64_t kMicrosPerSecond = 1'000'000;

// Appends `micros` as epoch seconds, with six fraction digits only when not whole.
void AppendEpochSeconds(std::string& out, int64_t micros) {
  if (micros < 0) {
    out += '-';
    micros = -micros;
  }
  AppendUint(out, static_cast<uint64_t>(micros / kMicrosPerSecond));
  const int64_t fraction = micros % kMicrosPerSecond;
  if (fraction == 0) return;
  char digits[8];
  std::snprintf(digits, sizeof(digits), ".%06" PRId64, fraction);
  out += digits;
}

// Appends `micros` as RFC 3339 UTC: 2016-01-01T00:00:10Z, with .ffffff only when not whole.
void AppendRfc3339(std::string& out, int64_t micros) {
  int64_t seconds = micros / kMicrosPerSecond;
  int64_t fraction = micros % kMicrosPerSecond;
  if (fraction < 0) {
    fraction += kMicrosPerSecond;
    --seconds;
  }
  const time_t whole = static_cast<time_t>(seconds);
  tm civil{};
  gmtime_r(&whole, &civil);
  char text[40];
  int len =
      std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d", civil.tm_year + 1900,
                    civil.tm_mon + 1, civil.tm_mday, civil.tm_hour, civil.tm_min, civil.tm_sec);
  if (fraction != 0) {
    len +=
        std::snprintf(text + len, sizeof(text) - static_cast<size_t>(len), ".%06" PRId64, fraction);
  }
  out.append(text, static_cast<size_t>(len));
  out += 'Z';
}

void AppendTime(std::string& out, TimeText time, int64_t micros, bool quote_text,
                std::vector<uint32_t>* time_offsets) {
  switch (time) {
    case TimeText::kNanosPlaceholder:
      time_offsets->push_back(static_cast<uint32_t>(out.size()));
      out.append(kTimeDigits, '0');
      break;
    case TimeText::kEpochSeconds: AppendEpochSeconds(out, micros); break;
    case TimeText::kRfc3339:
      if (quote_text) out += '"';
      AppendRfc3339(out, micros);
      if (quote_text) out += '"';
      break;
  }
}

// Replaces `payload.body` by its gzip encoding.
bool Gzip(Payload& payload, int level, std::string& error) {
  z_stream stream{};
  // windowBits 15 + 16: a gzip wrapper rather than zlib's.
  if (deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    error = "deflateInit2 failed";
    return false;
  }
  std::string out(deflateBound(&stream, payload.body.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(payload.body.data());
  stream.avail_in = static_cast<uInt>(payload.body.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) {
    error = "deflate did not finish";
    return false;
  }
  payload.body = std::move(out);
  payload.body.shrink_to_fit();
  payload.time_offsets.clear();
  payload.time_offsets.shrink_to_fit();
  payload.base_times_ns.clear();
  payload.base_times_ns.shrink_to_fit();
  return true;
}

}  // namespace

void AppendTsbsRows(RowFormat format, TimeText time, const types::Schema& schema,
                    const types::Batch& batch, std::string& out,
                    std::vector<uint32_t>* time_offsets) {
  STRATA_CHECK(time != TimeText::kNanosPlaceholder || time_offsets != nullptr);
  STRATA_CHECK(!(format == RowFormat::kLineProtocol && time == TimeText::kRfc3339));
  for (size_t row_idx = 0; row_idx < batch.num_rows; ++row_idx) {
    const int64_t micros = batch.columns[0].IntAt(row_idx);
    switch (format) {
      case RowFormat::kLineProtocol:
        // cpu,<tag>=<value>,... <field>=<value>i,... <time>
        out += "cpu";
        for (size_t col_idx = 1; col_idx <= kTsbsTagCount; ++col_idx) {
          out += ',';
          out += schema.fields[col_idx].name;
          out += '=';
          out += batch.columns[col_idx].StringAt(row_idx);
        }
        for (size_t col_idx = 1 + kTsbsTagCount; col_idx < schema.fields.size(); ++col_idx) {
          out += col_idx == 1 + kTsbsTagCount ? ' ' : ',';
          out += schema.fields[col_idx].name;
          out += '=';
          AppendUint(out, static_cast<uint64_t>(batch.columns[col_idx].IntAt(row_idx)));
          out += 'i';
        }
        out += ' ';
        AppendTime(out, time, micros, false, time_offsets);
        break;
      case RowFormat::kNdjson:
        out += "{\"time\":";
        AppendTime(out, time, micros, true, time_offsets);
        for (size_t col_idx = 1; col_idx < schema.fields.size(); ++col_idx) {
          out += ",\"";
          out += schema.fields[col_idx].name;
          out += "\":";
          if (col_idx <= kTsbsTagCount) {
            out += '"';
            out += batch.columns[col_idx].StringAt(row_idx);  // TSBS tags need no escaping.
            out += '"';
          } else {
            AppendUint(out, static_cast<uint64_t>(batch.columns[col_idx].IntAt(row_idx)));
          }
        }
        out += '}';
        break;
      case RowFormat::kCsv:
        AppendTime(out, time, micros, false, time_offsets);
        for (size_t col_idx = 1; col_idx < schema.fields.size(); ++col_idx) {
          out += ',';
          if (col_idx <= kTsbsTagCount) {
            out += batch.columns[col_idx].StringAt(row_idx);  // No commas, quotes or newlines.
          } else {
            AppendUint(out, static_cast<uint64_t>(batch.columns[col_idx].IntAt(row_idx)));
          }
        }
        break;
    }
    out += '\n';
  }
}

std::string TsbsCsvHeader(const types::Schema& schema) {
  std::string header;
  for (const types::Field& field : schema.fields) {
    if (!header.empty()) header += ',';
    header += field.name;
  }
  return header + "\n";
}

bool ParsePayloadFormat(std::string_view name, PayloadFormat& format) {
  if (name == "ndjson") {
    format = PayloadFormat::kNdjson;
  } else if (name == "ndjson-gzip") {
    format = PayloadFormat::kNdjsonGzip;
  } else if (name == "lp") {
    format = PayloadFormat::kLineProtocol;
  } else {
    return false;
  }
  return true;
}

std::string_view PayloadFormatName(PayloadFormat format) {
  switch (format) {
    case PayloadFormat::kNdjson: return "ndjson";
    case PayloadFormat::kNdjsonGzip: return "ndjson-gzip";
    case PayloadFormat::kLineProtocol: return "lp";
  }
  return "?";
}

std::string_view PayloadContentType(PayloadFormat format) {
  return format == PayloadFormat::kLineProtocol ? "text/plain; format=line-protocol"
                                                : "application/x-ndjson";
}

std::string_view PayloadContentEncoding(PayloadFormat format) {
  return format == PayloadFormat::kNdjsonGzip ? "gzip" : "";
}

bool PayloadSet::Build(const PayloadOptions& options, std::string& error) {
  if (options.batches == 0 || options.rows_per_batch == 0 || options.tsbs.hosts == 0 ||
      options.threads == 0) {
    error = "batches, rows per batch, hosts and threads must be positive";
    return false;
  }
  const size_t cycle_rows = options.batches * options.rows_per_batch;
  if (cycle_rows % options.tsbs.hosts != 0) {
    error = "batches x rows per batch must be a multiple of hosts (a cycle ends on an epoch)";
    return false;
  }
  cycle_span_ns_ = static_cast<int64_t>(cycle_rows / options.tsbs.hosts) *
                   options.tsbs.interval_micros * kNanosPerMicro;

  const types::DatasetLayout layout = TsbsCpuLayout("cpu", types::Granularity::kDay);
  TsbsCpuGenerator generator(layout, options.tsbs);
  payloads_.clear();
  payloads_.resize(options.batches);
  // Gzip: generate `threads` bodies, compress them on `threads` threads, repeat.
  const size_t group = options.format == PayloadFormat::kNdjsonGzip ? options.threads : 1;
  for (size_t first = 0; first < options.batches; first += group) {
    const size_t last = std::min(first + group, options.batches);
    for (size_t idx = first; idx < last; ++idx) {
      Payload& payload = payloads_[idx];
      const types::Batch batch = generator.NextBatch(options.rows_per_batch);
      payload.rows = batch.num_rows;
      payload.body.reserve(options.rows_per_batch * 420);
      payload.time_offsets.reserve(options.rows_per_batch);
      payload.base_times_ns.reserve(options.rows_per_batch);
      for (size_t row_idx = 0; row_idx < batch.num_rows; ++row_idx) {
        payload.base_times_ns.push_back(batch.columns[0].IntAt(row_idx) * kNanosPerMicro);
      }
      AppendTsbsRows(options.format == PayloadFormat::kLineProtocol ? RowFormat::kLineProtocol
                                                                    : RowFormat::kNdjson,
                     TimeText::kNanosPlaceholder, layout.schema, batch, payload.body,
                     &payload.time_offsets);
      payload.decoded_bytes = payload.body.size();
      if (!InTimeRange(payload.base_times_ns.front())) {
        error = "timestamps before 2001-09-09 do not have 19 digits";
        return false;
      }
      ShiftToCycle(payload, 0);
    }
    if (options.format != PayloadFormat::kNdjsonGzip) continue;
    std::vector<std::string> errors(last - first);
    std::vector<std::thread> threads;
    for (size_t idx = first; idx < last; ++idx) {
      threads.emplace_back(
          [&, idx] { Gzip(payloads_[idx], options.gzip_level, errors[idx - first]); });
    }
    for (std::thread& thread : threads) thread.join();
    for (const std::string& message : errors) {
      if (!message.empty()) {
        error = message;
        return false;
      }
    }
  }
  return true;
}

size_t PayloadSet::total_rows() const {
  size_t total = 0;
  for (const Payload& payload : payloads_) total += payload.rows;
  return total;
}

size_t PayloadSet::total_body_bytes() const {
  size_t total = 0;
  for (const Payload& payload : payloads_) total += payload.body.size();
  return total;
}

size_t PayloadSet::total_decoded_bytes() const {
  size_t total = 0;
  for (const Payload& payload : payloads_) total += payload.decoded_bytes;
  return total;
}

void PayloadSet::ShiftToCycle(Payload& payload, uint64_t cycle) const {
  const int64_t shift = static_cast<int64_t>(cycle) * cycle_span_ns_;
  for (size_t row_idx = 0; row_idx < payload.time_offsets.size(); ++row_idx) {
    WriteTime(payload.body.data() + payload.time_offsets[row_idx],
              payload.base_times_ns[row_idx] + shift);
  }
  payload.cycle = cycle;
}

}  // namespace strata::bench
