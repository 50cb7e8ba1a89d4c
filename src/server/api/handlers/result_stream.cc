#include "server/api/handlers/result_stream.h"

#include <cstdio>

#include "common/json_writer.h"
#include "server/api/problem.h"

namespace strata::server {

using service::ResultFormat;

namespace {

constexpr size_t kChunkBytes = 64 << 10;

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

}  // namespace

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
