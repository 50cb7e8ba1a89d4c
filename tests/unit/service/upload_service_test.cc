// UploadService: tus uploads appended at checked offsets, checksums, deferred lengths,
// completion that starts an ingest job, termination, expiry, permissions, and recovery of
// the file/offset invariant after a crash.
#include "service/upload_service.h"

#include <gtest/gtest.h>

#include "common/time_util.h"
#include "job_test_env.h"
#include "security/crypto.h"
#include "storage/env/fault_injection_env.h"

namespace strata::service {
namespace {

using meta::JobRecord;
using meta::JobState;
using meta::UploadRecord;

constexpr std::chrono::milliseconds kWait{20'000};

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v =
        (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t v = uint8_t(bytes[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

class UploadServiceTest : public JobTestEnv {
 protected:
  void SetUp() override {
    JobTestEnv::SetUp();
    StartJobs(Options(128));
    StartUploads();
  }
  void TearDown() override {
    uploads_.reset();  // Before the jobs it hands uploads to.
    JobTestEnv::TearDown();
  }

  void StartUploads(storage::Env* env = storage::Env::Default()) {
    uploads_.reset();
    UploadOptions options;
    options.data_dir = data_dir_;
    options.max_bytes = 4096;
    options.expiry_seconds = 3600;
    options.env = env;
    uploads_ = std::make_unique<UploadService>(*store_, *datasets_, *jobs_, options);
    ASSERT_OK(uploads_->Start());
  }

  Result<UploadRecord> Create(std::optional<uint64_t> length, std::string metadata = "",
                              std::string body = "") {
    UploadCreation creation;
    creation.length = length;
    creation.defer_length = !length;
    creation.metadata = std::move(metadata);
    creation.body = std::move(body);
    return uploads_->Create(writer_, "metrics", std::move(creation));
  }

  Result<UploadRecord> Append(const std::string& id, uint64_t offset, std::string body,
                              std::optional<std::string> checksum = std::nullopt,
                              std::optional<uint64_t> length = std::nullopt) {
    UploadAppend append;
    append.offset = offset;
    append.body = std::move(body);
    append.checksum = std::move(checksum);
    append.length = length;
    return uploads_->Append(writer_, "metrics", id, std::move(append));
  }

  std::unique_ptr<UploadService> uploads_;
};

TEST_F(UploadServiceTest, UploadInPiecesThenIngestAsAJob) {
  const std::string body = Ndjson(20, 10);
  ASSERT_OK_AND_ASSIGN(UploadRecord created, Create(body.size(), "filename YS5uZGpzb24="));
  EXPECT_EQ(created.offset, 0u);
  EXPECT_TRUE(created.job_id.empty());
  EXPECT_GT(created.expires_at, NowMicros());
  EXPECT_TRUE(Exists("uploads/" + created.id));
  ASSERT_OK_AND_ASSIGN(UploadRecord half, Append(created.id, 0, body.substr(0, 300)));
  EXPECT_EQ(half.offset, 300u);
  EXPECT_TRUE(half.job_id.empty());
  ASSERT_OK_AND_ASSIGN(UploadRecord head, uploads_->Get(writer_, "metrics", created.id));
  EXPECT_EQ(head.offset, 300u);
  EXPECT_EQ(head.metadata, "filename YS5uZGpzb24=");
  ASSERT_OK_AND_ASSIGN(UploadRecord done, Append(created.id, 300, body.substr(300)));
  EXPECT_EQ(done.offset, body.size());
  ASSERT_FALSE(done.job_id.empty());
  ASSERT_TRUE(jobs_->WaitIdleForTest(kWait));
  ASSERT_OK_AND_ASSIGN(JobRecord job, jobs_->Get(writer_, done.job_id));
  EXPECT_EQ(job.state, JobState::kSucceeded);
  EXPECT_EQ(job.upload_id, created.id);
  EXPECT_EQ(job.creator, writer_.ref);
  EXPECT_EQ(job.accepted, 18u);
  EXPECT_EQ(job.rejected, 2u);
  EXPECT_EQ(Rows(), 18u);
  EXPECT_FALSE(Exists("uploads/" + created.id));  // The job removed the bytes.
  // HEAD still names the job.
  ASSERT_OK_AND_ASSIGN(UploadRecord after, uploads_->Get(writer_, "metrics", created.id));
  EXPECT_EQ(after.job_id, done.job_id);
  // Termination of a complete upload is refused; its job is what to cancel.
  EXPECT_EQ(uploads_->Terminate(writer_, "metrics", created.id).problem_code(), "upload_complete");
}

TEST_F(UploadServiceTest, CreationWithUploadCanCompleteAtOnce) {
  const std::string body = "ts,host,value\n1451606400,a,1\n1451606401,b,2\n";
  const std::string metadata = "content-type " + Base64("text/csv");
  ASSERT_OK_AND_ASSIGN(UploadRecord created, Create(body.size(), metadata, body));
  EXPECT_EQ(created.offset, body.size());
  ASSERT_FALSE(created.job_id.empty());
  ASSERT_TRUE(jobs_->WaitIdleForTest(kWait));
  ASSERT_OK_AND_ASSIGN(JobRecord job, jobs_->Get(writer_, created.job_id));
  EXPECT_EQ(job.state, JobState::kSucceeded);
  EXPECT_EQ(job.content_type, "text/csv");
  EXPECT_EQ(Rows(), 2u);
}

TEST_F(UploadServiceTest, WrongOffsetIsAConflictAndWritesNothing) {
  ASSERT_OK_AND_ASSIGN(UploadRecord created, Create(100));
  ASSERT_OK(Append(created.id, 0, std::string(10, 'a')).status());
  Result<UploadRecord> behind = Append(created.id, 0, std::string(10, 'b'));
  EXPECT_EQ(behind.status().code(), StatusCode::kConflict);
  EXPECT_EQ(behind.status().problem_code(), "upload_offset_mismatch");
  Result<UploadRecord> ahead = Append(created.id, 20, std::string(10, 'c'));
  EXPECT_EQ(ahead.status().problem_code(), "upload_offset_mismatch");
  EXPECT_EQ(ReadFile("uploads/" + created.id), std::string(10, 'a'));
}

TEST_F(UploadServiceTest, ChecksumsAreVerifiedBeforeAnythingIsWritten) {
  ASSERT_OK_AND_ASSIGN(UploadRecord created, Create(100));
  const std::string data = "0123456789";
  Result<UploadRecord> mismatch =
      Append(created.id, 0, data, "sha1 " + Base64(security::Sha1("something else")));
  EXPECT_EQ(mismatch.status().code(), StatusCode::kValidationFailed);
  EXPECT_EQ(mismatch.status().problem_code(), "checksum_mismatch");
  EXPECT_EQ(ReadFile("uploads/" + created.id), "");
  EXPECT_EQ(Append(created.id, 0, data, "crc32 AAAA").status().problem_code(),
            "checksum_algorithm_unsupported");
  EXPECT_EQ(Append(created.id, 0, data, "sha1 AAAA").status().problem_code(), "invalid_checksum");
  ASSERT_OK_AND_ASSIGN(UploadRecord sha1,
                       Append(created.id, 0, data, "sha1 " + Base64(security::Sha1(data))));
  EXPECT_EQ(sha1.offset, 10u);
  ASSERT_OK_AND_ASSIGN(UploadRecord md5,
                       Append(created.id, 10, data, "md5 " + Base64(security::Md5(data))));
  EXPECT_EQ(md5.offset, 20u);
}

TEST_F(UploadServiceTest, DeferredLengthIsSetByALaterAppend) {
  const std::string body = Ndjson(5);
  ASSERT_OK_AND_ASSIGN(UploadRecord created, Create(std::nullopt));
  EXPECT_EQ(created.length, -1);
  ASSERT_OK_AND_ASSIGN(UploadRecord part, Append(created.id, 0, body.substr(0, 50)));
  EXPECT_EQ(part.length, -1);
  EXPECT_EQ(Append(created.id, 50, "", std::nullopt, 10).status().problem_code(),
            "invalid_upload_length");  // Shorter than what arrived.
  ASSERT_OK_AND_ASSIGN(UploadRecord done,
                       Append(created.id, 50, body.substr(50), std::nullopt, body.size()));
  EXPECT_EQ(done.length, static_cast<int64_t>(body.size()));
  EXPECT_FALSE(done.job_id.empty());
  ASSERT_TRUE(jobs_->WaitIdleForTest(kWait));
  EXPECT_EQ(Rows(), 5u);
}

TEST_F(UploadServiceTest, LengthsAreChecked) {
  EXPECT_EQ(Create(0).status().problem_code(), "invalid_upload_length");
  EXPECT_EQ(Create(5000).status().problem_code(), "upload_too_large");
  UploadCreation both;
  both.length = 10;
  both.defer_length = true;
  EXPECT_EQ(uploads_->Create(writer_, "metrics", both).status().problem_code(),
            "invalid_upload_length");
  UploadCreation neither;
  EXPECT_EQ(uploads_->Create(writer_, "metrics", neither).status().problem_code(),
            "invalid_upload_length");
  EXPECT_EQ(Create(5, "", "too long").status().problem_code(), "upload_length_exceeded");
  ASSERT_OK_AND_ASSIGN(UploadRecord created, Create(10));
  EXPECT_EQ(Append(created.id, 0, std::string(11, 'x')).status().problem_code(),
            "upload_length_exceeded");
  EXPECT_EQ(Append(created.id, 0, "", std::nullopt, 12).status().problem_code(),
            "invalid_upload_length");  // Cannot change once set.
  ASSERT_OK_AND_ASSIGN(UploadRecord deferred, Create(std::nullopt));
  EXPECT_EQ(Append(deferred.id, 0, std::string(4097, 'x')).status().problem_code(),
            "upload_too_large");
}

TEST_F(UploadServiceTest, MetadataIsValidatedAtCreation) {
  EXPECT_EQ(Create(10, "content-type " + Base64("application/xml")).status().code(),
            StatusCode::kUnsupportedMediaType);
  EXPECT_EQ(Create(10, "content-encoding " + Base64("lz4")).status().code(),
            StatusCode::kUnsupportedMediaType);
  EXPECT_EQ(Create(10, "mode " + Base64("all")).status().problem_code(), "invalid_upload_metadata");
  EXPECT_EQ(Create(10, "a b!c").status().problem_code(), "invalid_upload_metadata");
  EXPECT_EQ(Create(10, "a,a").status().problem_code(), "invalid_upload_metadata");
  EXPECT_OK(Create(10, "filename " + Base64("x.ndjson") + ",flag").status());
}

TEST_F(UploadServiceTest, PermissionsAndDatasetIsolation) {
  UploadCreation creation;
  creation.length = 10;
  EXPECT_EQ(uploads_->Create(reader_, "metrics", creation).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(uploads_->Create(writer_, "nope", creation).status().code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(UploadRecord created, Create(10));
  EXPECT_EQ(uploads_->Get(reader_, "metrics", created.id).status().code(),
            StatusCode::kPermissionDenied);
  // Another dataset's path does not see the upload.
  ASSERT_OK_AND_ASSIGN(json::Value spec, json::Parse(R"({"id":"other","fields":[]})"));
  ASSERT_OK_AND_ASSIGN(DatasetSpec decoded, DecodeDatasetSpec(spec, SpecKind::kCreate));
  ASSERT_OK(datasets_->Create(admin_, std::move(decoded)).status());
  EXPECT_EQ(uploads_->Get(writer_, "other", created.id).status().problem_code(),
            "upload_not_found");
  UploadAppend append;
  append.body = "x";
  EXPECT_EQ(uploads_->Append(writer_, "other", created.id, append).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(uploads_->Get(writer_, "metrics", "nope").status().code(), StatusCode::kNotFound);
}

TEST_F(UploadServiceTest, TerminationRemovesRecordAndBytes) {
  ASSERT_OK_AND_ASSIGN(UploadRecord created, Create(100));
  ASSERT_OK(Append(created.id, 0, "abc").status());
  ASSERT_OK(uploads_->Terminate(writer_, "metrics", created.id));
  EXPECT_FALSE(Exists("uploads/" + created.id));
  EXPECT_EQ(uploads_->Get(writer_, "metrics", created.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(uploads_->Terminate(writer_, "metrics", created.id).code(), StatusCode::kNotFound);
}

TEST_F(UploadServiceTest, ExpiredUploadsAnswerGoneAndAreRemoved) {
  ASSERT_OK_AND_ASSIGN(UploadRecord created, Create(100));
  ASSERT_OK(Append(created.id, 0, "abc").status());
  ASSERT_OK_AND_ASSIGN(UploadRecord fresh, Create(100));
  UploadRecord stale = created;
  stale.offset = 3;
  stale.expires_at = NowMicros() - 1;
  ASSERT_OK(store_->UpdateUpload(stale, 3, nullptr));
  EXPECT_EQ(uploads_->Get(writer_, "metrics", created.id).status().problem_code(),
            "upload_expired");
  EXPECT_EQ(Append(created.id, 3, "d").status().problem_code(), "upload_expired");
  ASSERT_OK_AND_ASSIGN(size_t removed, uploads_->RemoveExpired(NowMicros() - 1'000'000));
  EXPECT_EQ(removed, 0u);  // Expired less than a second ago: still 410.
  ASSERT_OK_AND_ASSIGN(removed, uploads_->RemoveExpired(NowMicros()));
  EXPECT_EQ(removed, 1u);
  EXPECT_FALSE(Exists("uploads/" + created.id));
  EXPECT_EQ(uploads_->Get(writer_, "metrics", created.id).status().problem_code(),
            "upload_not_found");
  EXPECT_OK(uploads_->Get(writer_, "metrics", fresh.id).status());
}

TEST_F(UploadServiceTest, RestartCutsOffUnacknowledgedBytesAndRemovesStrayFiles) {
  ASSERT_OK_AND_ASSIGN(UploadRecord created, Create(100));
  ASSERT_OK(Append(created.id, 0, "acknowledged").status());
  // A crash after the write but before the offset was recorded leaves extra bytes.
  WriteFile("uploads/" + created.id, "acknowledged+never acknowledged");
  WriteFile("uploads/stray", "no record names this file");
  StartUploads();
  EXPECT_EQ(ReadFile("uploads/" + created.id), "acknowledged");
  EXPECT_FALSE(Exists("uploads/stray"));
  ASSERT_OK_AND_ASSIGN(UploadRecord head, uploads_->Get(writer_, "metrics", created.id));
  EXPECT_EQ(head.offset, 12u);
  ASSERT_OK(Append(created.id, 12, "!").status());
  EXPECT_EQ(ReadFile("uploads/" + created.id), "acknowledged!");
  // A file that lost acknowledged bytes: the offset follows the file, so HEAD tells the
  // client to send them again.
  WriteFile("uploads/" + created.id, "ackno");
  StartUploads();
  ASSERT_OK_AND_ASSIGN(head, uploads_->Get(writer_, "metrics", created.id));
  EXPECT_EQ(head.offset, 5u);
}

TEST_F(UploadServiceTest, AFailedSyncIsNotAcknowledged) {
  storage::FaultInjectionEnv env(storage::Env::Default());
  env.SetFaultFilter("uploads");
  StartUploads(&env);
  ASSERT_OK_AND_ASSIGN(UploadRecord created, Create(100));
  ASSERT_OK(Append(created.id, 0, "abc").status());
  env.SetSyncFault(true);
  EXPECT_FALSE(Append(created.id, 3, "def").ok());
  env.SetSyncFault(false);
  ASSERT_OK_AND_ASSIGN(UploadRecord head, uploads_->Get(writer_, "metrics", created.id));
  EXPECT_EQ(head.offset, 3u);
  EXPECT_EQ(ReadFile("uploads/" + created.id), "abc");
  ASSERT_OK(Append(created.id, 3, "xyz").status());
  EXPECT_EQ(ReadFile("uploads/" + created.id), "abcxyz");
  uploads_.reset();  // Before `env` goes.
}

}  // namespace
}  // namespace strata::service
