#include "server/http/http_server.h"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/logging.h"
#include "common/trace_context.h"
#include "server/api/problem.h"
#include "server/http/message_conversion.h"
#include "server/http/offloaded_exchange.h"
#include "server/http/tls_context.h"
#include "server/http/transport.h"

namespace strata::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
// After an error response that ends a connection mid-request, how long and how much of the
// rest of the request to read and discard, so the client sees the response instead of a reset.
constexpr auto kDrainTime = std::chrono::seconds(2);
constexpr size_t kDrainBytes = 64 << 20;
// Over max_connections: how long the 503 (and for TLS, the handshake before it) may take.
constexpr auto kRejectTime = std::chrono::seconds(5);

// How a connection goes on after a request.
enum class Ending {
  kKeepAlive,  // Read the next request.
  kClose,      // Close cleanly (TLS: close_notify), e.g. Connection: close.
  kAbort,      // Close without close_notify: an I/O error, or a body that must read as truncated.
};

std::string PeerOf(const tcp::socket& socket) {
  boost::system::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  return ec ? std::string("-") : remote.address().to_string() + ":" + std::to_string(remote.port());
}

// A syntax error in what the client sent (as opposed to EOF, timeouts and limits).
bool IsParseError(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message &&
         ec != http::error::header_limit && ec != http::error::body_limit &&
         ec != http::error::need_more && ec != http::error::need_buffer;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, const Dispatcher& dispatcher)
      : options_(std::move(options)),
        dispatcher_(dispatcher),
        ioc_(options_.io_threads),
        server_strand_(net::make_strand(ioc_)),
        acceptor_(server_strand_),
        signals_(server_strand_, SIGINT, SIGTERM),
        shutdown_timer_(server_strand_),
        workers_(static_cast<size_t>(options_.worker_threads)) {}

  Status Listen() {
    boost::system::error_code ec;
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
      return Status::InvalidArgument("cannot resolve listen host '" + options_.host + "'");
    }
    const tcp::endpoint endpoint = results.begin()->endpoint();
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::Unavailable("cannot listen on " + options_.host + ":" +
                                 std::to_string(options_.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    return Status();
  }

  uint16_t port() const { return port_; }

  void Run(std::function<void()> on_shutdown) {
    on_shutdown_ = std::move(on_shutdown);
    net::co_spawn(server_strand_, Accept(), net::detached);
    if (options_.handle_signals) {
      signals_.async_wait([this](boost::system::error_code ec, int signal) {
        if (ec) return;
        STRATA_LOG(kInfo, "shutdown requested").Int("signal", signal);
        BeginShutdown();
      });
    }
    std::vector<std::thread> threads;
    for (int i = 1; i < options_.io_threads; ++i) threads.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (std::thread& thread : threads) thread.join();
    workers_.join();  // Handlers still running finish before their sessions are destroyed.
  }

  void Shutdown() {
    net::post(server_strand_, [this] { BeginShutdown(); });
  }

 private:
  struct SessionSlot {
    PlainStream* transport;  // The TCP stream (beneath TLS, when TLS is on).
    net::any_io_executor executor;
    bool busy;  // Serving a request; idle sessions (also during the TLS handshake) are not.
  };

  net::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(net::make_strand(ioc_), kNoThrow);
      if (stopping_) co_return;
      if (ec) {
        if (ec == net::error::operation_aborted || ec == net::error::bad_descriptor) co_return;
        STRATA_LOG(kWarn, "accept failed").Str("error", ec.message());
        // Out of file descriptors and similar: back off instead of spinning.
        net::steady_timer pause(server_strand_, std::chrono::milliseconds(50));
        co_await pause.async_wait(kNoThrow);
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      const auto executor = socket.get_executor();
      const bool reject = active_sessions_.load() >= options_.max_connections;
      if (!reject) active_sessions_.fetch_add(1);
      if (options_.tls == nullptr) {
        PlainStream stream(std::move(socket));
        net::co_spawn(executor, reject ? Reject(std::move(stream)) : Session(std::move(stream)),
                      net::detached);
      } else {
        TlsStream stream(std::move(socket), options_.tls->native());
        net::co_spawn(executor, reject ? Reject(std::move(stream)) : Session(std::move(stream)),
                      net::detached);
      }
    }
  }

  // Plain: ready at once. TLS: the handshake; a client that speaks plain HTTP to the TLS port
  // gets a 400 problem in plain HTTP. False when the connection should just close.
  // REQUIRES: the lowest layer's expiry is set.
  net::awaitable<bool> OpenTransport(PlainStream&, beast::flat_buffer&, const std::string&) {
    co_return true;
  }
  net::awaitable<bool> OpenTransport(TlsStream& stream, beast::flat_buffer& buffer,
                                     const std::string& peer) {
    const Clock::time_point start = Clock::now();
    switch (co_await AcceptTls(stream, buffer, peer)) {
      case TlsAccept::kReady: co_return true;
      case TlsAccept::kNotTls:
        co_await FailConnection(
            beast::get_lowest_layer(stream), 400,
            Status::InvalidArgument("this port speaks HTTPS only; use an https:// URL")
                .WithProblemCode("tls_required"),
            start, peer);
        co_return false;
      case TlsAccept::kFailed: co_return false;
    }
    co_return false;
  }

  // Over max_connections: answer 503 and close.
  template <typename Stream>
  net::awaitable<void> Reject(Stream stream) {
    const std::string peer = PeerOf(beast::get_lowest_layer(stream).socket());
    beast::get_lowest_layer(stream).expires_after(kRejectTime);
    beast::flat_buffer buffer;
    if (co_await OpenTransport(stream, buffer, peer)) {
      const std::string request_id = NewRequestId();
      ApiResponse response = ProblemResponse(
          Status::Unavailable("the server is at its connection limit; retry shortly")
              .WithProblemCode("too_many_connections"),
          request_id);
      response.WithHeader("Retry-After", "1");
      auto message = ToBeastResponse(std::move(response), request_id,
                                     HeadOptions{.tls = kIsTls<Stream>}, false);
      auto [ec, n] = co_await http::async_write(stream, message, kNoThrow);
      co_await CloseSending(stream, !ec);
    }
    STRATA_LOG(kWarn, "connection rejected").Str("reason", "max_connections").Str("peer", peer);
  }

  template <typename Stream>
  net::awaitable<void> Session(Stream stream) {
    PlainStream& transport = beast::get_lowest_layer(stream);
    const std::string peer = PeerOf(transport.socket());
    beast::flat_buffer buffer;
    const uint64_t id = Register(&transport, co_await net::this_coro::executor);
    // The TLS handshake counts as the start of the first request.
    transport.expires_after(std::chrono::milliseconds(options_.header_timeout_ms));
    bool clean = co_await OpenTransport(stream, buffer, peer);
    while (clean) {
      if (!MarkIdle(id)) break;  // Shutting down.
      if (buffer.size() == 0) {
        transport.expires_after(std::chrono::milliseconds(options_.idle_timeout_ms));
        auto [read_ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kNoThrow);
        if (read_ec) {
          // Shutdown, or the client closed (TLS: with close_notify) are clean. An idle timeout
          // has closed the socket; a TLS error forbids close_notify.
          clean = read_ec == net::error::operation_aborted || read_ec == net::error::eof;
          break;
        }
        buffer.commit(n);
      }
      MarkBusy(id);
      const Ending ending = co_await ServeOne(stream, buffer, peer);
      if (ending == Ending::kKeepAlive) continue;
      clean = ending == Ending::kClose;
      break;
    }
    co_await CloseSending(stream, clean);
    Unregister(id);
    if (active_sessions_.fetch_sub(1) == 1 && stopping_) {
      net::post(server_strand_, [this] { shutdown_timer_.cancel(); });
    }
  }

  // Reads, handles and answers one request, and says how the connection goes on.
  template <typename Stream>
  net::awaitable<Ending> ServeOne(Stream& stream, beast::flat_buffer& buffer,
                                  const std::string& peer) {
    const Clock::time_point start = Clock::now();
    PlainStream& transport = beast::get_lowest_layer(stream);
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    parser.body_limit(static_cast<uint64_t>(options_.max_body_bytes));
    transport.expires_after(std::chrono::milliseconds(options_.header_timeout_ms));
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kNoThrow);
    // Beast applies header_limit per read window; `n` is the whole head, so check it too.
    if (!ec && n > static_cast<size_t>(options_.max_header_bytes)) ec = http::error::header_limit;
    if (ec) {
      if (ec == http::error::body_limit) {
        // Beast refuses a Content-Length above body_limit while reading the head.
        co_await FailConnection(stream, 413, BodyTooLarge(), start, peer);
      } else if (ec == http::error::header_limit) {
        co_await FailConnection(
            stream, 431,
            Status::InvalidArgument("request head exceeds server.max_header_bytes (" +
                                    std::to_string(options_.max_header_bytes) + ")")
                .WithProblemCode("headers_too_large"),
            start, peer);
      } else if (IsParseError(ec)) {
        co_await FailConnection(stream, 400,
                                Status::InvalidArgument("malformed HTTP request: " + ec.message())
                                    .WithProblemCode("malformed_request"),
                                start, peer);
      }
      co_return Ending::kAbort;  // FailConnection closed it; or closed, timed out, cancelled.
    }
    const auto& head = parser.get();
    if (auto length = parser.content_length();
        length && *length > static_cast<uint64_t>(options_.max_body_bytes)) {
      co_await FailConnection(stream, 413, BodyTooLarge(), start, peer);
      co_return Ending::kAbort;
    }
    if (!parser.is_done()) {
      if (beast::iequals(head[http::field::expect], "100-continue")) {
        http::response<http::empty_body> proceed{http::status::continue_, head.version()};
        co_await http::async_write(stream, proceed, kNoThrow);
      }
      transport.expires_after(std::chrono::milliseconds(options_.body_timeout_ms));
      auto [body_ec, body_n] = co_await http::async_read(stream, buffer, parser, kNoThrow);
      if (body_ec) {
        if (body_ec == http::error::body_limit) {
          co_await FailConnection(stream, 413, BodyTooLarge(), start, peer);
        } else if (IsParseError(body_ec)) {
          co_await FailConnection(
              stream, 400,
              Status::InvalidArgument("malformed HTTP request body: " + body_ec.message())
                  .WithProblemCode("malformed_request"),
              start, peer);
        }
        co_return Ending::kAbort;
      }
    }

    http::request<http::string_body> message = parser.release();
    const unsigned version = message.version();
    const bool wants_keep_alive = message.keep_alive();
    ApiRequest request;
    Status converted = FromBeastRequest(std::move(message), peer, request);
    ApiResponse response;
    std::string principal;
    std::string route = "-";
    if (!converted.ok()) {
      response = ProblemResponse(converted, request.request_id);
    } else {
      Router::Match match = dispatcher_.FindRoute(request);
      if (match.route != nullptr) route = match.route->pattern;
      if (match.route != nullptr && match.route->options.offload) {
        const OffloadContext<Stream> context{
            .stream = stream,
            .buffer = buffer,
            .workers = workers_,
            .io_context = ioc_,
            .body_timeout = std::chrono::milliseconds(options_.body_timeout_ms),
            .version = version,
            .wants_keep_alive = wants_keep_alive,
            .stopping = stopping_,
        };
        const std::function<ApiResponse()> handle = [&] {
          return dispatcher_.Run(request, match, principal);
        };
        const OffloadResult offloaded = co_await ServeOffloaded(context, request, handle, response);
        if (offloaded.streamed) {
          LogRequest(request, route, response.status, offloaded.body_bytes, principal, start);
          if (!offloaded.complete) co_return Ending::kAbort;
          co_return offloaded.keep_alive ? Ending::kKeepAlive : Ending::kClose;
        }
      } else {
        response = dispatcher_.Run(request, match, principal);
        if (response.stream) response = BufferStream(std::move(response), request, route);
      }
    }
    const bool keep_alive = wants_keep_alive && !stopping_;
    const int status = response.status;
    const size_t bytes = response.body.size();
    const HeadOptions head_options{
        .version = version, .keep_alive = keep_alive, .tls = kIsTls<Stream>};
    auto out = ToBeastResponse(std::move(response), request.request_id, head_options,
                               request.method == Method::kHead);
    transport.expires_after(std::chrono::milliseconds(options_.body_timeout_ms));
    auto [write_ec, written] = co_await http::async_write(stream, out, kNoThrow);
    LogRequest(request, route, status, bytes, principal, start);
    if (write_ec) co_return Ending::kAbort;
    co_return keep_alive ? Ending::kKeepAlive : Ending::kClose;
  }

  // A streamed response of a route without `offload`: produced here, on the I/O thread, and
  // sent buffered with a Content-Length (also for HEAD, so that it is right). The producer
  // returning false gives a 500 problem. Logged as a warning: such routes should offload.
  ApiResponse BufferStream(ApiResponse response, const ApiRequest& request,
                           std::string_view route) {
    STRATA_LOG(kWarn, "streamed response on a route without offload; sent buffered")
        .Str("route", route)
        .Str("request_id", request.request_id);
    const std::function<bool(const ChunkWriter&)> producer = std::move(response.stream);
    response.stream = nullptr;
    if (!StatusHasBody(response.status)) return response;
    std::string body;
    const bool ok = producer([&body](std::string_view chunk) {
      body.append(chunk);
      return true;
    });
    if (!ok) {
      return ProblemResponse(Status::Internal("the streamed response failed"), request.request_id);
    }
    response.body = std::move(body);
    return response;
  }

  Status BodyTooLarge() const {
    return Status::PayloadTooLarge("request body exceeds server.max_body_bytes (" +
                                   std::to_string(options_.max_body_bytes) + " bytes)");
  }

  // Answers a request that cannot be read to the end, then closes the connection.
  template <typename Stream>
  net::awaitable<void> FailConnection(Stream& stream, int http_status, Status status,
                                      Clock::time_point start, const std::string& peer) {
    PlainStream& transport = beast::get_lowest_layer(stream);
    ApiRequest request;
    request.request_id = NewRequestId();
    request.peer = peer;
    ApiResponse response = ProblemResponse(status, request.request_id, http_status);
    const size_t bytes = response.body.size();
    auto out = ToBeastResponse(std::move(response), request.request_id,
                               HeadOptions{.tls = kIsTls<Stream>}, false);
    transport.expires_after(std::chrono::seconds(5));
    auto [write_ec, written] = co_await http::async_write(stream, out, kNoThrow);
    LogRequest(request, "-", http_status, bytes, "", start);
    co_await CloseSending(stream, !write_ec);
    // Read and discard what the client is still sending, briefly, so it reads our answer.
    // Beneath TLS: the records are dropped undecrypted.
    transport.expires_after(kDrainTime);
    std::vector<char> sink(64 << 10);
    for (size_t drained = 0; drained < kDrainBytes;) {
      auto [read_ec, n] = co_await transport.async_read_some(net::buffer(sink), kNoThrow);
      if (read_ec) break;
      drained += n;
    }
  }

  void LogRequest(const ApiRequest& request, std::string_view route, int status, size_t bytes,
                  std::string_view principal, Clock::time_point start) {
    if (!LogEnabled(LogLevel::kInfo)) return;
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    LogLine line(LogLevel::kInfo, "request");
    line.Str("method", MethodName(request.method))
        .Str("route", route)
        .Int("status", status)
        .Double("duration_ms", ms)
        .Int("bytes", static_cast<int64_t>(bytes))
        .Str("request_id", request.request_id)
        .Str("principal", principal.empty() ? "-" : principal)
        .Str("peer", request.peer);
    const std::string_view traceparent = request.Header("traceparent");
    if (!traceparent.empty()) {
      if (std::optional<TraceParent> trace = ParseTraceParent(traceparent)) {
        line.Str("trace_id", trace->trace_id).Str("parent_id", trace->parent_id);
      }
    }
  }

  // A new session starts idle: shutdown interrupts its TLS handshake too.
  uint64_t Register(PlainStream* transport, net::any_io_executor executor) {
    std::lock_guard lock(mu_);
    const uint64_t id = next_session_id_++;
    sessions_.emplace(id, SessionSlot{transport, std::move(executor), false});
    return id;
  }

  void MarkBusy(uint64_t id) {
    std::lock_guard lock(mu_);
    sessions_.at(id).busy = true;
  }

  // Marks the session idle; false when the server is stopping and the session should close.
  bool MarkIdle(uint64_t id) {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    sessions_.at(id).busy = false;
    return true;
  }

  void Unregister(uint64_t id) {
    std::lock_guard lock(mu_);
    sessions_.erase(id);
  }

  // Runs on server_strand_.
  void BeginShutdown() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      // Idle sessions wait for a next request that will not be served: wake them now.
      for (auto& [id, slot] : sessions_) {
        if (slot.busy) continue;
        // Runs on the session's strand: a session that has meanwhile begun a request (busy
        // again) finishes it and then sees stopping_.
        net::post(slot.executor, [this, id = id] {
          std::lock_guard inner(mu_);
          if (auto it = sessions_.find(id); it != sessions_.end() && !it->second.busy) {
            it->second.transport->cancel();
          }
        });
      }
    }
    if (on_shutdown_) on_shutdown_();
    boost::system::error_code ec;
    acceptor_.close(ec);
    signals_.cancel(ec);
    if (active_sessions_.load() == 0) return;
    shutdown_timer_.expires_after(std::chrono::milliseconds(options_.shutdown_timeout_ms));
    shutdown_timer_.async_wait([this](boost::system::error_code timer_ec) {
      if (timer_ec || active_sessions_.load() == 0) return;
      STRATA_LOG(kWarn, "shutdown deadline passed; closing remaining connections")
          .Int("connections", active_sessions_.load());
      ioc_.stop();
    });
  }

  HttpServerOptions options_;
  const Dispatcher& dispatcher_;
  net::io_context ioc_;
  net::strand<net::io_context::executor_type> server_strand_;  // Acceptor, signals, timer.
  tcp::acceptor acceptor_;
  net::signal_set signals_;
  net::steady_timer shutdown_timer_;
  net::thread_pool workers_;
  uint16_t port_ = 0;
  std::function<void()> on_shutdown_;
  std::atomic<int64_t> active_sessions_{0};

  std::mutex mu_;  // Guards sessions_, next_session_id_ and writes of stopping_.
  std::unordered_map<uint64_t, SessionSlot> sessions_;
  uint64_t next_session_id_ = 1;
  std::atomic<bool> stopping_{false};
};

HttpServer::HttpServer(HttpServerOptions options, const Dispatcher& dispatcher)
    : impl_(std::make_unique<Impl>(std::move(options), dispatcher)) {}
HttpServer::~HttpServer() = default;
Status HttpServer::Listen() { return impl_->Listen(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Run(std::function<void()> on_shutdown) { impl_->Run(std::move(on_shutdown)); }
void HttpServer::Shutdown() { impl_->Shutdown(); }

}  // namespace strata::server
