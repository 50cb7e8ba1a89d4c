// bench_hello_server: the smallest fair Beast HTTP/1.1 server, the baseline that
// bench/http/run.sh compares stratad against.
//
//   bench_hello_server PORT THREADS
//
// PORT 0 picks a free port. Once listening, prints "listening on 127.0.0.1:<port>" on stdout.
// Same model as stratad (src/server/http/http_server.cc): one io_context run by THREADS
// threads, a strand and a coroutine per connection, beast::tcp_stream with a timeout per
// request, tcp::no_delay, keep-alive. Every request gets 200 and {"status":"ok"}; there is no
// routing, authentication, logging or request id, which is exactly what the baseline leaves out.
// Listens on 127.0.0.1 only. Stops on SIGINT or SIGTERM.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
constexpr auto kIdleTimeout = std::chrono::seconds(60);
constexpr std::string_view kBody = R"({"status":"ok"})";

// Parses a decimal in [min, max]; false otherwise.
bool ParseInt(std::string_view text, int min, int max, int& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && out >= min && out <= max;
}

net::awaitable<void> Session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    stream.expires_after(kIdleTimeout);
    auto [read_ec, read_n] = co_await http::async_read(stream, buffer, request, kNoThrow);
    if (read_ec) break;  // EOF, timeout or a malformed request: close.
    http::response<http::string_body> response{http::status::ok, request.version()};
    response.set(http::field::server, "hello");
    response.set(http::field::content_type, "application/json");
    response.keep_alive(request.keep_alive());
    response.body() = kBody;
    response.prepare_payload();
    auto [write_ec, write_n] = co_await http::async_write(stream, response, kNoThrow);
    if (write_ec || !response.keep_alive()) break;
  }
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> Accept(tcp::acceptor& acceptor, net::io_context& ioc) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(net::make_strand(ioc), kNoThrow);
    if (ec) {
      if (ec == net::error::operation_aborted || ec == net::error::bad_descriptor) co_return;
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    const auto executor = socket.get_executor();
    net::co_spawn(executor, Session(std::move(socket)), net::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  int threads = 0;
  if (argc != 3 || !ParseInt(argv[1], 0, 65535, port) || !ParseInt(argv[2], 1, 256, threads)) {
    std::fprintf(stderr, "usage: bench_hello_server PORT THREADS\n");
    return 2;
  }
  net::io_context ioc(threads);
  tcp::acceptor acceptor(net::make_strand(ioc));
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "bench_hello_server: cannot listen on 127.0.0.1:%d: %s\n", port,
                 ec.message().c_str());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%u\n",
              static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&ioc](boost::system::error_code, int) { ioc.stop(); });
  net::co_spawn(acceptor.get_executor(), Accept(acceptor, ioc), net::detached);

  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (std::thread& thread : pool) thread.join();
  return 0;
}
