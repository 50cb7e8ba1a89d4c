// JSON result pages (docs/query.md "Results"): {"columns":[...],"rows":[...],"next_cursor":
// ...,"stats":{...}}. A page is complete before it is answered, so its status is final; only
// then is it encoded and sent.
//   - Rows written batch by batch (Write) are encoded as they come, in pieces of about 1 MiB,
//     so a large page never needs one contiguous buffer that grows by copying.
//   - A large result handed over whole (WriteAll: a first page that holds the whole result,
//     or a cached one) is kept as it is (parts of columns) and encoded while it is sent:
//     ranges of rows on up to `parallelism` threads, each range sent as soon as it and those
//     before it are done.
// Pages up to 1 MiB go out with Content-Length, larger ones with chunked transfer encoding.
// Thread safety: one sink per request; the response's producer runs once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "exec/row_sink.h"
#include "server/api/api_types.h"
#include "service/query_service.h"

namespace strata::server {

class JsonPageSink : public exec::RowSink {
 public:
  explicit JsonPageSink(int parallelism = 1);

  Status Begin(const std::vector<exec::ResultColumn>& columns) override;
  Status Write(const std::vector<types::ColumnVector>& columns, size_t begin, size_t end) override;
  Status WriteAll(std::shared_ptr<const exec::ResultRows> rows) override;

  // The 200 answering the page. Call once, after the last write.
  ApiResponse TakeResponse(const service::QueryOutcome& outcome);

 private:
  int parallelism_;
  std::string columns_;
  std::vector<std::string> pieces_;  // Rows encoded so far: the rows array's contents.
  bool first_ = true;
  // A large result kept for encoding while it is sent (pieces_ is then empty).
  std::shared_ptr<const exec::ResultRows> deferred_;
};

}  // namespace strata::server
