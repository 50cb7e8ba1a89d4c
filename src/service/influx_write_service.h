// InfluxWriteService: the InfluxDB write compatibility endpoints (POST /write and
// POST /api/v2/write; docs/ingest.md "InfluxDB-compatible endpoints"), transport-neutral.
// A body of line protocol may hold points of several measurements, and each measurement
// names a dataset. The service inflates the body once, reads it with the line protocol
// reader, groups the points by measurement (keeping body order within each group) and hands
// every group to IngestService::Ingest as a line protocol body of its own. A dataset that does
// not exist is created first, when the caller holds datasets:create: schema mode `evolve`,
// time field `time` (timestamp), partitioned by day; the ingest then adds the tags and fields
// as nullable fields.
//
// Thread safety: thread-safe; one call per request.
// Contract:
//   1. Every record of the body is counted once: written, or dropped for one reason (a line
//      that does not parse, a measurement that is not a dataset id, a point its dataset
//      rejects, a dataset that is missing and may not be created).
//   2. Groups are written in the order of their first point; a group's accepted points are
//      committed in one append, in body order (IngestService contract 2).
//   3. Not atomic across datasets: when writing one group fails as a whole (an error Status),
//      the groups written before it stay committed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "ingest/line_protocol.h"
#include "security/authorizer.h"
#include "security/principal.h"
#include "service/dataset_service.h"
#include "service/ingest_service.h"

namespace strata::service {

struct InfluxWriteRequest {
  std::string body;              // Line protocol, as received.
  std::string content_encoding;  // Header value; "" = identity.
  ingest::TimestampPrecision precision = ingest::TimestampPrecision::kNanoseconds;
};

// One dropped record, or one missing dataset.
struct InfluxLineError {
  uint64_t line = 0;  // 1-based line of the (inflated) body where the record starts.
  // "unable to parse '<line>': <reason>" (ingest::AppendUnableToParse), or for a missing
  // dataset `database not found: "<id>"` at the line of its first point.
  std::string message;
};

struct InfluxWriteResult {
  size_t records = 0;                         // Points and bad lines in the body.
  size_t written = 0;                         // Points committed.
  size_t dropped = 0;                         // records - written.
  size_t dropped_missing = 0;                 // Of `dropped`: points of datasets that do not exist.
  std::vector<std::string> missing_datasets;  // In the order of their first point.
  std::vector<std::string> created_datasets;  // Created by this request.
  // In line order: the first `IngestLimits::max_errors`; errors_truncated says more exist.
  std::vector<InfluxLineError> errors;
  bool errors_truncated = false;
};

class InfluxWriteService {
 public:
  // Every reference must outlive the service. `limits` must be the IngestService's.
  InfluxWriteService(DatasetService& datasets, IngestService& ingest,
                     const security::Authorizer& authorizer, IngestLimits limits)
      : datasets_(datasets), ingest_(ingest), authorizer_(authorizer), limits_(limits) {}

  // Needs data:write (and datasets:create to create datasets). Errors: PermissionDenied;
  // the Content-Encoding errors of InflateRequestBody (400, 413, 415); InvalidArgument
  // (problem code no_records) for a body without records; PayloadTooLarge (too_many_records)
  // above IngestLimits::max_rows_per_request records; and the request-level errors of
  // IngestService::Ingest and DatasetService::Create for any group (503, 507, ...);
  // Unavailable (dataset_busy) when a dataset vanishes between its lookup and its append,
  // as when a concurrent request is still creating it.
  // Dropped records are not errors: the result reports them.
  Result<InfluxWriteResult> Write(const security::Principal& caller, InfluxWriteRequest request);

 private:
  // Creates dataset `id` for InfluxDB writes. True when this call created it, false when a
  // concurrent request did first.
  Result<bool> CreateDataset(const security::Principal& caller, const std::string& id);

  DatasetService& datasets_;
  IngestService& ingest_;
  const security::Authorizer& authorizer_;
  IngestLimits limits_;
};

}  // namespace strata::service
