// Streamed results of the read endpoints (query, records, changes): an NDJSON/CSV body sent
// in chunks as the executor produces rows (CONVENTIONS.md §14: an error after streaming
// began ends an NDJSON stream with an {"error": problem} line; a CSV stream is cut short
// instead, so the client sees a truncated transfer), and the stats member of JSON pages
// (json_page_sink.h).
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

// Runs `run` into a streamed NDJSON/CSV response. `run` executes the query into the sink it
// is given and returns the outcome; it is called on a worker thread after the headers went.
using StreamedRun = std::function<Result<service::QueryOutcome>(exec::RowSink& sink)>;
ApiResponse StreamedResultResponse(service::ResultFormat format,
                                   std::vector<exec::ResultColumn> columns, StreamedRun run,
                                   std::string request_id);

// Appends the "stats" member of a JSON page.
void AppendStats(std::string& out, const service::QueryOutcome& outcome);

}  // namespace strata::server
