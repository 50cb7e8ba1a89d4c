// The InfluxDB compatibility routes through the Dispatcher: credentials as InfluxDB clients
// send them, and every answer in InfluxDB's shape (204, or {"code","message"} JSON).
#include "server/api/handlers/influx_handlers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/json.h"
#include "common/time_util.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "security/api_key.h"
#include "security/authenticator.h"
#include "security/crypto.h"
#include "server/api/dispatcher.h"
#include "service/dataset_service.h"
#include "service/influx_write_service.h"
#include "service/ingest_service.h"
#include "test_backend.h"
#include "test_util.h"

namespace strata::server {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string HeaderOf(const ApiResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

// The (code, message) of an InfluxDB error body.
std::pair<std::string, std::string> InfluxError(const ApiResponse& response) {
  Result<json::Value> body = json::Parse(response.body);
  if (!body.ok() || body->Find("code") == nullptr || body->Find("message") == nullptr) {
    return {"<not an influx error>", response.body};
  }
  EXPECT_EQ(body->Find("error")->string_value(), body->Find("message")->string_value());
  return {body->Find("code")->string_value(), body->Find("message")->string_value()};
}

class InfluxHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, meta::OpenSqliteMetaStore(":memory:"));
    authenticator_ = std::make_unique<security::Authenticator>(*store_, authorizer_);
    admin_key_ = StoreKey("admin");
    writer_key_ = StoreKey("writer");
    reader_key_ = StoreKey("reader");
    datasets_ = std::make_unique<service::DatasetService>(
        *store_, backend_.get(), authorizer_, service::CursorCodec(std::string(32, 'k')));
    service::IngestLimits limits;
    limits.max_rows_per_request = 10;
    ingest_ = std::make_unique<service::IngestService>(*datasets_, backend_.get(), *store_, limits);
    influx_ =
        std::make_unique<service::InfluxWriteService>(*datasets_, *ingest_, authorizer_, limits);
    AddInfluxRoutes(router_, *influx_);
    dispatcher_ = std::make_unique<Dispatcher>(router_, *authenticator_, ApiOptions{});
  }

  std::string StoreKey(const std::string& role) {
    const std::string key = security::GenerateApiKey().key;
    meta::ApiKeyRecord record;
    record.id = role + "_id";
    record.name = role;
    record.hash = security::Sha256(key);
    record.prefix = key.substr(0, 12);
    record.principal = "key:" + record.id;
    record.roles = {role};
    record.created_at = NowMicros();
    EXPECT_OK(store_->CreateApiKey(record));
    return key;
  }

  ApiResponse Send(Method method, std::string path, Params query, std::string body,
                   std::string authorization) {
    ApiRequest request;
    request.method = method;
    request.path = std::move(path);
    request.query = std::move(query);
    request.body = std::move(body);
    request.request_id = "01TESTREQUEST";
    if (!authorization.empty()) request.headers.emplace_back("authorization", authorization);
    std::string principal;
    return dispatcher_->Run(request, dispatcher_->FindRoute(request), principal);
  }

  ApiResponse WriteV1(std::string body, Params query = {{"db", "telegraf"}},
                      std::string authorization = "") {
    return Send(Method::kPost, "/write", std::move(query), std::move(body),
                authorization.empty() ? "Token " + admin_key_ : authorization);
  }

  ApiResponse WriteV2(std::string body, Params query = {{"bucket", "b"}, {"org", "o"}},
                      std::string authorization = "") {
    return Send(Method::kPost, "/api/v2/write", std::move(query), std::move(body),
                authorization.empty() ? "Token " + admin_key_ : authorization);
  }

  uint64_t Rows(const std::string& id) {
    Result<types::DatasetStats> stats = backend_.get().Stats(id);
    return stats.ok() ? stats.value().rows : 0;
  }

  std::unique_ptr<meta::MetaStore> store_;
  std::unique_ptr<security::Authenticator> authenticator_;
  security::Authorizer authorizer_;
  strata::testing::TestBackend backend_;
  std::unique_ptr<service::DatasetService> datasets_;
  std::unique_ptr<service::IngestService> ingest_;
  std::unique_ptr<service::InfluxWriteService> influx_;
  Router router_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::string admin_key_, writer_key_, reader_key_;
};

TEST_F(InfluxHandlersTest, SuccessIs204WithTheVersionHeader) {
  for (const ApiResponse& response : {WriteV1("cpu,host=a usage=1 1700000000000000000"),
                                      WriteV2("cpu,host=b usage=2 1700000000000000000")}) {
    EXPECT_EQ(response.status, 204) << response.body;
    EXPECT_TRUE(response.body.empty());
    EXPECT_EQ(HeaderOf(response, "X-Influxdb-Version"), kInfluxCompatVersion);
  }
  EXPECT_EQ(Rows("cpu"), 2u);
}

TEST_F(InfluxHandlersTest, PingIsPublic) {
  for (Method method : {Method::kGet, Method::kHead}) {
    const ApiResponse response = Send(method, "/ping", {}, "", "");
    EXPECT_EQ(response.status, 204);
    EXPECT_EQ(HeaderOf(response, "X-Influxdb-Version"), kInfluxCompatVersion);
  }
}

TEST_F(InfluxHandlersTest, CredentialsAsInfluxClientsSendThem) {
  EXPECT_EQ(WriteV1("cpu v=1", {{"db", "x"}}, "Bearer " + admin_key_).status, 204);
  // v1 query credentials: u is ignored, p is the key.
  EXPECT_EQ(
      Send(Method::kPost, "/write", {{"db", "x"}, {"u", "me"}, {"p", admin_key_}}, "cpu v=1", "")
          .status,
      204);
  // v2 has no query credentials.
  const ApiResponse v2 =
      Send(Method::kPost, "/api/v2/write", {{"bucket", "x"}, {"p", admin_key_}}, "cpu v=1", "");
  EXPECT_EQ(v2.status, 401);
  EXPECT_EQ(InfluxError(v2).first, "unauthorized");
  EXPECT_EQ(HeaderOf(v2, "WWW-Authenticate"), R"(Token realm="strata")");
  EXPECT_EQ(v2.content_type, "application/json; charset=utf-8");

  const ApiResponse bad = WriteV1("cpu v=1", {{"db", "x"}}, "Token strata_wrong");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(InfluxError(bad).first, "unauthorized");
  EXPECT_EQ(Rows("cpu"), 2u);
}

TEST_F(InfluxHandlersTest, PartialWriteIs400NamingTheLineAndKeepsTheGoodOnes) {
  const ApiResponse response = WriteV2(
      "cpu,host=a usage=1 1700000000000000000\n"
      "cpu,host=a usage= 1700000000000000000\n"
      "cpu,host=b usage=2 1700000000000000000\n");
  EXPECT_EQ(response.status, 400);
  const auto [code, message] = InfluxError(response);
  EXPECT_EQ(code, "invalid");
  EXPECT_EQ(message,
            "partial write: unable to parse 'cpu,host=a usage= 1700000000000000000': missing "
            "field value dropped=1");
  EXPECT_EQ(Rows("cpu"), 2u);
}

TEST_F(InfluxHandlersTest, MissingDatasetWithoutDatasetsCreateIs404) {
  const ApiResponse response = WriteV1("cpu v=1", {{"db", "x"}}, "Token " + writer_key_);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(InfluxError(response),
            std::make_pair(std::string("not found"), std::string("database not found: \"cpu\"")));

  ASSERT_EQ(WriteV1("mem v=1").status, 204);  // The admin creates mem.
  const ApiResponse mixed = WriteV1("mem v=2\ncpu v=1", {{"db", "x"}}, "Token " + writer_key_);
  EXPECT_EQ(mixed.status, 400);
  EXPECT_EQ(InfluxError(mixed).second, "partial write: database not found: \"cpu\" dropped=1");
  EXPECT_EQ(Rows("mem"), 2u);

  const ApiResponse reader = WriteV1("mem v=3", {{"db", "x"}}, "Token " + reader_key_);
  EXPECT_EQ(reader.status, 403);
  EXPECT_EQ(InfluxError(reader).first, "forbidden");
}

TEST_F(InfluxHandlersTest, QueryParameters) {
  const ApiResponse no_db = WriteV1("cpu v=1", {});
  EXPECT_EQ(no_db.status, 400);
  EXPECT_EQ(InfluxError(no_db).second, "database is required");
  EXPECT_EQ(InfluxError(WriteV2("cpu v=1", {{"org", "o"}})).second, "bucket is required");
  EXPECT_EQ(WriteV2("cpu v=1", {{"bucket", "b"}}).status, 204);  // org is optional.

  // v1 precisions include n, u, m, h; v2 takes ns, us, ms, s only.
  EXPECT_EQ(WriteV1("cpu v=1 1", {{"db", "x"}, {"precision", "h"}}).status, 204);
  EXPECT_EQ(WriteV1("cpu v=1 1", {{"db", "x"}, {"precision", "u"}}).status, 204);
  const ApiResponse v1_bad = WriteV1("cpu v=1 1", {{"db", "x"}, {"precision", "ns2"}});
  EXPECT_EQ(v1_bad.status, 400);
  EXPECT_THAT(InfluxError(v1_bad).second, StartsWith("invalid precision \"ns2\""));
  const ApiResponse v2_bad = WriteV2("cpu v=1 1", {{"bucket", "b"}, {"precision", "h"}});
  EXPECT_EQ(v2_bad.status, 400);
  EXPECT_EQ(InfluxError(v2_bad).second,
            "invalid precision \"h\": valid precision units are ns, us, ms and s");
  EXPECT_EQ(WriteV2("cpu v=1 1", {{"bucket", "b"}, {"precision", "s"}, {"other", "x"}}).status,
            204);
}

TEST_F(InfluxHandlersTest, RequestErrorsInInfluxShape) {
  const ApiResponse empty = WriteV2("");
  EXPECT_EQ(empty.status, 400);
  EXPECT_THAT(InfluxError(empty).second, StartsWith("writing requires points"));

  std::string many;
  for (int i = 0; i < 11; ++i) many += "cpu v=1\n";
  const ApiResponse too_many = WriteV2(many);
  EXPECT_EQ(too_many.status, 413);
  EXPECT_EQ(InfluxError(too_many).first, "request too large");

  ApiRequest request;
  request.method = Method::kPost;
  request.path = "/api/v2/write";
  request.query = {{"bucket", "b"}};
  request.body = "cpu v=1";
  request.headers = {{"authorization", "Token " + admin_key_}, {"content-encoding", "deflate"}};
  std::string principal;
  const ApiResponse deflate = dispatcher_->Run(request, dispatcher_->FindRoute(request), principal);
  EXPECT_EQ(deflate.status, 415);
  EXPECT_EQ(InfluxError(deflate).first, "unsupported media type");
  EXPECT_THAT(HeaderOf(deflate, "Accept-Encoding"), HasSubstr("gzip"));
}

}  // namespace
}  // namespace strata::server
