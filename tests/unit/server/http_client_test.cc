// The JWKS HTTP client (server/http/http_client.h) against a loopback server in the test:
// bodies, statuses, the size cap, the timeout, refused plain http, and https with
// certificate and host name verification. Every wait is bounded.
#include "server/http/http_client.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <mutex>
#include <string>
#include <thread>

#include "server/tls_test_util.h"
#include "test_util.h"

namespace strata::server {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::TestCertificate;

// Serves every connection on 127.0.0.1:port(): reads the request head, then writes
// `response` and closes (or, when `stall`, holds the connection open until destroyed). With
// `certificate`, speaks TLS.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::string response, bool stall = false,
                          const TestCertificate* certificate = nullptr)
      : response_(std::move(response)), stall_(stall) {
    std::signal(SIGPIPE, SIG_IGN);  // SSL_write to a client that hung up must not kill us.
    if (certificate != nullptr) {
      tls_ = SSL_CTX_new(TLS_server_method());
      SSL_CTX_use_certificate_file(tls_, certificate->cert_file().c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(tls_, certificate->key_file().c_str(), SSL_FILETYPE_PEM);
    }
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::listen(listen_fd_, 8), 0);
    socklen_t length = sizeof(address);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
    if (tls_ != nullptr) SSL_CTX_free(tls_);
  }

  uint16_t port() const { return port_; }
  std::string url(std::string_view path = "/jwks") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  std::string request() {
    std::lock_guard lock(mu_);
    return request_;
  }
  int connections() const { return connections_; }

 private:
  bool Readable(int fd) {
    while (!stop_) {
      pollfd ready{.fd = fd, .events = POLLIN, .revents = 0};
      if (::poll(&ready, 1, 20) > 0) return true;
    }
    return false;
  }

  void Serve() {
    while (Readable(listen_fd_)) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      ++connections_;
      timeval timeout{.tv_sec = 5, .tv_usec = 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
      SSL* ssl = nullptr;
      if (tls_ != nullptr) {
        ssl = SSL_new(tls_);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) != 1) {  // E.g. the client refused the certificate.
          ERR_clear_error();
          SSL_free(ssl);
          ::close(fd);
          continue;
        }
      }
      std::string head;
      char data[4096];
      while (head.find("\r\n\r\n") == std::string::npos && Readable(fd)) {
        const int n = ssl ? SSL_read(ssl, data, sizeof(data))
                          : static_cast<int>(::recv(fd, data, sizeof(data), 0));
        if (n <= 0) break;
        head.append(data, static_cast<size_t>(n));
      }
      {
        std::lock_guard lock(mu_);
        request_ = head;
      }
      if (stall_) {
        while (Readable(fd)) {
          if (::recv(fd, data, sizeof(data), MSG_PEEK) <= 0) break;  // Client gave up.
          std::this_thread::sleep_for(5ms);
        }
      } else {
        std::string_view rest = response_;
        while (!rest.empty()) {
          const int n = ssl ? SSL_write(ssl, rest.data(), static_cast<int>(rest.size()))
                            : static_cast<int>(::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL));
          if (n <= 0) break;
          rest.remove_prefix(static_cast<size_t>(n));
        }
      }
      if (ssl != nullptr) {
        SSL_shutdown(ssl);
        SSL_free(ssl);
        ERR_clear_error();
      }
      ::close(fd);
    }
  }

  const std::string response_;
  const bool stall_;
  SSL_CTX* tls_ = nullptr;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::string request_;
  std::thread thread_;
};

std::string Response(std::string_view status, std::string_view body,
                     std::string_view extra_headers = "") {
  return "HTTP/1.1 " + std::string(status) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + std::string(extra_headers) + "\r\n" + std::string(body);
}

TEST(HttpClientTest, GetsTheBodyOfA200) {
  LoopbackServer server(Response("200 OK", R"({"keys":[]})"));
  ASSERT_OK_AND_ASSIGN(HttpResponse response, HttpGet(server.url("/jwks?v=1")));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"keys":[]})");
  const std::string request = server.request();
  EXPECT_THAT(request, ::testing::StartsWith("GET /jwks?v=1 HTTP/1.1\r\n"));
  EXPECT_THAT(request, HasSubstr("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"));
  EXPECT_THAT(request, HasSubstr("Accept: application/json\r\n"));
  EXPECT_THAT(request, HasSubstr("Connection: close\r\n"));
  ASSERT_OK_AND_ASSIGN(std::string body, HttpGetOk(server.url()));
  EXPECT_EQ(body, R"({"keys":[]})");
}

TEST(HttpClientTest, ReadsChunkedAndCloseDelimitedBodies) {
  LoopbackServer chunked(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
      "chunked\r\n\r\n4\r\n{\"ke\r\n7\r\nys\":[]}\r\n0\r\n\r\n");
  ASSERT_OK_AND_ASSIGN(std::string body, HttpGetOk(chunked.url()));
  EXPECT_EQ(body, R"({"keys":[]})");
  LoopbackServer until_close("HTTP/1.1 200 OK\r\n\r\n{\"keys\":[]}");
  ASSERT_OK_AND_ASSIGN(body, HttpGetOk(until_close.url()));
  EXPECT_EQ(body, R"({"keys":[]})");
}

TEST(HttpClientTest, OtherStatusesAreReportedAndRedirectsNotFollowed) {
  LoopbackServer missing(Response("404 Not Found", "{}"));
  ASSERT_OK_AND_ASSIGN(HttpResponse response, HttpGet(missing.url()));
  EXPECT_EQ(response.status, 404);
  Result<std::string> body = HttpGetOk(missing.url());
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(body.status().message(),
              HasSubstr("HTTP 404 from 127.0.0.1:" + std::to_string(missing.port())));

  LoopbackServer target(Response("200 OK", "{}"));
  LoopbackServer redirect(Response("302 Found", "", "Location: " + target.url() + "\r\n"));
  ASSERT_OK_AND_ASSIGN(response, HttpGet(redirect.url()));
  EXPECT_EQ(response.status, 302);
  EXPECT_EQ(target.connections(), 0);
}

TEST(HttpClientTest, BodiesOverTheCapAreRefused) {
  HttpClientOptions options;
  options.max_body_bytes = 1024;
  LoopbackServer exact(Response("200 OK", std::string(1024, 'x')));
  ASSERT_OK(HttpGet(exact.url(), options).status());
  LoopbackServer large(Response("200 OK", std::string(1025, 'x')));
  Result<HttpResponse> refused = HttpGet(large.url(), options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(), HasSubstr("larger than 1024 bytes"));
  LoopbackServer chunked("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
                         std::string(2048, 'x') + "\r\n0\r\n\r\n");
  refused = HttpGet(chunked.url(), options);
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  LoopbackServer long_head("HTTP/1.1 200 OK\r\nX-Pad: " + std::string(20000, 'p') +
                           "\r\nContent-Length: 0\r\n\r\n");
  refused = HttpGet(long_head.url(), options);
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
}

TEST(HttpClientTest, SlowServersTimeOut) {
  LoopbackServer silent("", /*stall=*/true);
  HttpClientOptions options;
  options.timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> response = HttpGet(silent.url(), options);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(response.status().message(), HasSubstr("longer than 300 ms"));
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 3s);
}

TEST(HttpClientTest, TransportFailuresAreUnavailable) {
  uint16_t port = 0;
  {
    LoopbackServer gone(Response("200 OK", "{}"));
    port = gone.port();
  }
  Result<HttpResponse> refused = HttpGet("http://127.0.0.1:" + std::to_string(port) + "/");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(), HasSubstr("connecting to 127.0.0.1"));

  LoopbackServer truncated("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"keys\"");
  EXPECT_EQ(HttpGet(truncated.url()).status().code(), StatusCode::kUnavailable);
  LoopbackServer garbage("SSH-2.0-OpenSSH\r\n\r\n");
  EXPECT_EQ(HttpGet(garbage.url()).status().code(), StatusCode::kUnavailable);
}

TEST(HttpClientTest, PlainHttpOnlyToLoopback) {
  for (std::string_view url : {"http://login.example.com/jwks", "http://10.1.2.3/jwks",
                               "ftp://127.0.0.1/jwks", "https://user@127.0.0.1/"}) {
    Result<HttpResponse> refused = HttpGet(url);
    ASSERT_FALSE(refused.ok()) << url;
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << url;
  }
}

TEST(HttpClientTest, HttpsVerifiesTheCertificateAndHostName) {
  TestCertificate certificate;  // Self-signed, CN=localhost.
  LoopbackServer server(Response("200 OK", R"({"keys":[]})"), /*stall=*/false, &certificate);
  const std::string port = std::to_string(server.port());
  HttpClientOptions trusted;
  trusted.ca_file = certificate.cert_file();
  ASSERT_OK_AND_ASSIGN(std::string body, HttpGetOk("https://localhost:" + port + "/jwks", trusted));
  EXPECT_EQ(body, R"({"keys":[]})");
  EXPECT_THAT(server.request(), HasSubstr("Host: localhost:" + port + "\r\n"));

  // Not in the system store.
  Result<HttpResponse> untrusted = HttpGet("https://localhost:" + port + "/jwks");
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(untrusted.status().message(), HasSubstr("TLS handshake with localhost"));
  // Trusted, but issued to another name.
  Result<HttpResponse> wrong_name = HttpGet("https://127.0.0.1:" + port + "/jwks", trusted);
  ASSERT_FALSE(wrong_name.ok());
  EXPECT_THAT(wrong_name.status().message(), HasSubstr("TLS handshake"));
  // A CA file that cannot be read.
  HttpClientOptions missing_ca;
  missing_ca.ca_file = certificate.dir() + "/absent.pem";
  EXPECT_FALSE(HttpGet("https://localhost:" + port + "/jwks", missing_ca).ok());
}

}  // namespace
}  // namespace strata::server
