// REST routes of async jobs (docs/api.md "Jobs"): GET and DELETE /v1/jobs/{id}, the async
// branch of POST /v1/datasets/{id}/ingest, and the job document that DELETE
// /v1/datasets/{id}/records answers with when it starts a delete job.
#pragma once

#include "common/json_writer.h"
#include "server/api/router.h"
#include "service/ingest_service.h"
#include "service/job_service.h"

namespace strata::server {

// `jobs` must outlive the router.
void AddJobRoutes(Router& router, service::JobService& jobs);

// The async branch of POST /v1/datasets/{id}/ingest: stores `request` as a job and answers
// 202 with `Location: /v1/jobs/{id}` and the job; errors as problems (415 adds
// Accept-Encoding when a Content-Encoding was sent, as the synchronous answer does).
Result<ApiResponse> StartIngestJob(service::JobService& jobs, const RequestContext& context,
                                   service::IngestRequest request);

// The job as JSON (docs/api.md "Jobs"): common members, then those of its type.
void WriteJobJson(JsonWriter& writer, const meta::JobRecord& job);

// 202 Accepted with `Location: /v1/jobs/{id}` and the job: the answer of a request that
// started one.
ApiResponse JobAcceptedResponse(const meta::JobRecord& job);

}  // namespace strata::server
