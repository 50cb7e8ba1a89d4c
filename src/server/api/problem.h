// RFC 9457 problem details (CONVENTIONS.md §1): the one renderer of every error response.
// Thread safety: stateless functions.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/json_writer.h"

#include "common/status.h"
#include "server/api/api_types.h"

namespace strata::server {

// The HTTP status of a StatusCode.
int HttpStatusFor(StatusCode code);

// What a client may read about `status` (REQUIRES: !status.ok()): its message, except for
// internal failures (Internal, IoError, Corruption), whose message stays in the log and which
// read "the server failed to complete the request; quote request id <id> when reporting it".
std::string PublicMessage(const Status& status, std::string_view request_id);

// An application/problem+json response for `status` (REQUIRES: !status.ok()):
//   {"type":"/problems/<code>","title":...,"status":N,"code":"<code>","detail":...,
//    "instance":"urn:strata:request:<id>","request_id":"<id>","errors":[...]}
// Adds WWW-Authenticate to 401s. Internal errors never show their message: the detail says
// to quote the request id, and the message goes to the log only. `http_status`, when not 0,
// overrides the status derived from the code (for HTTP-only answers such as 405 and 431).
// `extensions`, when set, writes extension members (RFC 9457 §3.2) after the standard ones,
// e.g. the ingest result of a records_invalid problem.
ApiResponse ProblemResponse(const Status& status, std::string_view request_id, int http_status = 0,
                            const std::function<void(JsonWriter&)>& extensions = nullptr);

}  // namespace strata::server
