// UploadService: tus 1.0 resumable uploads into a dataset (CONVENTIONS.md §2; docs/ingest.md
// "Resumable uploads (tus)"). Transport-neutral: the REST handlers map tus headers to these
// calls and the results back to headers.
//
// Storage: an upload's bytes live in <data dir>/uploads/<id>; its MetaStore record holds the
// acknowledged offset (records.h, UploadRecord). An append writes and fsyncs its bytes, then
// records the new offset, and only then is acknowledged. So after a crash the file holds at
// least the recorded offset; bytes beyond it were never acknowledged and are cut off
// (Start() and every append truncate the file to the recorded offset), and a client resumes
// from the offset HEAD reports. Trusting the file size instead would risk acknowledging bytes
// that a crash left unwritten (a file can grow before its data reaches the disk).
// Completion: the append that brings the offset to Upload-Length records the upload as
// complete and a queued ingest job (JobService) in one MetaStore transaction; the job
// ingests the file with the checks and isolation of POST /ingest, runs with the uploader's
// roles, and removes the file when it finishes. The upload's record, which names the job,
// stays until it expires.
// Expiry: an incomplete upload expires `expiry_seconds` after its last append and answers 410
// from then on. A background thread, every expiry_seconds / 4 (1 to 60 s), removes uploads
// that expired at least one such period ago (file and record; later requests get 404), and
// the records of completed uploads whose job has finished, `expiry_seconds` after
// completion.
// Permissions: every call needs data:write on the upload's dataset; an upload is visible only
// under its own dataset.
// Thread safety: thread-safe; appends to one upload are serialised. Start() and Stop() are
// called once each, from one thread.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "common/result.h"
#include "meta/meta_store.h"
#include "security/principal.h"
#include "service/dataset_service.h"
#include "service/job_service.h"
#include "storage/env/env.h"

namespace strata::service {

struct UploadOptions {
  std::string data_dir;  // Bytes go to <data_dir>/uploads/.
  // Largest upload (Tus-Max-Size). Default: 1 GiB.
  uint64_t max_bytes = uint64_t{1} << 30;
  // Idle time after which an incomplete upload expires. Default: 24 hours.
  int64_t expiry_seconds = 24 * 3600;
  storage::Env* env = storage::Env::Default();
};

// POST: creation, optionally with the first bytes (creation-with-upload).
struct UploadCreation {
  std::optional<uint64_t> length;  // Upload-Length.
  bool defer_length = false;       // Upload-Defer-Length: 1.
  std::string metadata;            // Upload-Metadata as sent.
  std::string body;
  std::optional<std::string> checksum;  // Upload-Checksum as sent, for `body`.
};

// PATCH: bytes at an offset.
struct UploadAppend {
  uint64_t offset = 0;             // Upload-Offset.
  std::optional<uint64_t> length;  // Upload-Length, for an upload created with a deferred one.
  std::string body;
  std::optional<std::string> checksum;  // Upload-Checksum as sent.
};

class UploadService {
 public:
  // Every reference must outlive the service.
  UploadService(meta::MetaStore& store, DatasetService& datasets, JobService& jobs,
                UploadOptions options);
  ~UploadService();  // Stop().
  UploadService(const UploadService&) = delete;
  UploadService& operator=(const UploadService&) = delete;

  // Reconciles upload files with their records (see "Storage") and starts the expiry thread.
  Status Start();
  // Stops the expiry thread. Idempotent.
  void Stop();

  // Creates an upload (its record says whether the creation body completed it, and the job
  // then started). Errors: NotFound / PermissionDenied (dataset), InvalidArgument (length
  // headers, metadata, checksum), PayloadTooLarge (above max_bytes or Upload-Length),
  // UnsupportedMediaType (content-type metadata), ValidationFailed checksum_mismatch,
  // Unavailable (job queue full).
  Result<meta::UploadRecord> Create(const security::Principal& caller, std::string_view dataset_id,
                                    UploadCreation creation);
  // HEAD. NotFound (also upload_expired: the handler answers 410).
  Result<meta::UploadRecord> Get(const security::Principal& caller, std::string_view dataset_id,
                                 std::string_view upload_id);
  // PATCH. As Create, plus Conflict upload_offset_mismatch (nothing written) when
  // `append.offset` is not the upload's offset.
  Result<meta::UploadRecord> Append(const security::Principal& caller, std::string_view dataset_id,
                                    std::string_view upload_id, UploadAppend append);
  // DELETE (termination): removes an incomplete upload. Conflict upload_complete once its
  // job has started (cancel the job instead).
  Status Terminate(const security::Principal& caller, std::string_view dataset_id,
                   std::string_view upload_id);

  // Removes the uploads that expired before `cutoff_micros` (see "Expiry"); returns how many.
  Result<size_t> RemoveExpired(int64_t cutoff_micros);

  const UploadOptions& options() const { return options_; }

 private:
  std::string PathOf(std::string_view upload_id) const;
  std::mutex& LockFor(std::string_view upload_id);
  // The upload `upload_id` of `dataset_id`, if the caller may write there and it has not
  // expired.
  Result<meta::UploadRecord> Load(const security::Principal& caller, std::string_view dataset_id,
                                  std::string_view upload_id);
  // The job that ingests a complete upload (not stored).
  Result<meta::JobRecord> CompletionJob(const meta::UploadRecord& upload);
  // Appends `data` at `offset` to the upload's file and fsyncs it, first cutting off any
  // bytes past `offset` (an unacknowledged write).
  Status AppendToFile(std::string_view upload_id, uint64_t offset, std::string_view data);
  void ExpiryLoop();

  meta::MetaStore& store_;
  DatasetService& datasets_;
  JobService& jobs_;
  const UploadOptions options_;
  std::array<std::mutex, 64> upload_locks_;  // Striped by upload id.

  std::mutex mu_;  // Guards stopping_.
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread expiry_thread_;
};

}  // namespace strata::service
