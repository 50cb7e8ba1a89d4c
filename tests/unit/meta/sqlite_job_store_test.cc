// SqliteMetaStore: async jobs and resumable uploads (migrations 6 and 9) — round trips of
// ingest and delete jobs, records stored before job types existed read as ingest jobs, the
// cancel flag that only RequestJobCancel writes, optimistic upload offsets, completion in
// one transaction, and the listings that recovery and expiry use.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "meta/meta_store.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "test_util.h"

namespace strata::meta {
namespace {

JobRecord MakeJob(std::string id, int64_t created_at = 1'000) {
  JobRecord job;
  job.id = std::move(id);
  job.dataset_id = "cpu";
  job.creator = "key:k1";
  job.creator_roles = {"writer"};
  job.body_file = "jobs/" + job.id;
  job.content_type = "application/x-ndjson";
  job.bytes_total = 100;
  job.created_at = job.updated_at = created_at;
  return job;
}

UploadRecord MakeUpload(std::string id, int64_t expires_at = 5'000) {
  UploadRecord upload;
  upload.id = std::move(id);
  upload.dataset_id = "cpu";
  upload.creator = "key:k1";
  upload.creator_roles = {"writer", "reader"};
  upload.length = 10;
  upload.metadata = "content-type dGV4dC9jc3Y=,flag";
  upload.created_at = upload.updated_at = 1'000;
  upload.expires_at = expires_at;
  return upload;
}

class SqliteJobStoreTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      std::string name = ::testing::TempDir() + "strata_jobs_XXXXXX";
      dir_ = mkdtemp(name.data());
    }
    ASSERT_OK_AND_ASSIGN(store_, OpenSqliteMetaStore(GetParam() ? dir_ + "/meta.db" : ":memory:"));
  }
  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  std::unique_ptr<MetaStore> store_;
};

INSTANTIATE_TEST_SUITE_P(MemoryAndFile, SqliteJobStoreTest, ::testing::Bool());

TEST_P(SqliteJobStoreTest, JobRoundTripsEveryAttribute) {
  JobRecord job = MakeJob("j1");
  job.state = JobState::kRunning;
  job.upload_id = "u1";
  job.content_encoding = "gzip";
  job.mode = "atomic";
  job.dry_run = true;
  job.precision = "ms";
  job.time_unit = "s";
  job.bytes_done = 40;
  job.inflight_end = 70;
  job.inflight_seq = 12;
  job.records_done = 4;
  job.lines_done = 5;
  job.accepted = 3;
  job.rejected = 1;
  job.first_seq = 11;
  job.last_seq = 13;
  job.schema_version = 2;
  job.added_fields = {"region", "a.b"};
  job.errors = {{2, std::string("evt-2"), "/2/v", "type_mismatch", "expected float64"},
                {3, std::nullopt, "/3", "invalid_json", "line 4: \"quoted\""}};
  job.errors_truncated = true;
  job.error_status = "invalid_argument";
  job.error_code = "csv_bad_header";
  job.error_detail = "line 1, column 3: empty name";
  job.started_at = 2'000;
  job.finished_at = 3'000;
  ASSERT_OK(store_->CreateJob(job));
  ASSERT_OK_AND_ASSIGN(JobRecord got, store_->GetJob("j1"));
  EXPECT_EQ(got.dataset_id, "cpu");
  EXPECT_EQ(got.creator, "key:k1");
  EXPECT_EQ(got.creator_roles, std::vector<std::string>{"writer"});
  EXPECT_EQ(got.state, JobState::kRunning);
  EXPECT_FALSE(got.cancel_requested);
  EXPECT_EQ(got.body_file, "jobs/j1");
  EXPECT_EQ(got.upload_id, "u1");
  EXPECT_EQ(got.content_type, "application/x-ndjson");
  EXPECT_EQ(got.content_encoding, "gzip");
  EXPECT_EQ(got.mode, "atomic");
  EXPECT_TRUE(got.dry_run);
  EXPECT_EQ(got.precision, "ms");
  EXPECT_EQ(got.time_unit, "s");
  EXPECT_EQ(got.bytes_total, 100u);
  EXPECT_EQ(got.bytes_done, 40u);
  EXPECT_EQ(got.inflight_end, 70u);
  EXPECT_EQ(got.inflight_seq, 12);
  EXPECT_EQ(got.records_done, 4u);
  EXPECT_EQ(got.lines_done, 5u);
  EXPECT_EQ(got.accepted, 3u);
  EXPECT_EQ(got.rejected, 1u);
  EXPECT_EQ(got.first_seq, 11);
  EXPECT_EQ(got.last_seq, 13);
  EXPECT_EQ(got.schema_version, 2u);
  EXPECT_EQ(got.added_fields, (std::vector<std::string>{"region", "a.b"}));
  ASSERT_EQ(got.errors.size(), 2u);
  EXPECT_EQ(got.errors[0].index, 2u);
  EXPECT_EQ(got.errors[0].id, std::optional<std::string>("evt-2"));
  EXPECT_EQ(got.errors[0].pointer, "/2/v");
  EXPECT_EQ(got.errors[1].id, std::nullopt);
  EXPECT_EQ(got.errors[1].detail, "line 4: \"quoted\"");
  EXPECT_TRUE(got.errors_truncated);
  EXPECT_EQ(got.error_status, "invalid_argument");
  EXPECT_EQ(got.error_code, "csv_bad_header");
  EXPECT_EQ(got.error_detail, "line 1, column 3: empty name");
  EXPECT_EQ(got.created_at, 1'000);
  EXPECT_EQ(got.started_at, 2'000);
  EXPECT_EQ(got.finished_at, 3'000);
  EXPECT_EQ(store_->CreateJob(job).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->GetJob("nope").status().code(), StatusCode::kNotFound);
}

TEST_P(SqliteJobStoreTest, UpdateKeepsTheCancelFlagThatOnlyRequestJobCancelSets) {
  JobRecord job = MakeJob("j1");
  ASSERT_OK(store_->CreateJob(job));
  ASSERT_OK_AND_ASSIGN(JobRecord cancelled, store_->RequestJobCancel("j1"));
  EXPECT_TRUE(cancelled.cancel_requested);
  // A runner that loaded the job before the cancel writes its progress without the flag.
  job.bytes_done = 50;
  job.state = JobState::kRunning;
  ASSERT_OK(store_->UpdateJob(job));
  ASSERT_OK_AND_ASSIGN(JobRecord got, store_->GetJob("j1"));
  EXPECT_TRUE(got.cancel_requested);
  EXPECT_EQ(got.bytes_done, 50u);
  EXPECT_EQ(store_->UpdateJob(MakeJob("nope")).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->RequestJobCancel("nope").status().code(), StatusCode::kNotFound);
}

TEST_P(SqliteJobStoreTest, CancellingAFinishedJobChangesNothing) {
  JobRecord job = MakeJob("j1");
  job.state = JobState::kSucceeded;
  ASSERT_OK(store_->CreateJob(job));
  ASSERT_OK_AND_ASSIGN(JobRecord got, store_->RequestJobCancel("j1"));
  EXPECT_FALSE(got.cancel_requested);
  EXPECT_EQ(got.state, JobState::kSucceeded);
}

TEST_P(SqliteJobStoreTest, ListUnfinishedJobsOldestFirst) {
  JobRecord late = MakeJob("a_late", 3'000);
  JobRecord early = MakeJob("b_early", 1'000);
  early.state = JobState::kRunning;
  JobRecord done = MakeJob("c_done", 2'000);
  done.state = JobState::kFailed;
  JobRecord cancelled = MakeJob("d_cancelled", 500);
  cancelled.state = JobState::kCancelled;
  for (const JobRecord& job : {late, early, done, cancelled}) ASSERT_OK(store_->CreateJob(job));
  ASSERT_OK_AND_ASSIGN(std::vector<JobRecord> unfinished, store_->ListUnfinishedJobs());
  ASSERT_EQ(unfinished.size(), 2u);
  EXPECT_EQ(unfinished[0].id, "b_early");
  EXPECT_EQ(unfinished[1].id, "a_late");
}

TEST_P(SqliteJobStoreTest, UploadRoundTripsAndDeletes) {
  UploadRecord upload = MakeUpload("u1");
  upload.length = -1;
  upload.offset = 7;
  ASSERT_OK(store_->CreateUpload(upload, nullptr));
  ASSERT_OK_AND_ASSIGN(UploadRecord got, store_->GetUpload("u1"));
  EXPECT_EQ(got.dataset_id, "cpu");
  EXPECT_EQ(got.creator, "key:k1");
  EXPECT_EQ(got.creator_roles, (std::vector<std::string>{"writer", "reader"}));
  EXPECT_EQ(got.length, -1);
  EXPECT_EQ(got.offset, 7u);
  EXPECT_EQ(got.metadata, "content-type dGV4dC9jc3Y=,flag");
  EXPECT_EQ(got.job_id, "");
  EXPECT_EQ(got.expires_at, 5'000);
  EXPECT_EQ(store_->CreateUpload(upload, nullptr).code(), StatusCode::kAlreadyExists);
  ASSERT_OK(store_->DeleteUpload("u1"));
  EXPECT_EQ(store_->GetUpload("u1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteUpload("u1").code(), StatusCode::kNotFound);
}

TEST_P(SqliteJobStoreTest, UpdateUploadChecksTheOffsetAndCompletesWithItsJob) {
  UploadRecord upload = MakeUpload("u1");
  ASSERT_OK(store_->CreateUpload(upload, nullptr));
  UploadRecord moved = upload;
  moved.offset = 4;
  ASSERT_OK(store_->UpdateUpload(moved, 0, nullptr));
  // A second writer that also started from offset 0 loses.
  UploadRecord stale = upload;
  stale.offset = 6;
  EXPECT_EQ(store_->UpdateUpload(stale, 0, nullptr).code(), StatusCode::kConflict);
  // A conflicting completion stores neither the offset nor the job.
  JobRecord job = MakeJob("j1");
  UploadRecord complete = moved;
  complete.offset = 10;
  complete.job_id = "j1";
  EXPECT_EQ(store_->UpdateUpload(complete, 0, &job).code(), StatusCode::kConflict);
  EXPECT_EQ(store_->GetJob("j1").status().code(), StatusCode::kNotFound);
  ASSERT_OK(store_->UpdateUpload(complete, 4, &job));
  ASSERT_OK_AND_ASSIGN(UploadRecord got, store_->GetUpload("u1"));
  EXPECT_EQ(got.offset, 10u);
  EXPECT_EQ(got.job_id, "j1");
  ASSERT_OK(store_->GetJob("j1").status());
  EXPECT_EQ(store_->UpdateUpload(MakeUpload("nope"), 0, nullptr).code(), StatusCode::kNotFound);
}

TEST_P(SqliteJobStoreTest, CreateUploadWithItsJobIsOneTransaction) {
  ASSERT_OK(store_->CreateJob(MakeJob("taken")));
  UploadRecord upload = MakeUpload("u1");
  upload.offset = 10;
  upload.job_id = "taken";
  JobRecord job = MakeJob("taken");
  EXPECT_EQ(store_->CreateUpload(upload, &job).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->GetUpload("u1").status().code(), StatusCode::kNotFound);
  job.id = upload.job_id = "fresh";
  ASSERT_OK(store_->CreateUpload(upload, &job));
  ASSERT_OK(store_->GetJob("fresh").status());
}

TEST_P(SqliteJobStoreTest, ListsUploadsAndExpiredOnes) {
  for (const UploadRecord& upload :
       {MakeUpload("b", 3'000), MakeUpload("a", 9'000), MakeUpload("c", 1'000)}) {
    ASSERT_OK(store_->CreateUpload(upload, nullptr));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<UploadRecord> all, store_->ListUploads());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "a");
  EXPECT_EQ(all[2].id, "c");
  ASSERT_OK_AND_ASSIGN(std::vector<UploadRecord> expired, store_->ListExpiredUploads(5'000, 10));
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(expired[0].id, "c");  // Oldest expiry first.
  EXPECT_EQ(expired[1].id, "b");
  ASSERT_OK_AND_ASSIGN(expired, store_->ListExpiredUploads(5'000, 1));
  EXPECT_EQ(expired.size(), 1u);
}

TEST_P(SqliteJobStoreTest, DeleteJobRoundTripsItsAttributes) {
  JobRecord job = MakeJob("d1");
  job.type = JobType::kDelete;
  job.body_file.clear();
  job.content_type.clear();
  job.filter = "host = 'a' AND ts < '2016-01-02T00:00:00Z'";
  job.deleted = 1'234'567;
  job.tombstone_seq = 991;
  job.segments_total = 12;
  job.segments_rewritten = 5;
  ASSERT_OK(store_->CreateJob(job));
  ASSERT_OK_AND_ASSIGN(JobRecord got, store_->GetJob("d1"));
  EXPECT_EQ(got.type, JobType::kDelete);
  EXPECT_EQ(got.filter, job.filter);
  EXPECT_EQ(got.deleted, 1'234'567u);
  EXPECT_EQ(got.tombstone_seq, 991);
  EXPECT_EQ(got.segments_total, 12u);
  EXPECT_EQ(got.segments_rewritten, 5u);
  got.segments_rewritten = 12;
  got.state = JobState::kSucceeded;
  ASSERT_OK(store_->UpdateJob(got));
  ASSERT_OK_AND_ASSIGN(got, store_->GetJob("d1"));
  EXPECT_EQ(got.segments_rewritten, 12u);
  EXPECT_EQ(got.type, JobType::kDelete);
  // An ingest job keeps its type too.
  ASSERT_OK(store_->CreateJob(MakeJob("i1")));
  ASSERT_OK_AND_ASSIGN(got, store_->GetJob("i1"));
  EXPECT_EQ(got.type, JobType::kIngest);
  EXPECT_EQ(got.tombstone_seq, 0);
}

// A row written by a build before job types (no job_type column set) is an ingest job.
TEST(SqliteJobStoreFileTest, JobsStoredBeforeJobTypesReadAsIngestJobs) {
  std::string name = ::testing::TempDir() + "strata_jobs_XXXXXX";
  const std::string dir = mkdtemp(name.data());
  const std::string path = dir + "/meta.db";
  { ASSERT_OK(OpenSqliteMetaStore(path).status()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  // Exactly the columns the previous build wrote.
  const char* insert = R"sql(
INSERT INTO jobs (id, dataset_id, creator, creator_roles, state, cancel_requested, body_file,
  upload_id, content_type, content_encoding, mode, dry_run, precision, time_unit, bytes_total,
  bytes_done, inflight_end, records_done, lines_done, accepted, rejected, first_seq, last_seq,
  schema_version, added_fields, errors, errors_truncated, error_status, error_code,
  error_detail, created_at, started_at, updated_at, finished_at, inflight_seq)
VALUES ('old', 'cpu', 'key:k1', '["writer"]', 'succeeded', 0, 'jobs/old', '',
  'application/x-ndjson', '', 'partial', 0, 'ns', 'auto', 10, 10, 0, 1, 1, 1, 0, 1, 1, 1,
  '[]', '[]', 0, '', '', '', 1, 2, 3, 4, -1))sql";
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, insert, nullptr, nullptr, &error), SQLITE_OK)
      << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close_v2(db);
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<MetaStore> store, OpenSqliteMetaStore(path));
    ASSERT_OK_AND_ASSIGN(JobRecord old, store->GetJob("old"));
    EXPECT_EQ(old.type, JobType::kIngest);
    EXPECT_EQ(old.accepted, 1u);
    EXPECT_EQ(old.tombstone_seq, 0);
    EXPECT_EQ(old.filter, "");
  }
  std::filesystem::remove_all(dir);
}

TEST(JobTypeTest, NamesRoundTrip) {
  for (JobType type : {JobType::kIngest, JobType::kDelete}) {
    EXPECT_EQ(ParseJobType(JobTypeName(type)), type);
  }
  EXPECT_EQ(JobTypeName(JobType::kDelete), "delete");
  EXPECT_EQ(ParseJobType("compaction"), std::nullopt);
}

TEST(JobStateTest, NamesRoundTrip) {
  for (JobState state : {JobState::kQueued, JobState::kRunning, JobState::kSucceeded,
                         JobState::kFailed, JobState::kCancelled}) {
    EXPECT_EQ(ParseJobState(JobStateName(state)), state);
  }
  EXPECT_EQ(ParseJobState("done"), std::nullopt);
  EXPECT_FALSE(IsFinished(JobState::kRunning));
  EXPECT_TRUE(IsFinished(JobState::kCancelled));
}

}  // namespace
}  // namespace strata::meta
