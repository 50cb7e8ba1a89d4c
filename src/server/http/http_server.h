// HttpServer: HTTP/1.1 front door on Boost.Beast with one coroutine per connection.
//
// Threading: `io_threads` threads run the I/O context; each connection is a coroutine on its
// own strand. Routes marked `offload` run on a separate pool of `worker_threads`, so CPU-heavy
// requests never stall I/O threads. While an offloaded request runs, its connection is
// watched: a client that closes it cancels `ApiRequest::cancellation`. Offloaded routes may
// stream their body (`ApiResponse::stream`, chunked transfer encoding); see
// docs/architecture.md "Streamed responses and cancellation".
// Limits: header bytes (431), body bytes (413), header/body/idle timeouts, max connections
// (503). Shutdown: Run() returns after SIGTERM/SIGINT (or Shutdown()) once in-flight requests
// finish or `shutdown_timeout_ms` passes; idle keep-alive connections close at once.
// TLS: with `tls` set, every connection is HTTPS (one code path for both, transport.h); the
// handshake must finish within `header_timeout_ms`; a plain HTTP request gets a 400 in plain
// text. Every response carries X-Content-Type-Options: nosniff, and over TLS
// Strict-Transport-Security (docs/security.md "Transport").
// This header is free of Beast, Asio and OpenSSL (pimpl).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "server/api/dispatcher.h"

namespace strata::server {

class TlsContext;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: pick a free port.
  int io_threads = 1;
  int worker_threads = 1;
  int64_t max_body_bytes = 64ll << 20;
  int64_t max_header_bytes = 16 << 10;
  int64_t max_connections = 10000;
  int64_t header_timeout_ms = 10'000;
  int64_t body_timeout_ms = 60'000;
  int64_t idle_timeout_ms = 60'000;
  int64_t shutdown_timeout_ms = 10'000;
  bool handle_signals = true;             // Shut down on SIGTERM and SIGINT.
  std::shared_ptr<const TlsContext> tls;  // Null: plain HTTP. Else HTTPS only.
};

class HttpServer {
 public:
  // `dispatcher` must outlive the server.
  HttpServer(HttpServerOptions options, const Dispatcher& dispatcher);
  ~HttpServer();

  // Binds and listens. After OK, port() is the bound port.
  Status Listen();
  uint16_t port() const;

  // Serves until shutdown completes. `on_shutdown` runs once when shutdown begins (before
  // in-flight requests finish), e.g. to mark the node not ready.
  // REQUIRES: Listen() returned OK.
  void Run(std::function<void()> on_shutdown);

  // Begins graceful shutdown. Thread-safe; idempotent.
  void Shutdown();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::server
