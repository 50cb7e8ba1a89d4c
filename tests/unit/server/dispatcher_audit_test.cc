// The Dispatcher's audit entries: mutations, failed authentication, data reads that fail
// before their service records them, and failing closed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/json.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "server/api/dispatcher.h"
#include "server/api/problem.h"
#include "test_util.h"

namespace strata::server {
namespace {

class FakeAuditSink : public audit::AuditSink {
 public:
  Status Append(audit::AuditEvent event) override {
    std::lock_guard lock(mu_);
    if (!append_error.ok()) return append_error;
    events.push_back(std::move(event));
    return Status();
  }
  Status Health() const override { return health_error; }

  std::vector<audit::AuditEvent> events;
  Status append_error;
  Status health_error;

 private:
  std::mutex mu_;
};

std::string ProblemCode(const ApiResponse& response) {
  Result<json::Value> body = json::Parse(response.body);
  if (!body.ok() || body->Find("code") == nullptr) return "<not a problem>";
  return body->Find("code")->string_value();
}

class DispatcherAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, meta::OpenSqliteMetaStore(":memory:"));
    authenticator_ = std::make_unique<security::Authenticator>(*store_, authorizer_);
    ASSERT_OK_AND_ASSIGN(std::optional<std::string> key, authenticator_->EnsureBootstrapAdmin(""));
    admin_key_ = *key;

    router_.Add(Method::kGet, "/v1/things/{id}",
                [this](const RequestContext&) -> Result<ApiResponse> {
                  ++handled_;
                  return ApiResponse::Json(200, "{}");
                });
    router_.Add(
        Method::kPost, "/v1/datasets",
        [this](const RequestContext&) -> Result<ApiResponse> {
          ++handled_;
          return ApiResponse::Json(201, "{}").WithHeader("Location", "/v1/datasets/cpu");
        },
        RouteOptions{.audit_action = "datasets.create"});
    router_.Add(Method::kDelete, "/v1/datasets/{id}",
                [this](const RequestContext&) -> Result<ApiResponse> {
                  ++handled_;
                  return Status::NotFound("no such dataset").WithProblemCode("dataset_not_found");
                });
    // A read whose "service" records the read when asked to (query ?record=1), and fails when
    // asked to (?fail=1).
    router_.Add(
        Method::kPost, "/v1/datasets/{id}/query",
        [this](const RequestContext& context) -> Result<ApiResponse> {
          ++handled_;
          if (context.request.Query("record") != nullptr) {
            audit::AuditEvent event;
            event.action = "data.read";
            STRATA_RETURN_IF_ERROR(audit::AppendForRequest(sink_, *context.audit, event));
          }
          if (context.request.Query("fail") != nullptr) return Status::InvalidArgument("bad sql");
          return ApiResponse::Json(200, "{}");
        },
        RouteOptions{.audit = AuditMode::kByService, .audit_action = "data.read"});
    dispatcher_ =
        std::make_unique<Dispatcher>(router_, *authenticator_, ApiOptions{}, CorsPolicy(), &sink_);
  }

  ApiResponse Send(Method method, std::string path, bool authenticated = true, Params query = {}) {
    ApiRequest request;
    request.method = method;
    request.path = std::move(path);
    request.query = std::move(query);
    request.request_id = "01REQUEST";
    request.headers.emplace_back("traceparent",
                                 "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    if (authenticated) request.headers.emplace_back("authorization", "Bearer " + admin_key_);
    std::string principal;
    return dispatcher_->Run(request, dispatcher_->FindRoute(request), principal);
  }

  std::unique_ptr<meta::MetaStore> store_;
  security::Authorizer authorizer_;
  std::unique_ptr<security::Authenticator> authenticator_;
  std::string admin_key_;
  Router router_;
  FakeAuditSink sink_;
  std::unique_ptr<Dispatcher> dispatcher_;
  int handled_ = 0;
};

TEST_F(DispatcherAuditTest, MutationIsRecordedWithItsOutcome) {
  EXPECT_EQ(Send(Method::kPost, "/v1/datasets").status, 201);
  ASSERT_EQ(sink_.events.size(), 1u);
  const audit::AuditEvent& event = sink_.events[0];
  EXPECT_EQ(event.action, "datasets.create");
  EXPECT_EQ(event.principal, "user:admin");
  EXPECT_EQ(event.dataset, "cpu");  // From Location.
  EXPECT_EQ(event.resource, "/v1/datasets");
  EXPECT_EQ(event.outcome, audit::Outcome::kSuccess);
  EXPECT_EQ(event.status, 201);
  EXPECT_EQ(event.request_id, "01REQUEST");
  EXPECT_EQ(event.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(event.details.Find("method")->string_value(), "POST");
  EXPECT_EQ(event.details.Find("route")->string_value(), "/v1/datasets");
}

TEST_F(DispatcherAuditTest, FailedMutationIsRecordedAsError) {
  EXPECT_EQ(Send(Method::kDelete, "/v1/datasets/gone").status, 404);
  ASSERT_EQ(sink_.events.size(), 1u);
  const audit::AuditEvent& event = sink_.events[0];
  EXPECT_EQ(event.action, "http.DELETE /v1/datasets/{id}");  // No audit_action: derived.
  EXPECT_EQ(event.dataset, "gone");
  EXPECT_EQ(event.outcome, audit::Outcome::kError);
  EXPECT_EQ(event.status, 404);
  EXPECT_EQ(event.details.Find("problem")->string_value(), "dataset_not_found");
}

TEST_F(DispatcherAuditTest, ReadsOfMetadataAreNotRecorded) {
  EXPECT_EQ(Send(Method::kGet, "/v1/things/1").status, 200);
  EXPECT_TRUE(sink_.events.empty());
}

TEST_F(DispatcherAuditTest, FailedAuthenticationIsRecorded) {
  EXPECT_EQ(Send(Method::kGet, "/v1/things/1", false).status, 401);
  ASSERT_EQ(sink_.events.size(), 1u);
  const audit::AuditEvent& event = sink_.events[0];
  EXPECT_EQ(event.action, "auth.failure");
  EXPECT_EQ(event.principal, "-");
  EXPECT_EQ(event.outcome, audit::Outcome::kDenied);
  EXPECT_EQ(event.status, 401);
  EXPECT_EQ(event.details.Find("reason")->string_value(), "missing_credentials");
  EXPECT_EQ(handled_, 0);
}

TEST_F(DispatcherAuditTest, DataReadsAreLeftToTheirServiceUnlessTheyFailUnrecorded) {
  EXPECT_EQ(Send(Method::kPost, "/v1/datasets/cpu/query").status, 200);  // Streamed later.
  EXPECT_TRUE(sink_.events.empty());
  EXPECT_EQ(Send(Method::kPost, "/v1/datasets/cpu/query", true, {{"record", "1"}}).status, 200);
  ASSERT_EQ(sink_.events.size(), 1u);  // The service's entry only.
  EXPECT_EQ(Send(Method::kPost, "/v1/datasets/cpu/query", true, {{"fail", "1"}}).status, 400);
  ASSERT_EQ(sink_.events.size(), 2u);
  EXPECT_EQ(sink_.events[1].action, "data.read");
  EXPECT_EQ(sink_.events[1].dataset, "cpu");
  EXPECT_EQ(sink_.events[1].status, 400);
  EXPECT_EQ(sink_.events[1].outcome, audit::Outcome::kError);
  EXPECT_EQ(
      Send(Method::kPost, "/v1/datasets/cpu/query", true, {{"record", "1"}, {"fail", "1"}}).status,
      400);
  EXPECT_EQ(sink_.events.size(), 3u);  // Recorded by the service: no second entry.
}

TEST_F(DispatcherAuditTest, UnhealthyLogRefusesAuditedRequestsBeforeTheyRun) {
  sink_.health_error = audit::AuditUnavailable("disk gone");
  const ApiResponse response = Send(Method::kPost, "/v1/datasets");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(ProblemCode(response), "audit_unavailable");
  EXPECT_EQ(handled_, 0);
  EXPECT_EQ(Send(Method::kGet, "/v1/things/1").status, 200);  // Not audited: served.
}

TEST_F(DispatcherAuditTest, FailedAppendFailsTheRequest) {
  sink_.append_error = audit::AuditUnavailable("disk gone");
  EXPECT_EQ(Send(Method::kPost, "/v1/datasets").status, 503);
  EXPECT_EQ(handled_, 1);  // The entry is written after the handler: its effect may remain.
  const ApiResponse unauthenticated = Send(Method::kGet, "/v1/things/1", false);
  EXPECT_EQ(unauthenticated.status, 503);
  EXPECT_EQ(ProblemCode(unauthenticated), "audit_unavailable");
}

}  // namespace
}  // namespace strata::server
