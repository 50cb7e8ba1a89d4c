// Streamed response bodies and client-disconnect cancellation, over a real HttpServer on
// 127.0.0.1:0 with raw sockets. Every wait is bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "meta/sqlite/sqlite_meta_store.h"
#include "server/api/dispatcher.h"
#include "server/http/http_server.h"
#include "server/raw_http_client.h"
#include "test_util.h"

namespace strata::server {
namespace {

using namespace std::chrono_literals;
using testing::ParsedResponse;
using testing::ParseResponse;
using testing::RawHttpClient;

constexpr auto kWait = std::chrono::seconds(5);

// A flag one thread opens and another waits for, at most `timeout`.
class Gate {
 public:
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool Wait(std::chrono::milliseconds timeout = kWait) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Polls `condition` until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

std::string Get(std::string_view path, std::string_view extra_headers = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) +
         "\r\n";
}

// Reads one whole response from `client` and removes it from the received bytes.
std::optional<ParsedResponse> ReadResponse(RawHttpClient& client, bool bodiless = false) {
  std::optional<ParsedResponse> parsed;
  client.ReadUntil([&](const std::string& data) {
    parsed = ParseResponse(data, bodiless);
    return parsed && parsed->complete;
  });
  if (!parsed || !parsed->complete) return std::nullopt;
  client.Consume(parsed->size);
  return parsed;
}

// What the routes record for the tests to check.
struct Probe {
  Gate release;  // /gated and /slow wait for it.
  std::atomic<bool> first_written{false};
  std::atomic<bool> producer_done{false};
  std::atomic<bool> writer_refused{false};  // A ChunkWriter returned false.
  std::atomic<bool> cancel_seen{false};     // request.cancellation was observed set.
  std::atomic<bool> handler_started{false};
  std::atomic<int> producer_calls{0};
};

class HttpStreamingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<meta::MetaStore>> opened = meta::OpenSqliteMetaStore(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    authenticator_ = std::make_unique<security::Authenticator>(*store_, authorizer_);
    AddRoutes();
    dispatcher_ = std::make_unique<Dispatcher>(router_, *authenticator_, ApiOptions{});
    server_ = std::make_unique<HttpServer>(Options(), *dispatcher_);
    ASSERT_OK(server_->Listen());
    server_thread_ = std::thread([this] { server_->Run(nullptr); });
  }

  void TearDown() override {
    probe_.release.Open();
    if (server_thread_.joinable()) {
      server_->Shutdown();
      server_thread_.join();
    }
  }

  virtual HttpServerOptions Options() const {
    HttpServerOptions options;
    options.port = 0;
    options.worker_threads = 2;
    options.body_timeout_ms = 5000;
    options.shutdown_timeout_ms = 2000;
    options.handle_signals = false;
    return options;
  }

  void Add(Method method, std::string pattern, Handler handler, bool offload) {
    router_.Add(method, std::move(pattern), std::move(handler),
                RouteOptions{.public_route = true, .offload = offload});
  }

  void AddRoutes() {
    Probe& probe = probe_;
    Add(
        Method::kGet, "/ping",
        [](const RequestContext&) -> Result<ApiResponse> { return ApiResponse::Json(200, "pong"); },
        false);
    Add(
        Method::kGet, "/three",
        [&probe](const RequestContext&) -> Result<ApiResponse> {
          return ApiResponse::Streamed(200, "application/x-ndjson",
                                       [&probe](const ChunkWriter& write) {
                                         ++probe.producer_calls;
                                         write("{\"n\":1}\n");
                                         std::this_thread::sleep_for(20ms);
                                         write("{\"n\":2}\n");
                                         std::this_thread::sleep_for(20ms);
                                         return write("{\"n\":3}\n");
                                       });
        },
        true);
    Add(
        Method::kGet, "/gated",
        [&probe](const RequestContext&) -> Result<ApiResponse> {
          return ApiResponse::Streamed(200, "text/plain", [&probe](const ChunkWriter& write) {
            write("first\n");
            probe.first_written = true;
            const bool released = probe.release.Wait();
            write("second\n");
            probe.producer_done = true;
            return released;
          });
        },
        true);
    Add(
        Method::kGet, "/fail",
        [](const RequestContext&) -> Result<ApiResponse> {
          return ApiResponse::Streamed(200, "text/plain", [](const ChunkWriter& write) {
            write("partial\n");
            return false;
          });
        },
        true);
    // Writes 1 KiB every 2 ms for at most 10 s, until the writer refuses.
    Add(
        Method::kGet, "/endless",
        [&probe](const RequestContext& context) -> Result<ApiResponse> {
          CancellationPtr cancellation = context.request.cancellation;
          return ApiResponse::Streamed(
              200, "text/plain", [&probe, cancellation](const ChunkWriter& write) {
                const auto deadline = std::chrono::steady_clock::now() + 10s;
                while (std::chrono::steady_clock::now() < deadline) {
                  if (!write(std::string(1024, 'x'))) {
                    probe.writer_refused = true;
                    break;
                  }
                  std::this_thread::sleep_for(2ms);
                }
                probe.cancel_seen = cancellation->cancelled();
                probe.producer_done = true;
                return false;
              });
        },
        true);
    // Writes 64 KiB chunks as fast as the writer takes them (at most 10 s).
    Add(
        Method::kGet, "/firehose",
        [&probe](const RequestContext& context) -> Result<ApiResponse> {
          CancellationPtr cancellation = context.request.cancellation;
          return ApiResponse::Streamed(
              200, "text/plain", [&probe, cancellation](const ChunkWriter& write) {
                const std::string chunk(64 << 10, 'y');
                const auto deadline = std::chrono::steady_clock::now() + 10s;
                while (std::chrono::steady_clock::now() < deadline) {
                  if (!write(chunk)) {
                    probe.writer_refused = true;
                    break;
                  }
                }
                probe.cancel_seen = cancellation->cancelled();
                probe.producer_done = true;
                return true;
              });
        },
        true);
    // An offloaded handler that stops when its client is gone (at most 10 s).
    Add(
        Method::kGet, "/poll",
        [&probe](const RequestContext& context) -> Result<ApiResponse> {
          probe.handler_started = true;
          const auto deadline = std::chrono::steady_clock::now() + 10s;
          while (std::chrono::steady_clock::now() < deadline) {
            if (context.request.cancellation->cancelled()) {
              probe.cancel_seen = true;
              break;
            }
            std::this_thread::sleep_for(2ms);
          }
          probe.producer_done = true;
          return ApiResponse::Json(200, "done");
        },
        true);
    Add(
        Method::kGet, "/slow",
        [&probe](const RequestContext&) -> Result<ApiResponse> {
          probe.handler_started = true;
          probe.release.Wait();
          return ApiResponse::Json(200, "slow");
        },
        true);
    // 3000 small chunks written without pauses: the server coalesces them.
    Add(
        Method::kGet, "/many",
        [](const RequestContext&) -> Result<ApiResponse> {
          return ApiResponse::Streamed(200, "text/csv", [](const ChunkWriter& write) {
            for (int line = 0; line < 3000; ++line) {
              if (!write("line " + std::to_string(line) + "\n")) return false;
            }
            return true;
          });
        },
        true);
    // A streamed response on a route without offload: sent buffered.
    Add(
        Method::kGet, "/inline",
        [](const RequestContext&) -> Result<ApiResponse> {
          return ApiResponse::Streamed(200, "text/plain", [](const ChunkWriter& write) {
            return write("in") && write("line");
          });
        },
        false);
  }

  uint16_t port() const { return server_->port(); }

  Probe probe_;
  std::unique_ptr<meta::MetaStore> store_;
  security::Authorizer authorizer_;
  std::unique_ptr<security::Authenticator> authenticator_;
  Router router_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<HttpServer> server_;
  std::thread server_thread_;
};

std::string ManyLines() {
  std::string expected;
  for (int line = 0; line < 3000; ++line) expected += "line " + std::to_string(line) + "\n";
  return expected;
}

TEST_F(HttpStreamingTest, StreamedBodyArrivesWholeAndChunkedThenConnectionIsReused) {
  RawHttpClient client(port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(Get("/three")));
  std::optional<ParsedResponse> streamed = ReadResponse(client);
  ASSERT_TRUE(streamed.has_value()) << client.received();
  EXPECT_EQ(streamed->status, 200);
  EXPECT_TRUE(streamed->chunked) << streamed->head;
  EXPECT_FALSE(streamed->Header("content-length").has_value());
  EXPECT_EQ(streamed->Header("content-type"), "application/x-ndjson");
  EXPECT_TRUE(streamed->Header("x-request-id").has_value());
  EXPECT_EQ(streamed->body, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");

  ASSERT_TRUE(client.Send(Get("/ping")));
  std::optional<ParsedResponse> next = ReadResponse(client);
  ASSERT_TRUE(next.has_value()) << client.received();
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "pong");
}

TEST_F(HttpStreamingTest, FirstChunkArrivesBeforeProducerFinishes) {
  RawHttpClient client(port());
  ASSERT_TRUE(client.Send(Get("/gated")));
  const RawHttpClient::ReadEnd end = client.ReadUntil([](const std::string& data) {
    std::optional<ParsedResponse> parsed = ParseResponse(data);
    return parsed && parsed->body == "first\n";
  });
  ASSERT_EQ(end, RawHttpClient::ReadEnd::kDone) << client.received();
  EXPECT_FALSE(probe_.producer_done.load());
  probe_.release.Open();
  std::optional<ParsedResponse> whole = ReadResponse(client);
  ASSERT_TRUE(whole.has_value()) << client.received();
  EXPECT_EQ(whole->body, "first\nsecond\n");
  EXPECT_TRUE(probe_.producer_done.load());
}

TEST_F(HttpStreamingTest, ProducerFailureTruncatesTransferAndClosesConnection) {
  RawHttpClient client(port());
  ASSERT_TRUE(client.Send(Get("/fail")));
  ASSERT_TRUE(client.ReadUntilClosed()) << client.received();
  std::optional<ParsedResponse> parsed = ParseResponse(client.received());
  ASSERT_TRUE(parsed.has_value()) << client.received();
  EXPECT_EQ(parsed->status, 200);
  EXPECT_TRUE(parsed->chunked);
  EXPECT_EQ(parsed->body, "partial\n");
  EXPECT_FALSE(parsed->complete);
  EXPECT_EQ(client.received().find("\r\n0\r\n"), std::string::npos) << client.received();
}

TEST_F(HttpStreamingTest, ClientDisconnectMidStreamStopsProducerAndServerGoesOn) {
  {
    RawHttpClient client(port());
    ASSERT_TRUE(client.Send(Get("/endless")));
    ASSERT_EQ(client.ReadUntil([](const std::string& data) {
      std::optional<ParsedResponse> parsed = ParseResponse(data);
      return parsed && parsed->body.size() >= 4096;
    }),
              RawHttpClient::ReadEnd::kDone);
  }  // Closes the socket mid-stream.
  ASSERT_TRUE(Eventually([&] { return probe_.producer_done.load(); }));
  EXPECT_TRUE(probe_.writer_refused.load());
  EXPECT_TRUE(probe_.cancel_seen.load());

  RawHttpClient other(port());
  ASSERT_TRUE(other.Send(Get("/ping")));
  std::optional<ParsedResponse> pong = ReadResponse(other);
  ASSERT_TRUE(pong.has_value()) << other.received();
  EXPECT_EQ(pong->body, "pong");
  ASSERT_TRUE(other.Send(Get("/three")));
  std::optional<ParsedResponse> streamed = ReadResponse(other);
  ASSERT_TRUE(streamed.has_value()) << other.received();
  EXPECT_EQ(streamed->body, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
}

TEST_F(HttpStreamingTest, OffloadedHandlerSeesCancellationWhenClientCloses) {
  {
    RawHttpClient client(port());
    ASSERT_TRUE(client.Send(Get("/poll")));
    ASSERT_TRUE(Eventually([&] { return probe_.handler_started.load(); }));
  }  // Closes the socket while the handler runs.
  ASSERT_TRUE(Eventually([&] { return probe_.producer_done.load(); }));
  EXPECT_TRUE(probe_.cancel_seen.load());
}

TEST_F(HttpStreamingTest, PipelinedRequestSentDuringOffloadedRequestIsServed) {
  RawHttpClient client(port());
  ASSERT_TRUE(client.Send(Get("/slow")));
  ASSERT_TRUE(Eventually([&] { return probe_.handler_started.load(); }));
  ASSERT_TRUE(client.Send(Get("/ping", "X-Request-Id: pipelined-1\r\n")));
  std::this_thread::sleep_for(50ms);  // The watch reads the pipelined request meanwhile.
  probe_.release.Open();
  std::optional<ParsedResponse> slow = ReadResponse(client);
  ASSERT_TRUE(slow.has_value()) << client.received();
  EXPECT_EQ(slow->body, "slow");
  std::optional<ParsedResponse> pong = ReadResponse(client);
  ASSERT_TRUE(pong.has_value()) << client.received();
  EXPECT_EQ(pong->body, "pong");
  EXPECT_EQ(pong->Header("x-request-id"), "pipelined-1");
}

TEST_F(HttpStreamingTest, HeadOfStreamedRouteSendsHeadersOnly) {
  RawHttpClient client(port());
  ASSERT_TRUE(client.Send("HEAD /three HTTP/1.1\r\nHost: test\r\n\r\n"));
  std::optional<ParsedResponse> head = ReadResponse(client, /*bodiless=*/true);
  ASSERT_TRUE(head.has_value()) << client.received();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-type"), "application/x-ndjson");
  EXPECT_EQ(probe_.producer_calls.load(), 0);
  // Nothing follows the head: the next response on the connection starts right there.
  ASSERT_TRUE(client.Send(Get("/ping")));
  std::optional<ParsedResponse> pong = ReadResponse(client);
  ASSERT_TRUE(pong.has_value()) << client.received();
  EXPECT_EQ(pong->body, "pong");
}

TEST_F(HttpStreamingTest, ManySmallChunksArriveWhole) {
  RawHttpClient client(port());
  ASSERT_TRUE(client.Send(Get("/many")));
  std::optional<ParsedResponse> streamed = ReadResponse(client);
  ASSERT_TRUE(streamed.has_value());
  EXPECT_EQ(streamed->body, ManyLines());
}

TEST_F(HttpStreamingTest, Http10StreamedBodyEndsWithConnection) {
  RawHttpClient client(port());
  ASSERT_TRUE(client.Send("GET /many HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(client.ReadUntilClosed());
  const std::string& data = client.received();
  const size_t head_end = data.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << data;
  EXPECT_EQ(data.find("chunked"), std::string::npos) << data.substr(0, head_end);
  EXPECT_EQ(data.substr(head_end + 4), ManyLines());
}

TEST_F(HttpStreamingTest, StreamedResponseOnInlineRouteIsSentBuffered) {
  RawHttpClient client(port());
  ASSERT_TRUE(client.Send(Get("/inline")));
  std::optional<ParsedResponse> response = ReadResponse(client);
  ASSERT_TRUE(response.has_value()) << client.received();
  EXPECT_FALSE(response->chunked);
  EXPECT_EQ(response->Header("content-length"), "6");
  EXPECT_EQ(response->body, "inline");
}

// A short body_timeout_ms, so that a client that stops reading is given up on quickly.
class HttpStreamingSlowClientTest : public HttpStreamingTest {
 protected:
  HttpServerOptions Options() const override {
    HttpServerOptions options = HttpStreamingTest::Options();
    options.body_timeout_ms = 200;
    return options;
  }
};

TEST_F(HttpStreamingSlowClientTest, ClientThatStopsReadingMakesWriterRefuse) {
  RawHttpClient client(port());
  ASSERT_TRUE(client.Send(Get("/firehose")));
  // The client reads nothing; socket buffers fill, then a chunk write times out.
  ASSERT_TRUE(Eventually([&] { return probe_.producer_done.load(); }, 10s));
  EXPECT_TRUE(probe_.writer_refused.load());
  EXPECT_TRUE(probe_.cancel_seen.load());

  RawHttpClient other(port());
  ASSERT_TRUE(other.Send(Get("/ping")));
  std::optional<ParsedResponse> pong = ReadResponse(other);
  ASSERT_TRUE(pong.has_value()) << other.received();
  EXPECT_EQ(pong->body, "pong");
}

}  // namespace
}  // namespace strata::server
