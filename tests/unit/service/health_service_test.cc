#include "service/health_service.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "meta/sqlite/sqlite_meta_store.h"
#include "test_util.h"

namespace strata::service {
namespace {

class HealthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::TempDir() + "strata_health_XXXXXX";
    ASSERT_NE(mkdtemp(name.data()), nullptr);
    dir_ = name;
    Result<std::unique_ptr<meta::MetaStore>> opened = meta::OpenSqliteMetaStore(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static const ReadinessCheck* Check(const Readiness& readiness, std::string_view name) {
    for (const ReadinessCheck& check : readiness.checks) {
      if (check.name == name) return &check;
    }
    return nullptr;
  }

  std::string dir_;
  std::unique_ptr<meta::MetaStore> store_;
};

TEST_F(HealthServiceTest, ReadyOnAWritableDirectory) {
  HealthService health(*store_, dir_, 0);
  const Readiness readiness = health.CheckReadiness();
  EXPECT_TRUE(readiness.ready);
  ASSERT_EQ(readiness.checks.size(), 4u);
  EXPECT_EQ(readiness.checks[0].name, "metastore");
  EXPECT_EQ(readiness.checks[1].name, "data_dir");
  EXPECT_EQ(readiness.checks[2].name, "disk");
  EXPECT_EQ(readiness.checks[3].name, "accepting");
  for (const ReadinessCheck& check : readiness.checks) {
    EXPECT_TRUE(check.ok) << check.name;
    EXPECT_EQ(check.detail, "") << check.name;
  }
  // The write probe leaves nothing behind.
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(HealthServiceTest, NotReadyBelowMinFreeBytes) {
  HealthService health(*store_, dir_, int64_t{1} << 62);
  const Readiness readiness = health.CheckReadiness();
  EXPECT_FALSE(readiness.ready);
  const ReadinessCheck* disk = Check(readiness, "disk");
  ASSERT_NE(disk, nullptr);
  EXPECT_FALSE(disk->ok);
  EXPECT_NE(disk->detail.find("storage.min_free_bytes"), std::string::npos) << disk->detail;
  EXPECT_TRUE(Check(readiness, "data_dir")->ok);
  EXPECT_TRUE(Check(readiness, "metastore")->ok);
}

TEST_F(HealthServiceTest, NotReadyWhileDraining) {
  HealthService health(*store_, dir_, 0);
  ASSERT_TRUE(health.CheckReadiness().ready);
  health.SetDraining();
  const Readiness readiness = health.CheckReadiness();
  EXPECT_FALSE(readiness.ready);
  const ReadinessCheck* accepting = Check(readiness, "accepting");
  ASSERT_NE(accepting, nullptr);
  EXPECT_FALSE(accepting->ok);
  EXPECT_EQ(accepting->detail, "shutting down");
  EXPECT_TRUE(Check(readiness, "disk")->ok);
  EXPECT_FALSE(health.CheckReadiness().ready);  // Draining is for good.
}

TEST_F(HealthServiceTest, NotReadyForAMissingDataDir) {
  const std::string missing = dir_ + "/does/not/exist";
  HealthService health(*store_, missing, 0);
  const Readiness readiness = health.CheckReadiness();
  EXPECT_FALSE(readiness.ready);
  EXPECT_FALSE(Check(readiness, "data_dir")->ok);
  EXPECT_FALSE(Check(readiness, "disk")->ok);
  EXPECT_TRUE(Check(readiness, "metastore")->ok);
  for (const ReadinessCheck& check : readiness.checks) {
    EXPECT_EQ(check.detail.find(dir_), std::string::npos)
        << check.name << " names a file path: " << check.detail;
  }
  EXPECT_FALSE(std::filesystem::exists(missing));
}

class FailingAuditSink : public audit::AuditSink {
 public:
  Status Append(audit::AuditEvent) override { return health; }
  Status Health() const override { return health; }
  Status health;
};

TEST_F(HealthServiceTest, NotReadyWhileTheAuditLogCannotTakeEntries) {
  FailingAuditSink audit;
  HealthService health(*store_, dir_, 0, &audit);
  ASSERT_TRUE(health.CheckReadiness().ready);
  EXPECT_TRUE(Check(health.CheckReadiness(), "audit_log")->ok);
  audit.health = audit::AuditUnavailable("the disk failed");
  const Readiness readiness = health.CheckReadiness();
  EXPECT_FALSE(readiness.ready);
  EXPECT_FALSE(Check(readiness, "audit_log")->ok);
  EXPECT_EQ(Check(readiness, "audit_log")->detail, "the audit log cannot take entries");
}

}  // namespace
}  // namespace strata::service
