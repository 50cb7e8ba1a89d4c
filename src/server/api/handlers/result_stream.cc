#include "server/api/handlers/result_stream.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "common/json_writer.h"
#include "server/api/problem.h"

namespace strata::server {

using service::ResultFormat;

namespace {

constexpr size_t kChunkBytes = 64 << 10;
// A JSON page's rows are encoded in pieces of about this size; a page whose rows fit in one
// is sent with Content-Length.
constexpr size_t kPieceBytes = 1 << 20;
// Rows encoded between checks of the piece size.
constexpr size_t kRowsPerStep = 512;
// A write is split across threads only when each gets at least this many rows.
constexpr size_t kRowsPerThread = 32768;

Status ClientGone() {
  return Status::Unavailable("the client disconnected").WithProblemCode("query_cancelled");
}

// Encodes rows and hands them to the HTTP layer in chunks of about kChunkBytes.
class StreamSink : public exec::RowSink {
 public:
  StreamSink(ResultFormat format, const ChunkWriter& writer) : format_(format), writer_(writer) {}

  Status Begin(const std::vector<exec::ResultColumn>& columns) override {
    header_ = columns;
    if (format_ == ResultFormat::kCsv) service::AppendCsvHeader(buffer_, columns);
    return Status();
  }

  Status Write(const std::vector<types::ColumnVector>& columns, size_t begin, size_t end) override {
    if (format_ == ResultFormat::kCsv) {
      service::AppendCsvRows(buffer_, columns, begin, end);
    } else {
      service::AppendNdjsonRows(buffer_, header_, columns, begin, end);
    }
    if (buffer_.size() >= kChunkBytes) return Flush();
    return Status();
  }

  Status Flush() {
    if (buffer_.empty()) return Status();
    if (!writer_(buffer_)) return ClientGone();
    buffer_.clear();
    return Status();
  }

  void AppendRaw(std::string_view text) { buffer_ += text; }

 private:
  ResultFormat format_;
  const ChunkWriter& writer_;
  std::vector<exec::ResultColumn> header_;
  std::string buffer_;
};

// Appends rows [begin, end) to `pieces` as the body of a JSON rows array (see
// service::AppendJsonRows for `first`), starting a new piece once the last one holds
// kPieceBytes.
void EncodeJsonRows(std::vector<std::string>& pieces,
                    const std::vector<types::ColumnVector>& columns, size_t begin, size_t end,
                    bool& first) {
  for (size_t row = begin; row < end;) {
    if (pieces.empty() || pieces.back().size() >= kPieceBytes) {
      pieces.emplace_back();
      pieces.back().reserve(kPieceBytes + kPieceBytes / 4);
    }
    const size_t step_end = std::min(end, row + kRowsPerStep);
    service::AppendJsonRows(pieces.back(), columns, row, step_end, first);
    row = step_end;
  }
}

}  // namespace

JsonPageSink::JsonPageSink(int parallelism) : parallelism_(std::max(parallelism, 1)) {}

Status JsonPageSink::Begin(const std::vector<exec::ResultColumn>& columns) {
  columns_.clear();
  service::AppendJsonColumns(columns_, columns);
  return Status();
}

Status JsonPageSink::Write(const std::vector<types::ColumnVector>& columns, size_t begin,
                           size_t end) {
  if (begin >= end) return Status();
  const size_t rows = end - begin;
  const size_t threads =
      std::min(static_cast<size_t>(parallelism_), std::max<size_t>(rows / kRowsPerThread, 1));
  if (threads == 1) {
    EncodeJsonRows(pieces_, columns, begin, end, first_);
    return Status();
  }
  // Contiguous ranges, one per thread, joined in order.
  std::vector<std::vector<std::string>> parts(threads);
  const auto encode = [&](size_t t) {
    bool first = t == 0 && first_;
    EncodeJsonRows(parts[t], columns, begin + rows * t / threads, begin + rows * (t + 1) / threads,
                   first);
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(encode, t);
  encode(0);
  for (std::thread& helper : helpers) helper.join();
  first_ = false;
  for (std::vector<std::string>& part : parts) {
    for (std::string& piece : part) pieces_.push_back(std::move(piece));
  }
  return Status();
}

void AppendStats(std::string& out, const service::QueryOutcome& outcome) {
  const types::ScanStats& scan = outcome.stats.scan;
  JsonWriter stats;
  stats.BeginObject();
  stats.Member("rows_returned", outcome.stats.rows_returned);
  stats.Member("rows_scanned", scan.rows_scanned);
  stats.Member("bytes_scanned", scan.bytes_scanned);
  stats.Member("partitions_total", scan.partitions_total);
  stats.Member("partitions_pruned", scan.partitions_pruned);
  stats.Member("chunks_total", scan.chunks_total);
  stats.Member("chunks_pruned", scan.chunks_pruned);
  stats.Member("snapshot_seq", scan.snapshot_seq);
  stats.Member("peak_memory_bytes", outcome.stats.peak_memory_bytes);
  stats.Member("elapsed_ms", outcome.elapsed_ms);
  stats.EndObject();
  out += "\"stats\":";
  out += stats.str();
}

ApiResponse JsonPageSink::TakeResponse(const service::QueryOutcome& outcome) {
  std::string head = "{" + columns_ + ",\"rows\":[";
  std::string tail = "],\"next_cursor\":";
  if (outcome.next_cursor.empty()) {
    tail += "null";
  } else {
    AppendJsonString(tail, outcome.next_cursor);
  }
  tail += ',';
  AppendStats(tail, outcome);
  tail += '}';
  size_t rows_bytes = 0;
  for (const std::string& piece : pieces_) rows_bytes += piece.size();
  if (rows_bytes <= kPieceBytes) {
    std::string body;
    body.reserve(head.size() + rows_bytes + tail.size());
    body += head;
    for (const std::string& piece : pieces_) body += piece;
    body += tail;
    pieces_.clear();
    return ApiResponse::Json(200, std::move(body));
  }
  pieces_.insert(pieces_.begin(), std::move(head));
  pieces_.push_back(std::move(tail));
  auto pieces = std::make_shared<std::vector<std::string>>(std::move(pieces_));
  pieces_.clear();
  return ApiResponse::Streamed(200, "application/json", [pieces](const ChunkWriter& writer) {
    for (std::string& piece : *pieces) {
      if (!writer(piece)) return false;
      std::string().swap(piece);  // Sent: release it now rather than with the response.
    }
    return true;
  });
}

ApiResponse StreamedResultResponse(ResultFormat format, std::vector<exec::ResultColumn> columns,
                                   StreamedRun run, std::string request_id) {
  ApiResponse response;
  response.status = 200;
  response.content_type = std::string(service::ResultContentType(format));
  response.stream = [format, columns = std::move(columns), run = std::move(run),
                     request_id = std::move(request_id)](const ChunkWriter& writer) {
    StreamSink sink(format, writer);
    Result<service::QueryOutcome> outcome = run(sink);
    Status error = outcome.status();
    if (error.ok() && outcome->row_limit_exceeded) {
      error = Status::ValidationFailed(
                  "the result has more rows than query.max_rows; pass a limit, or page with "
                  "format json")
                  .WithProblemCode("row_limit_exceeded");
    }
    if (error.ok()) return sink.Flush().ok();
    if (error.problem_code() == "query_cancelled") return false;
    if (format != ResultFormat::kNdjson) return false;  // CSV: a truncated transfer.
    const ApiResponse problem = ProblemResponse(error, request_id);
    sink.AppendRaw("{\"error\":");
    sink.AppendRaw(problem.body);
    sink.AppendRaw("}\n");
    return sink.Flush().ok();
  };
  return response;
}

}  // namespace strata::server
