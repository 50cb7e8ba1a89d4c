// A metastore, an embedded data backend, the dataset, ingest, query and records services and
// a data directory: what JobService and UploadService tests build on.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

#include "common/json.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "service/dataset_service.h"
#include "service/ingest_service.h"
#include "service/job_service.h"
#include "service/query_service.h"
#include "service/records_service.h"
#include "test_backend.h"
#include "test_util.h"

namespace strata::service {

inline constexpr std::chrono::milliseconds kJobTestWait{20'000};

// Blocks runner threads until opened.
class Gate {
 public:
  void Pass() {
    std::unique_lock lock(mu_);
    ++arrivals_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool WaitArrivals(int count) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kJobTestWait, [&] { return arrivals_ >= count; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int arrivals_ = 0;
  bool open_ = false;
};

class JobTestEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::TempDir() + "strata_jobs_XXXXXX";
    data_dir_ = mkdtemp(name.data());
    ASSERT_OK_AND_ASSIGN(store_, meta::OpenSqliteMetaStore(":memory:"));
    datasets_ = std::make_unique<DatasetService>(*store_, backend_.get(), authorizer_,
                                                 CursorCodec(std::string(32, 'c')));
    limits_.max_errors = 50;
    ingest_ = std::make_unique<IngestService>(*datasets_, backend_.get(), *store_, limits_);
    queries_ = std::make_unique<QueryService>(*datasets_, backend_.get(),
                                              CursorCodec(std::string(32, 'q')), QueryLimits{});
    records_ = std::make_unique<RecordsService>(*queries_, *datasets_, authorizer_,
                                                CursorCodec(std::string(32, 'r')));
    const std::string spec =
        R"({"id":"metrics","time_field":"ts","fields":[{"name":"ts","type":"timestamp"},
            {"name":"host","type":"string"},{"name":"value","type":"float64","nullable":true},
            {"name":"note","type":"string","nullable":true}]})";
    ASSERT_OK_AND_ASSIGN(json::Value parsed, json::Parse(spec));
    ASSERT_OK_AND_ASSIGN(DatasetSpec decoded, DecodeDatasetSpec(parsed, SpecKind::kCreate));
    ASSERT_OK(datasets_->Create(admin_, std::move(decoded)).status());
  }

  void TearDown() override {
    jobs_.reset();  // Its threads use every service below.
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }

  // Starts jobs_ over the services above.
  void StartJobs(JobOptions options) {
    jobs_ = std::make_unique<JobService>(*store_, *datasets_, *ingest_, *records_, backend_.get(),
                                         authorizer_, std::move(options));
    ASSERT_OK(jobs_->Start());
  }

  JobOptions Options(size_t chunk_bytes = 256) const {
    JobOptions options;
    options.data_dir = data_dir_;
    options.chunk_bytes = chunk_bytes;
    options.max_errors = limits_.max_errors;
    options.max_decoded_body_bytes = limits_.max_decoded_body_bytes;
    return options;
  }

  uint64_t Rows() {
    Result<types::DatasetStats> stats = backend_.get().Stats("metrics");
    return stats.ok() ? stats.value().rows : 0;
  }

  bool Exists(const std::string& relative) const {
    return std::filesystem::exists(data_dir_ + "/" + relative);
  }

  void WriteFile(const std::string& relative, const std::string& data) const {
    std::ofstream out(data_dir_ + "/" + relative, std::ios::binary | std::ios::trunc);
    out << data;
  }

  std::string ReadFile(const std::string& relative) const {
    std::ifstream in(data_dir_ + "/" + relative, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }

  // NDJSON records; every `bad_every`-th (from 0) has a value of the wrong type.
  static std::string Ndjson(int records, int bad_every = 0) {
    std::string body;
    for (int i = 0; i < records; ++i) {
      const bool bad = bad_every > 0 && i % bad_every == 0;
      body += R"({"ts":)" + std::to_string(1451606400 + i) + R"(,"host":"h)" +
              std::to_string(i % 7) + R"(","value":)" +
              (bad ? std::string(R"("bad")") : std::to_string(i)) + "}\n";
    }
    return body;
  }

  security::Authorizer authorizer_;
  strata::testing::TestBackend backend_;
  std::string data_dir_;
  std::unique_ptr<meta::MetaStore> store_;
  std::unique_ptr<DatasetService> datasets_;
  IngestLimits limits_;
  std::unique_ptr<IngestService> ingest_;
  std::unique_ptr<QueryService> queries_;
  std::unique_ptr<RecordsService> records_;
  std::unique_ptr<JobService> jobs_;  // StartJobs.
  const security::Principal admin_{"key:admin", {"admin"}, {}, {}};
  const security::Principal writer_{"key:writer", {"writer"}, {}, {}};
  const security::Principal other_writer_{"key:other", {"writer"}, {}, {}};
  const security::Principal reader_{"key:reader", {"reader"}, {}, {}};
};

}  // namespace strata::service
