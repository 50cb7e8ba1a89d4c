// REST routes of the InfluxDB compatibility endpoints (docs/ingest.md "InfluxDB-compatible
// endpoints"), so that Telegraf and the InfluxDB client libraries write to Strata unchanged:
//   POST /write?db=<name>&precision=<n|u|ms|s|m|h>              (InfluxDB 1.x)
//   POST /api/v2/write?bucket=<name>&org=<org>&precision=<ns|us|ms|s>  (InfluxDB 2.x)
//   GET|HEAD /ping                                              (public)
// These answer in InfluxDB's conventions, not RFC 9457: 204 No Content on success, and errors
// as {"code":"<InfluxDB code>","message":"...","error":"..."} ("error" repeats the message for
// 1.x clients) with Content-Type application/json. Every answer of theirs carries
// X-Influxdb-Version.
#pragma once

#include <string_view>

#include "server/api/router.h"
#include "service/influx_write_service.h"

namespace strata::server {

// The InfluxDB version in X-Influxdb-Version: 1.8 is the release that serves exactly these
// write endpoints (both /write and /api/v2/write, Token auth, org ignored).
inline constexpr std::string_view kInfluxCompatVersion = "1.8.10";

// `service` must outlive the router.
void AddInfluxRoutes(Router& router, service::InfluxWriteService& service);

}  // namespace strata::server
