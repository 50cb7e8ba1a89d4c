// The outcome of an ingest request as bytes: stored with its Idempotency-Key (and in the
// commit note of its append) so that a retry is answered exactly as the first request was.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.h"
#include "common/result.h"
#include "service/ingest_service.h"

namespace strata::service {

// The `errors` array of an ingest answer, in the form the API documents (index, id,
// pointer, code, detail); stored outcomes use the same form.
void WriteIngestRecordErrors(JsonWriter& writer, const std::vector<IngestRecordError>& errors);

// JSON text of a result, or of an error status (code, problem code, message, errors).
std::string EncodeIngestOutcome(const Result<IngestResult>& outcome);

// The outcome encoded by EncodeIngestOutcome. Corruption when `text` is not one.
Result<Result<IngestResult>> DecodeIngestOutcome(std::string_view text);

}  // namespace strata::service
