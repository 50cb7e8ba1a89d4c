// JobBody: the body an ingest job reads, by offset: its file, or for a body with a
// Content-Encoding the decoded bytes (decoded once, in memory, when the job starts or
// resumes; decoding is deterministic, so offsets stay valid across restarts).
// Thread safety: none; one runner thread reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "storage/env/env.h"

namespace strata::service {

class JobBody {
 public:
  // Opens the file at `path`. With a `content_encoding`, reads it whole and decodes it, up
  // to `max_decoded_bytes` (PayloadTooLarge beyond, as the synchronous ingest answers).
  static Result<std::unique_ptr<JobBody>> Open(storage::Env* env, const std::string& path,
                                               std::string_view content_encoding,
                                               size_t max_decoded_bytes);

  uint64_t size() const;
  // Replaces `out` with bytes [offset, offset + n). REQUIRES: offset + n <= size().
  Status Read(uint64_t offset, size_t n, std::string& out) const;

 private:
  std::unique_ptr<storage::RandomAccessFile> file_;  // Null for a decoded body.
  std::string decoded_;
};

}  // namespace strata::service
