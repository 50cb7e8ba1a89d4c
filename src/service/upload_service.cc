#include "service/upload_service.h"

#include <algorithm>
#include <functional>
#include <unordered_set>

#include "common/logging.h"
#include "common/time_util.h"
#include "security/crypto.h"
#include "service/tus_headers.h"

namespace strata::service {
namespace {

using meta::JobRecord;
using meta::UploadRecord;
using security::Permission;

constexpr std::string_view kUploadsDir = "uploads";
constexpr size_t kExpiredBatch = 1000;
constexpr size_t kUploadIdChars = 24;  // ~143 random bits.

Status UploadNotFound(std::string_view upload_id) {
  return Status::NotFound("upload '" + std::string(upload_id) + "' does not exist")
      .WithProblemCode("upload_not_found");
}

Status TooLarge(uint64_t max_bytes) {
  return Status::PayloadTooLarge("uploads are limited to " + std::to_string(max_bytes) +
                                 " bytes (Tus-Max-Size, ingest.upload_max_bytes)")
      .WithProblemCode("upload_too_large");
}

Status PastLength(int64_t length) {
  return Status::PayloadTooLarge("the bytes sent run past Upload-Length (" +
                                 std::to_string(length) + " bytes)")
      .WithProblemCode("upload_length_exceeded");
}

Status VerifyChecksum(const std::optional<std::string>& header, std::string_view data) {
  if (!header) return Status();
  STRATA_ASSIGN_OR_RETURN(UploadChecksum checksum, ParseUploadChecksum(*header));
  if (!ChecksumMatches(checksum, data)) {
    return Status::ValidationFailed(
               "the bytes received do not match Upload-Checksum; they were discarded, send "
               "them again")
        .WithProblemCode("checksum_mismatch")
        .WithErrors({ErrorDetail::Header("Upload-Checksum", "digest mismatch")});
  }
  return Status();
}

int64_t Seconds(int64_t seconds) { return seconds * 1'000'000; }

}  // namespace

UploadService::UploadService(meta::MetaStore& store, DatasetService& datasets, JobService& jobs,
                             UploadOptions options)
    : store_(store), datasets_(datasets), jobs_(jobs), options_(std::move(options)) {}

UploadService::~UploadService() { Stop(); }

std::string UploadService::PathOf(std::string_view upload_id) const {
  return storage::JoinPath(storage::JoinPath(options_.data_dir, kUploadsDir), upload_id);
}

std::mutex& UploadService::LockFor(std::string_view upload_id) {
  return upload_locks_[std::hash<std::string_view>{}(upload_id) % upload_locks_.size()];
}

Status UploadService::Start() {
  storage::Env* env = options_.env;
  const std::string dir = storage::JoinPath(options_.data_dir, kUploadsDir);
  STRATA_RETURN_IF_ERROR(env->CreateDirs(dir));
  STRATA_ASSIGN_OR_RETURN(std::vector<UploadRecord> uploads, store_.ListUploads());
  std::unordered_set<std::string> known;
  for (const UploadRecord& upload : uploads) {
    known.insert(upload.id);
    const std::string path = PathOf(upload.id);
    if (!upload.job_id.empty()) {
      Result<JobRecord> job = store_.GetJob(upload.job_id);
      if (job.ok() && meta::IsFinished(job->state)) env->DeleteFile(path).IgnoreError();
      continue;  // Otherwise the job still needs the file.
    }
    uint64_t size = 0;
    if (env->FileExists(path)) {
      STRATA_ASSIGN_OR_RETURN(size, env->FileSize(path));
    }
    if (size > upload.offset) {
      STRATA_LOG(kInfo, "cutting off unacknowledged upload bytes")
          .Str("upload", upload.id)
          .Int("offset", static_cast<int64_t>(upload.offset))
          .Int("file_bytes", static_cast<int64_t>(size));
      STRATA_RETURN_IF_ERROR(env->TruncateFile(path, upload.offset));
    } else if (size < upload.offset) {
      // Acknowledged bytes are gone (the disk lost them): HEAD tells the client where to
      // resume from.
      STRATA_LOG(kError, "upload file is shorter than its acknowledged offset")
          .Str("upload", upload.id)
          .Int("offset", static_cast<int64_t>(upload.offset))
          .Int("file_bytes", static_cast<int64_t>(size));
      UploadRecord shorter = upload;
      shorter.offset = size;
      STRATA_RETURN_IF_ERROR(store_.UpdateUpload(shorter, upload.offset, nullptr));
    }
  }
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(dir));
  for (const std::string& name : names) {
    if (known.count(name) == 0) env->DeleteFile(storage::JoinPath(dir, name)).IgnoreError();
  }
  expiry_thread_ = std::thread([this] { ExpiryLoop(); });
  return Status();
}

void UploadService::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (expiry_thread_.joinable()) expiry_thread_.join();
}

void UploadService::ExpiryLoop() {
  const auto period = std::chrono::seconds(std::clamp<int64_t>(options_.expiry_seconds / 4, 1, 60));
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, period, [this] { return stopping_; })) {
    lock.unlock();
    // Expired uploads answer 410 for a period before they are gone (404).
    const int64_t cutoff =
        NowMicros() - std::chrono::duration_cast<std::chrono::microseconds>(period).count();
    Result<size_t> removed = RemoveExpired(cutoff);
    if (!removed.ok()) {
      STRATA_LOG(kWarn, "removing expired uploads failed")
          .Str("error", removed.status().ToString());
    } else if (removed.value() > 0) {
      STRATA_LOG(kInfo, "removed expired uploads")
          .Int("uploads", static_cast<int64_t>(removed.value()));
    }
    lock.lock();
  }
}

Result<size_t> UploadService::RemoveExpired(int64_t cutoff_micros) {
  STRATA_ASSIGN_OR_RETURN(std::vector<UploadRecord> expired,
                          store_.ListExpiredUploads(cutoff_micros, kExpiredBatch));
  size_t removed = 0;
  for (const UploadRecord& candidate : expired) {
    std::lock_guard lock(LockFor(candidate.id));
    Result<UploadRecord> upload = store_.GetUpload(candidate.id);
    if (!upload.ok() || upload->expires_at >= cutoff_micros) continue;  // Gone, or appended to.
    if (!upload->job_id.empty()) {
      Result<JobRecord> job = store_.GetJob(upload->job_id);
      if (job.ok() && !meta::IsFinished(job->state)) continue;  // Its job reads the file.
    }
    Status deleted = store_.DeleteUpload(upload->id);
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
    options_.env->DeleteFile(PathOf(upload->id)).IgnoreError();  // Absent once ingested.
    ++removed;
  }
  return removed;
}

Result<UploadRecord> UploadService::Load(const security::Principal& caller,
                                         std::string_view dataset_id, std::string_view upload_id) {
  STRATA_RETURN_IF_ERROR(
      datasets_.LoadForData(caller, dataset_id, Permission::kDataWrite).status());
  Result<UploadRecord> upload = store_.GetUpload(upload_id);
  if (!upload.ok()) {
    if (upload.status().code() == StatusCode::kNotFound) return UploadNotFound(upload_id);
    return upload.status();
  }
  if (upload->dataset_id != dataset_id) return UploadNotFound(upload_id);
  if (upload->job_id.empty() && upload->expires_at < NowMicros()) {
    return Status::NotFound("upload '" + std::string(upload_id) + "' expired at " +
                            FormatRfc3339(upload->expires_at) + "; start a new upload")
        .WithProblemCode("upload_expired");
  }
  return upload;
}

Result<JobRecord> UploadService::CompletionJob(const UploadRecord& upload) {
  STRATA_ASSIGN_OR_RETURN(std::vector<UploadMetadataEntry> entries,
                          ParseUploadMetadata(upload.metadata));
  STRATA_ASSIGN_OR_RETURN(IngestJobSpec spec, IngestSpecFromMetadata(entries));
  const security::Principal creator =
      security::ActingOn(upload.creator, upload.dataset_id, upload.creator_roles);
  return jobs_.NewJob(creator, upload.dataset_id, spec, std::string(kUploadsDir) + "/" + upload.id,
                      upload.id, static_cast<uint64_t>(upload.length));
}

Status UploadService::AppendToFile(std::string_view upload_id, uint64_t offset,
                                   std::string_view data) {
  storage::Env* env = options_.env;
  const std::string path = PathOf(upload_id);
  uint64_t size = 0;
  if (env->FileExists(path)) {
    STRATA_ASSIGN_OR_RETURN(size, env->FileSize(path));
  }
  if (size < offset) {
    return Status::Corruption("upload file " + path + " holds " + std::to_string(size) +
                              " bytes, fewer than its offset " + std::to_string(offset));
  }
  if (size > offset) STRATA_RETURN_IF_ERROR(env->TruncateFile(path, offset));
  Status written = [&]() -> Status {
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<storage::WritableFile> file,
                            env->NewAppendableFile(path));
    STRATA_RETURN_IF_ERROR(file->Append(data));
    STRATA_RETURN_IF_ERROR(file->Sync());
    return file->Close();
  }();
  if (!written.ok()) env->TruncateFile(path, offset).IgnoreError();  // Start() retries it.
  return written;
}

Result<UploadRecord> UploadService::Create(const security::Principal& caller,
                                           std::string_view dataset_id, UploadCreation creation) {
  STRATA_RETURN_IF_ERROR(
      datasets_.LoadForData(caller, dataset_id, Permission::kDataWrite).status());
  if (creation.length && creation.defer_length) {
    return Status::InvalidArgument("send Upload-Length or Upload-Defer-Length: 1, not both")
        .WithProblemCode("invalid_upload_length")
        .WithErrors({ErrorDetail::Header("Upload-Defer-Length", "conflicts with Upload-Length")});
  }
  if (!creation.length && !creation.defer_length) {
    return Status::InvalidArgument(
               "an upload needs Upload-Length (its size in bytes) or Upload-Defer-Length: 1")
        .WithProblemCode("invalid_upload_length")
        .WithErrors({ErrorDetail::Header("Upload-Length", "missing")});
  }
  if (creation.length && *creation.length > options_.max_bytes) {
    return TooLarge(options_.max_bytes);
  }
  if (creation.length && *creation.length == 0) {
    return Status::InvalidArgument("an empty upload holds no records; Upload-Length must be > 0")
        .WithProblemCode("invalid_upload_length")
        .WithErrors({ErrorDetail::Header("Upload-Length", "must be greater than 0")});
  }
  STRATA_ASSIGN_OR_RETURN(std::vector<UploadMetadataEntry> entries,
                          ParseUploadMetadata(creation.metadata));
  STRATA_RETURN_IF_ERROR(IngestSpecFromMetadata(entries).status());
  const int64_t length = creation.length ? static_cast<int64_t>(*creation.length) : -1;
  if (length >= 0 && creation.body.size() > static_cast<uint64_t>(length)) {
    return PastLength(length);
  }
  if (creation.body.size() > options_.max_bytes) return TooLarge(options_.max_bytes);
  STRATA_RETURN_IF_ERROR(VerifyChecksum(creation.checksum, creation.body));
  const bool complete = length >= 0 && creation.body.size() == static_cast<uint64_t>(length);
  if (complete) STRATA_RETURN_IF_ERROR(jobs_.CheckCapacity());

  UploadRecord upload;
  upload.id = security::RandomBase62(kUploadIdChars);
  upload.dataset_id = std::string(dataset_id);
  upload.creator = caller.ref;
  upload.creator_roles = security::RolesOn(caller, dataset_id);
  upload.length = length;
  upload.offset = creation.body.size();
  upload.metadata = std::move(creation.metadata);
  upload.created_at = NowMicros();
  upload.updated_at = upload.created_at;
  upload.expires_at = upload.created_at + Seconds(options_.expiry_seconds);

  storage::Env* env = options_.env;
  const std::string path = PathOf(upload.id);
  STRATA_RETURN_IF_ERROR([&]() -> Status {
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<storage::WritableFile> file,
                            env->NewWritableFile(path));
    if (!creation.body.empty()) STRATA_RETURN_IF_ERROR(file->Append(creation.body));
    STRATA_RETURN_IF_ERROR(file->Sync());
    STRATA_RETURN_IF_ERROR(file->Close());
    return env->SyncDir(storage::DirName(path));
  }());
  std::optional<JobRecord> job;
  if (complete) {
    STRATA_ASSIGN_OR_RETURN(job, CompletionJob(upload));
    upload.job_id = job->id;
  }
  if (Status created = store_.CreateUpload(upload, job ? &*job : nullptr); !created.ok()) {
    env->DeleteFile(path).IgnoreError();  // Start() removes it otherwise.
    return created;
  }
  if (job) jobs_.Enqueue(job->id);
  return upload;
}

Result<UploadRecord> UploadService::Get(const security::Principal& caller,
                                        std::string_view dataset_id, std::string_view upload_id) {
  return Load(caller, dataset_id, upload_id);
}

Result<UploadRecord> UploadService::Append(const security::Principal& caller,
                                           std::string_view dataset_id, std::string_view upload_id,
                                           UploadAppend append) {
  std::lock_guard lock(LockFor(upload_id));
  STRATA_ASSIGN_OR_RETURN(UploadRecord upload, Load(caller, dataset_id, upload_id));
  if (append.offset != upload.offset) {
    return Status::Conflict("Upload-Offset is " + std::to_string(append.offset) +
                            " but the upload is at byte " + std::to_string(upload.offset) +
                            "; nothing was written. Resume from the offset HEAD reports")
        .WithProblemCode("upload_offset_mismatch")
        .WithErrors({ErrorDetail::Header(
            "Upload-Offset", "the upload is at byte " + std::to_string(upload.offset))});
  }
  int64_t length = upload.length;
  if (append.length) {
    if (length >= 0 && static_cast<uint64_t>(length) != *append.length) {
      return Status::InvalidArgument("Upload-Length " + std::to_string(*append.length) +
                                     " differs from the upload's length " + std::to_string(length))
          .WithProblemCode("invalid_upload_length")
          .WithErrors({ErrorDetail::Header("Upload-Length", "cannot change once set")});
    }
    if (*append.length > options_.max_bytes) return TooLarge(options_.max_bytes);
    if (*append.length < upload.offset || *append.length == 0) {
      return Status::InvalidArgument("Upload-Length " + std::to_string(*append.length) +
                                     " is less than the " + std::to_string(upload.offset) +
                                     " bytes already received, or 0")
          .WithProblemCode("invalid_upload_length")
          .WithErrors({ErrorDetail::Header("Upload-Length", "too small")});
    }
    length = static_cast<int64_t>(*append.length);
  }
  const uint64_t new_offset = upload.offset + append.body.size();
  if (length >= 0 && new_offset > static_cast<uint64_t>(length)) return PastLength(length);
  if (length < 0 && new_offset > options_.max_bytes) return TooLarge(options_.max_bytes);
  STRATA_RETURN_IF_ERROR(VerifyChecksum(append.checksum, append.body));
  const bool completes =
      length >= 0 && new_offset == static_cast<uint64_t>(length) && upload.job_id.empty();
  if (completes) STRATA_RETURN_IF_ERROR(jobs_.CheckCapacity());
  if (append.body.empty() && length == upload.length && !completes) return upload;

  if (!append.body.empty()) {
    STRATA_RETURN_IF_ERROR(AppendToFile(upload.id, upload.offset, append.body));
  }
  UploadRecord updated = upload;
  updated.offset = new_offset;
  updated.length = length;
  updated.updated_at = NowMicros();
  updated.expires_at = updated.updated_at + Seconds(options_.expiry_seconds);
  std::optional<JobRecord> job;
  if (completes) {
    STRATA_ASSIGN_OR_RETURN(job, CompletionJob(updated));
    updated.job_id = job->id;
  }
  if (Status stored = store_.UpdateUpload(updated, upload.offset, job ? &*job : nullptr);
      !stored.ok()) {
    // Not acknowledged: the bytes past the recorded offset are cut off by the next append.
    options_.env->TruncateFile(PathOf(upload.id), upload.offset).IgnoreError();
    return stored;
  }
  if (job) jobs_.Enqueue(job->id);
  return updated;
}

Status UploadService::Terminate(const security::Principal& caller, std::string_view dataset_id,
                                std::string_view upload_id) {
  std::lock_guard lock(LockFor(upload_id));
  STRATA_ASSIGN_OR_RETURN(UploadRecord upload, Load(caller, dataset_id, upload_id));
  if (!upload.job_id.empty()) {
    return Status::Conflict("upload '" + upload.id + "' is complete and job '" + upload.job_id +
                            "' ingests it; cancel the job instead (DELETE /v1/jobs/" +
                            upload.job_id + ")")
        .WithProblemCode("upload_complete");
  }
  STRATA_RETURN_IF_ERROR(store_.DeleteUpload(upload.id));
  options_.env->DeleteFile(PathOf(upload.id)).IgnoreError();  // Start() removes it otherwise.
  return Status();
}

}  // namespace strata::service
