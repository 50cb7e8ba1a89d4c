#include "server/http/http_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <exception>
#include <optional>
#include <vector>

#include "common/http_url.h"

namespace strata::server {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
constexpr uint32_t kMaxHeadBytes = 16 * 1024;

struct Exchange {
  const HttpUrl& url;
  const HttpClientOptions& options;
  ssl::context* tls;  // Null for plain http.
  HttpResponse& response;
};

std::string Failed(const Exchange& exchange, std::string_view step, std::string_view why) {
  return std::string(step) + " " + exchange.url.host_field + " failed: " + std::string(why);
}

template <typename Stream>
net::awaitable<Status> RequestResponse(Stream& stream, const Exchange& exchange) {
  http::request<http::empty_body> request{http::verb::get, exchange.url.target, 11};
  request.set(http::field::host, exchange.url.host_field);
  request.set(http::field::user_agent, "stratad");
  request.set(http::field::accept, exchange.options.accept);
  request.set(http::field::connection, "close");
  auto [write_ec, written] = co_await http::async_write(stream, request, kNoThrow);
  if (write_ec) co_return Status::Unavailable(Failed(exchange, "sending to", write_ec.message()));
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(exchange.options.max_body_bytes);
  parser.header_limit(kMaxHeadBytes);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  if (read_ec == http::error::body_limit) {
    co_return Status::ResourceExhausted(Failed(
        exchange, "reading from",
        "the body is larger than " + std::to_string(exchange.options.max_body_bytes) + " bytes"));
  }
  if (read_ec == http::error::header_limit) {
    co_return Status::ResourceExhausted(
        Failed(exchange, "reading from", "the response head is larger than 16 KiB"));
  }
  if (read_ec) co_return Status::Unavailable(Failed(exchange, "reading from", read_ec.message()));
  http::response<http::string_body> message = parser.release();
  exchange.response.status = static_cast<int>(message.result_int());
  exchange.response.content_type = std::string(message[http::field::content_type]);
  exchange.response.body = std::move(message.body());
  co_return Status();
}

net::awaitable<Status> Run(const Exchange& exchange) {
  const auto executor = co_await net::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [resolve_ec, results] = co_await resolver.async_resolve(
      exchange.url.host, std::to_string(exchange.url.port), kNoThrow);
  if (resolve_ec)
    co_return Status::Unavailable(Failed(exchange, "resolving", resolve_ec.message()));
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : results) {
    // Plain http is allowed only to loopback: a name must not resolve elsewhere.
    if (exchange.tls != nullptr || entry.endpoint().address().is_loopback()) {
      endpoints.push_back(entry.endpoint());
    }
  }
  if (endpoints.empty()) {
    co_return Status::Unavailable(
        Failed(exchange, "resolving", "no usable address (plain http only to loopback)"));
  }
  beast::tcp_stream tcp_stream(executor);
  auto [connect_ec, endpoint] = co_await tcp_stream.async_connect(endpoints, kNoThrow);
  if (connect_ec) {
    co_return Status::Unavailable(Failed(exchange, "connecting to", connect_ec.message()));
  }
  if (exchange.tls == nullptr) co_return co_await RequestResponse(tcp_stream, exchange);

  beast::ssl_stream<beast::tcp_stream> tls_stream(std::move(tcp_stream), *exchange.tls);
  boost::system::error_code address_ec;
  net::ip::make_address(exchange.url.host, address_ec);
  if (address_ec &&  // SNI carries names only, never addresses (RFC 6066 §3).
      SSL_set_tlsext_host_name(tls_stream.native_handle(), exchange.url.host.c_str()) != 1) {
    co_return Status::Unavailable(Failed(exchange, "TLS to", "cannot set the server name"));
  }
  tls_stream.set_verify_mode(ssl::verify_peer);
  tls_stream.set_verify_callback(ssl::host_name_verification(exchange.url.host));
  auto [handshake_ec] = co_await tls_stream.async_handshake(ssl::stream_base::client, kNoThrow);
  if (handshake_ec) {
    co_return Status::Unavailable(Failed(exchange, "TLS handshake with", handshake_ec.message()));
  }
  co_return co_await RequestResponse(tls_stream, exchange);
}

Result<HttpResponse> Get(const HttpUrl& url, const HttpClientOptions& options) {
  // Declared before the I/O context: pending coroutine frames, destroyed with the context on
  // a timeout, still refer to them.
  HttpResponse response;
  std::optional<Status> outcome;
  std::optional<ssl::context> tls;
  if (url.https) {
    tls.emplace(ssl::context::tls_client);
    SSL_CTX* handle = tls->native_handle();
    SSL_CTX_set_min_proto_version(handle, TLS1_2_VERSION);
    boost::system::error_code ca_ec;
    if (options.ca_file.empty()) {
      tls->set_default_verify_paths(ca_ec);
    } else {
      tls->load_verify_file(options.ca_file, ca_ec);
    }
    if (ca_ec) {
      return Status::Unavailable("cannot load the CA certificates: " + ca_ec.message());
    }
  }
  const Exchange exchange{url, options, tls ? &*tls : nullptr, response};
  {
    net::io_context io_context(1);
    net::co_spawn(io_context, Run(exchange), [&outcome](std::exception_ptr error, Status status) {
      outcome = error ? Status::Internal("HTTP client failed unexpectedly") : std::move(status);
    });
    io_context.run_for(options.timeout);
  }
  ERR_clear_error();  // Nothing of this exchange may leak into the thread's next OpenSSL call.
  if (!outcome.has_value()) {
    return Status::DeadlineExceeded("GET " + url.host_field + " took longer than " +
                                    std::to_string(options.timeout.count()) + " ms");
  }
  if (!outcome->ok()) return *outcome;
  return response;
}

}  // namespace

Result<HttpResponse> HttpGet(std::string_view url, const HttpClientOptions& options) {
  STRATA_ASSIGN_OR_RETURN(HttpUrl parsed, ParseFetchUrl(url));
  try {
    return Get(parsed, options);
  } catch (const std::exception& error) {  // Allocation or OpenSSL setup; nothing expected.
    return Status::Internal(std::string("HTTP client failed: ") + error.what());
  }
}

Result<std::string> HttpGetOk(std::string_view url, const HttpClientOptions& options) {
  STRATA_ASSIGN_OR_RETURN(HttpResponse response, HttpGet(url, options));
  if (response.status != 200) {
    STRATA_ASSIGN_OR_RETURN(HttpUrl parsed, ParseFetchUrl(url));
    return Status::Unavailable("HTTP " + std::to_string(response.status) + " from " +
                               parsed.host_field);
  }
  return std::move(response.body);
}

}  // namespace strata::server
