#include "service/job_body.h"

#include <vector>

#include "ingest/content_decoding.h"

namespace strata::service {

Result<std::unique_ptr<JobBody>> JobBody::Open(storage::Env* env, const std::string& path,
                                               std::string_view content_encoding,
                                               size_t max_decoded_bytes) {
  auto body = std::make_unique<JobBody>();
  STRATA_ASSIGN_OR_RETURN(std::vector<ingest::ContentCoding> codings,
                          ingest::ParseContentEncoding(content_encoding));
  if (codings.empty()) {
    STRATA_ASSIGN_OR_RETURN(body->file_, env->NewRandomAccessFile(path));
    return body;
  }
  STRATA_ASSIGN_OR_RETURN(std::string encoded, env->ReadFile(path));
  STRATA_ASSIGN_OR_RETURN(body->decoded_, ingest::DecodeBody(encoded, codings, max_decoded_bytes));
  return body;
}

uint64_t JobBody::size() const { return file_ ? file_->Size() : decoded_.size(); }

Status JobBody::Read(uint64_t offset, size_t n, std::string& out) const {
  if (file_) return file_->Read(offset, n, out);
  out.assign(decoded_, static_cast<size_t>(offset), n);
  return Status();
}

}  // namespace strata::service
