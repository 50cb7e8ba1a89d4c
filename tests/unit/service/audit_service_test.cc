#include "service/audit_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "service/read_audit.h"
#include "test_util.h"

namespace strata::service {
namespace {

class AuditServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "/strata_audit_service_XXXXXX";
    dir_ = mkdtemp(templ.data());
    audit::AuditLogOptions options;
    options.dir = dir_;
    ASSERT_OK_AND_ASSIGN(log_, audit::AuditLog::Open(options, std::string(32, 'k')));
    for (int n = 1; n <= 12; ++n) {
      audit::AuditEvent event;
      event.principal = n % 2 == 0 ? "key:even" : "key:odd";
      event.action = "datasets.create";
      event.dataset = "d" + std::to_string(n);
      ASSERT_OK(log_->Append(std::move(event)));
    }
    service_ =
        std::make_unique<AuditService>(*log_, authorizer_, CursorCodec(std::string(32, 'c')));
    auditor_.ref = "user:auditor";
    auditor_.roles = {"auditor"};
    reader_.ref = "user:reader";
    reader_.roles = {"reader"};
  }
  void TearDown() override {
    service_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  std::unique_ptr<audit::AuditLog> log_;
  security::Authorizer authorizer_;
  std::unique_ptr<AuditService> service_;
  security::Principal auditor_;
  security::Principal reader_;
};

TEST_F(AuditServiceTest, NeedsAuditRead) {
  AuditListRequest request;
  EXPECT_EQ(service_->List(reader_, request).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(service_->Verify(reader_).status().code(), StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(AuditListPage page, service_->List(auditor_, request));
  EXPECT_EQ(page.items.size(), 12u);
  ASSERT_OK_AND_ASSIGN(audit::VerifyReport report, service_->Verify(auditor_));
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.entries, 12u);
}

TEST_F(AuditServiceTest, PagesWithCursorsBoundToTheFilters) {
  AuditListRequest request;
  request.principal = "key:even";
  request.page.limit = 4;
  ASSERT_OK_AND_ASSIGN(AuditListPage first, service_->List(auditor_, request));
  ASSERT_EQ(first.items.size(), 4u);
  ASSERT_FALSE(first.next_cursor.empty());
  EXPECT_THAT(first.items[0], ::testing::HasSubstr(R"("seq":12,)"));
  request.page.cursor = first.next_cursor;
  ASSERT_OK_AND_ASSIGN(AuditListPage second, service_->List(auditor_, request));
  ASSERT_EQ(second.items.size(), 2u);
  EXPECT_THAT(second.items[1], ::testing::HasSubstr(R"("seq":2,)"));
  EXPECT_TRUE(second.next_cursor.empty());

  request.principal = "key:odd";  // The cursor belongs to another listing.
  EXPECT_EQ(service_->List(auditor_, request).status().problem_code(), "invalid_cursor");
}

TEST_F(AuditServiceTest, RejectsBadParameters) {
  AuditListRequest request;
  request.since = "yesterday";
  EXPECT_EQ(service_->List(auditor_, request).status().problem_code(), "invalid_parameter");
  request.since = "";
  request.order = "sideways";
  EXPECT_EQ(service_->List(auditor_, request).status().problem_code(), "invalid_parameter");
  request.order = "asc";
  request.since = "2000-01-01T00:00:00Z";
  ASSERT_OK_AND_ASSIGN(AuditListPage page, service_->List(auditor_, request));
  EXPECT_THAT(page.items.at(0), ::testing::HasSubstr(R"("seq":1,)"));
}

TEST(ReadAuditTest, QueryFingerprintIgnoresLayoutAndLiterals) {
  const std::string a = QueryFingerprint("select host, avg(x) from cpu where x > 1 group by host");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a,
            QueryFingerprint("SELECT host,avg(x)\n  FROM cpu -- note\n WHERE x>2.5 GROUP BY host"));
  EXPECT_NE(a, QueryFingerprint("SELECT host, avg(y) FROM cpu WHERE x > 1 GROUP BY host"));
  EXPECT_NE(QueryFingerprint("SELECT * FROM cpu WHERE a = $1"),
            QueryFingerprint("SELECT * FROM cpu WHERE a = $2"));
}

}  // namespace
}  // namespace strata::service
