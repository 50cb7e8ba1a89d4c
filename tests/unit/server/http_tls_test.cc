// TLS on the HTTP front door: loading the certificate, the protocol versions and ciphers a
// handshake may use, security headers, and the paths that depend on the stream (keep-alive,
// streamed bodies, truncation, client disconnects, plain HTTP on the TLS port, shutdown),
// over a real HttpServer on 127.0.0.1:0. Every wait is bounded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "meta/sqlite/sqlite_meta_store.h"
#include "server/api/dispatcher.h"
#include "server/http/http_server.h"
#include "server/http/tls_context.h"
#include "server/raw_http_client.h"
#include "server/tls_test_util.h"
#include "test_util.h"

namespace strata::server {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::ParsedResponse;
using testing::ParseResponse;
using testing::RawHttpClient;
using testing::TestCertificate;
using testing::TlsClient;

std::string Get(std::string_view path, std::string_view extra_headers = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) +
         "\r\n";
}

template <typename Client>
std::optional<ParsedResponse> ReadResponse(Client& client) {
  std::optional<ParsedResponse> parsed;
  client.ReadUntil([&](const std::string& data) {
    parsed = ParseResponse(data);
    return parsed && parsed->complete;
  });
  if (!parsed || !parsed->complete) return std::nullopt;
  client.Consume(parsed->size);
  return parsed;
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// -- TlsContext::Load ---------------------------------------------------------------------

TEST(TlsContextTest, LoadsACertificateAndItsKey) {
  TestCertificate certificate;
  Result<std::shared_ptr<const TlsContext>> loaded = TlsContext::Load(
      TlsOptions{.cert_file = certificate.cert_file(), .key_file = certificate.key_file()});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_NE(loaded.value(), nullptr);
}

TEST(TlsContextTest, MissingFileIsNamedWithItsOption) {
  TestCertificate certificate;
  const std::string missing = certificate.dir() + "/absent.pem";
  Result<std::shared_ptr<const TlsContext>> loaded =
      TlsContext::Load(TlsOptions{.cert_file = missing, .key_file = certificate.key_file()});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("server.tls.cert_file"));
  EXPECT_THAT(loaded.status().message(), HasSubstr(missing));
  EXPECT_THAT(loaded.status().message(), HasSubstr("No such file"));

  loaded = TlsContext::Load(TlsOptions{.cert_file = certificate.cert_file(), .key_file = missing});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("server.tls.key_file"));
}

TEST(TlsContextTest, FileWithoutPemIsRefused) {
  TestCertificate certificate;
  const std::string garbage = certificate.dir() + "/garbage.pem";
  std::ofstream(garbage) << "not a certificate\n";
  Result<std::shared_ptr<const TlsContext>> loaded =
      TlsContext::Load(TlsOptions{.cert_file = garbage, .key_file = certificate.key_file()});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("server.tls.cert_file '" + garbage));
  EXPECT_THAT(loaded.status().message(), HasSubstr("no usable PEM certificate"));
}

TEST(TlsContextTest, KeyOfAnotherCertificateIsRefused) {
  TestCertificate first;
  TestCertificate second;
  Result<std::shared_ptr<const TlsContext>> loaded =
      TlsContext::Load(TlsOptions{.cert_file = first.cert_file(), .key_file = second.key_file()});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("server.tls.key_file '" + second.key_file()));
  EXPECT_THAT(loaded.status().message(), HasSubstr(first.cert_file()));
}

TEST(TlsContextTest, PassphraseProtectedKeyIsRefusedWithoutPrompting) {
  TestCertificate certificate(/*encrypted_key=*/true);
  Result<std::shared_ptr<const TlsContext>> loaded = TlsContext::Load(
      TlsOptions{.cert_file = certificate.cert_file(), .key_file = certificate.key_file()});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("unencrypted PEM private key"));
}

// -- HTTPS server -------------------------------------------------------------------------

class HttpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<meta::MetaStore>> opened = meta::OpenSqliteMetaStore(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    authenticator_ = std::make_unique<security::Authenticator>(*store_, authorizer_);
    AddRoutes();
    dispatcher_ = std::make_unique<Dispatcher>(router_, *authenticator_, ApiOptions{});
    Result<std::shared_ptr<const TlsContext>> tls = TlsContext::Load(
        TlsOptions{.cert_file = certificate_.cert_file(), .key_file = certificate_.key_file()});
    ASSERT_TRUE(tls.ok()) << tls.status().ToString();
    HttpServerOptions options;
    options.port = 0;
    options.worker_threads = 2;
    options.header_timeout_ms = 2000;
    options.body_timeout_ms = 5000;
    options.shutdown_timeout_ms = 2000;
    options.handle_signals = false;
    options.tls = std::move(tls).value();
    server_ = std::make_unique<HttpServer>(options, *dispatcher_);
    ASSERT_OK(server_->Listen());
    server_thread_ = std::thread([this] { server_->Run(nullptr); });
  }

  void TearDown() override {
    if (server_thread_.joinable()) {
      server_->Shutdown();
      server_thread_.join();
    }
  }

  void Add(std::string pattern, Handler handler, bool offload) {
    router_.Add(Method::kGet, std::move(pattern), std::move(handler),
                RouteOptions{.public_route = true, .offload = offload});
  }

  void AddRoutes() {
    Add(
        "/ping",
        [](const RequestContext&) -> Result<ApiResponse> { return ApiResponse::Json(200, "pong"); },
        false);
    Add(
        "/token",
        [](const RequestContext&) -> Result<ApiResponse> {
          ApiResponse response = ApiResponse::Json(200, R"({"access_token":"t"})");
          response.NoStore();
          return response;
        },
        false);
    Add(
        "/three",
        [](const RequestContext&) -> Result<ApiResponse> {
          return ApiResponse::Streamed(200, "application/x-ndjson", [](const ChunkWriter& write) {
            return write("{\"n\":1}\n") && write("{\"n\":2}\n") && write("{\"n\":3}\n");
          });
        },
        true);
    Add(
        "/fail",
        [](const RequestContext&) -> Result<ApiResponse> {
          return ApiResponse::Streamed(200, "text/plain", [](const ChunkWriter& write) {
            write("partial\n");
            return false;
          });
        },
        true);
    // An offloaded handler that stops when its client is gone (at most 10 s).
    Add(
        "/poll",
        [this](const RequestContext& context) -> Result<ApiResponse> {
          handler_started_ = true;
          const auto deadline = std::chrono::steady_clock::now() + 10s;
          while (std::chrono::steady_clock::now() < deadline) {
            if (context.request.cancellation->cancelled()) {
              cancel_seen_ = true;
              break;
            }
            std::this_thread::sleep_for(2ms);
          }
          handler_done_ = true;
          return ApiResponse::Json(200, "done");
        },
        true);
  }

  uint16_t port() const { return server_->port(); }

  TestCertificate certificate_;
  std::atomic<bool> handler_started_{false};
  std::atomic<bool> cancel_seen_{false};
  std::atomic<bool> handler_done_{false};
  std::unique_ptr<meta::MetaStore> store_;
  security::Authorizer authorizer_;
  std::unique_ptr<security::Authenticator> authenticator_;
  Router router_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<HttpServer> server_;
  std::thread server_thread_;
};

TEST_F(HttpTlsTest, Tls12AndTls13ServeWithSecurityHeadersAndKeepAlive) {
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    TlsClient client(port(), {.min_version = version, .max_version = version});
    ASSERT_TRUE(client.handshake_ok()) << version;
    EXPECT_EQ(client.protocol(), version == TLS1_2_VERSION ? "TLSv1.2" : "TLSv1.3");
    for (int round = 0; round < 2; ++round) {  // Keep-alive: one connection, two requests.
      ASSERT_TRUE(client.Send(Get("/ping")));
      std::optional<ParsedResponse> response = ReadResponse(client);
      ASSERT_TRUE(response.has_value()) << client.received();
      EXPECT_EQ(response->status, 200);
      EXPECT_EQ(response->body, "pong");
      EXPECT_EQ(response->Header("strict-transport-security"), "max-age=63072000");
      EXPECT_EQ(response->Header("x-content-type-options"), "nosniff");
    }
  }
}

TEST_F(HttpTlsTest, OldProtocolsAndWeakCiphersAreRefused) {
  for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    TlsClient client(
        port(), {.min_version = version, .max_version = version, .ciphers = "DEFAULT:@SECLEVEL=0"});
    EXPECT_FALSE(client.handshake_ok()) << version;
  }
  TlsClient weak(port(), {.min_version = TLS1_2_VERSION,
                          .max_version = TLS1_2_VERSION,
                          .ciphers = "AES128-SHA:@SECLEVEL=0"});
  EXPECT_FALSE(weak.handshake_ok());
  TlsClient good(port(), {});  // The server is still up.
  ASSERT_TRUE(good.handshake_ok());
}

TEST_F(HttpTlsTest, NoStoreOfAHandlerIsKept) {
  TlsClient client(port(), {});
  ASSERT_TRUE(client.Send(Get("/token")));
  std::optional<ParsedResponse> response = ReadResponse(client);
  ASSERT_TRUE(response.has_value()) << client.received();
  EXPECT_EQ(response->Header("cache-control"), "no-store");
}

TEST_F(HttpTlsTest, StreamedBodyArrivesWholeThenConnectionCloseSendsCloseNotify) {
  TlsClient client(port(), {});
  ASSERT_TRUE(client.Send(Get("/three")));
  std::optional<ParsedResponse> streamed = ReadResponse(client);
  ASSERT_TRUE(streamed.has_value()) << client.received();
  EXPECT_TRUE(streamed->chunked);
  EXPECT_EQ(streamed->body, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
  EXPECT_EQ(streamed->Header("strict-transport-security"), "max-age=63072000");
  ASSERT_TRUE(client.Send(Get("/ping", "Connection: close\r\n")));
  std::optional<ParsedResponse> last = ReadResponse(client);
  ASSERT_TRUE(last.has_value()) << client.received();
  EXPECT_EQ(last->body, "pong");
  EXPECT_EQ(client.ReadUntilClosed(), TlsClient::ReadEnd::kClosedCleanly);
}

TEST_F(HttpTlsTest, Http10StreamedBodyEndsWithCloseNotify) {
  TlsClient client(port(), {});
  ASSERT_TRUE(client.Send("GET /three HTTP/1.0\r\n\r\n"));
  EXPECT_EQ(client.ReadUntilClosed(), TlsClient::ReadEnd::kClosedCleanly);
  EXPECT_THAT(client.received(), HasSubstr("{\"n\":3}\n"));
}

TEST_F(HttpTlsTest, FailedProducerTruncatesWithoutCloseNotify) {
  TlsClient client(port(), {});
  ASSERT_TRUE(client.Send(Get("/fail")));
  EXPECT_EQ(client.ReadUntilClosed(), TlsClient::ReadEnd::kClosedAbruptly);
  std::optional<ParsedResponse> parsed = ParseResponse(client.received());
  ASSERT_TRUE(parsed.has_value()) << client.received();
  EXPECT_EQ(parsed->body, "partial\n");
  EXPECT_FALSE(parsed->complete);
}

TEST_F(HttpTlsTest, ClientDisconnectCancelsOffloadedHandler) {
  {
    TlsClient client(port(), {});
    ASSERT_TRUE(client.Send(Get("/poll")));
    ASSERT_TRUE(Eventually([this] { return handler_started_.load(); }));
    client.Abort();
  }
  ASSERT_TRUE(Eventually([this] { return handler_done_.load(); }));
  EXPECT_TRUE(cancel_seen_.load());
  TlsClient next(port(), {});
  ASSERT_TRUE(next.Send(Get("/ping")));
  std::optional<ParsedResponse> response = ReadResponse(next);
  ASSERT_TRUE(response.has_value()) << next.received();
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpTlsTest, PlainHttpOnTheTlsPortGetsAPlainProblem) {
  RawHttpClient client(port());
  ASSERT_TRUE(client.Send(Get("/ping")));
  ASSERT_TRUE(client.ReadUntilClosed()) << client.received();
  std::optional<ParsedResponse> response = ParseResponse(client.received());
  ASSERT_TRUE(response.has_value()) << client.received();
  EXPECT_EQ(response->status, 400);
  EXPECT_THAT(response->body, HasSubstr("tls_required"));
  EXPECT_FALSE(response->Header("strict-transport-security").has_value());
  EXPECT_EQ(response->Header("x-content-type-options"), "nosniff");
}

TEST_F(HttpTlsTest, SilentClientIsDroppedAfterTheHeaderTimeout) {
  RawHttpClient client(port());  // Connects and never starts a handshake.
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.ReadUntilClosed(6s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(HttpTlsTest, ShutdownClosesIdleConnectionsWithCloseNotify) {
  TlsClient idle(port(), {});
  ASSERT_TRUE(idle.Send(Get("/ping")));
  ASSERT_TRUE(ReadResponse(idle).has_value());
  RawHttpClient handshaking(port());  // Connected, handshake not started.
  ASSERT_TRUE(handshaking.Send(""));
  const auto start = std::chrono::steady_clock::now();
  server_->Shutdown();
  server_thread_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  EXPECT_EQ(idle.ReadUntilClosed(), TlsClient::ReadEnd::kClosedCleanly);
}

}  // namespace
}  // namespace strata::server
