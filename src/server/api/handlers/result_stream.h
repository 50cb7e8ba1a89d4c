// Result responses shared by the read endpoints (query, records, changes): a JSON page
// assembled in memory, or an NDJSON/CSV body streamed in chunks as the executor produces rows
// (CONVENTIONS.md §14: an error after streaming began ends an NDJSON stream with an
// {"error": problem} line; a CSV stream is cut short instead, so the client sees a truncated
// transfer).
// Thread safety: one response per request.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "exec/row_sink.h"
#include "server/api/api_types.h"
#include "service/query_service.h"
#include "service/result_format.h"

namespace strata::server {

// Builds a JSON page. Rows are encoded into pieces of about 1 MiB, so a large page never
// needs one contiguous buffer that grows by copying; a single large Write (a result handed
// over whole) is encoded on up to `parallelism` threads.
class JsonPageSink : public exec::RowSink {
 public:
  explicit JsonPageSink(int parallelism = 1);

  Status Begin(const std::vector<exec::ResultColumn>& columns) override;
  Status Write(const std::vector<types::ColumnVector>& columns, size_t begin, size_t end) override;

  // A 200 with {"columns":[...],"rows":[...],"next_cursor":...,"stats":{...}}: one body with
  // Content-Length up to 1 MiB, streamed piece by piece (chunked) above that, so the first
  // bytes leave while the rest is being written to the socket.
  ApiResponse TakeResponse(const service::QueryOutcome& outcome);

 private:
  int parallelism_;
  std::string columns_;
  std::vector<std::string> pieces_;  // The rows array's contents, in order.
  bool first_ = true;
};

// Runs `run` into a streamed NDJSON/CSV response. `run` executes the query into the sink it
// is given and returns the outcome; it is called on a worker thread after the headers went.
using StreamedRun = std::function<Result<service::QueryOutcome>(exec::RowSink& sink)>;
ApiResponse StreamedResultResponse(service::ResultFormat format,
                                   std::vector<exec::ResultColumn> columns, StreamedRun run,
                                   std::string request_id);

// Appends the "stats" member of a JSON page.
void AppendStats(std::string& out, const service::QueryOutcome& outcome);

}  // namespace strata::server
