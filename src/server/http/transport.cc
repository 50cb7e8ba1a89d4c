#include "server/http/transport.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <chrono>

#include "common/logging.h"

namespace strata::server {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
// How long close_notify may take to leave; a peer that reads nothing must not hold us.
constexpr auto kCloseNotifyTime = std::chrono::seconds(1);

void ShutdownTcpSending(PlainStream& stream) {
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace

net::awaitable<TlsAccept> AcceptTls(TlsStream& stream, beast::flat_buffer& buffer,
                                    std::string_view peer) {
  auto [detect_ec, is_tls] =
      co_await beast::async_detect_ssl(beast::get_lowest_layer(stream), buffer, kNoThrow);
  if (detect_ec) co_return TlsAccept::kFailed;
  if (!is_tls) co_return TlsAccept::kNotTls;
  auto [handshake_ec, used] =
      co_await stream.async_handshake(net::ssl::stream_base::server, buffer.data(), kNoThrow);
  if (handshake_ec) {
    STRATA_LOG(kDebug, "TLS handshake failed")
        .Str("peer", peer)
        .Str("error", handshake_ec.message());
    co_return TlsAccept::kFailed;
  }
  buffer.consume(used);
  co_return TlsAccept::kReady;
}

net::awaitable<void> CloseSending(PlainStream& stream, bool) {
  ShutdownTcpSending(stream);
  co_return;
}

net::awaitable<void> CloseSending(TlsStream& stream, bool clean) {
  SSL* ssl = stream.native_handle();
  if (clean && (SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN) == 0 && SSL_is_init_finished(ssl)) {
    // A one-way close: as if the peer's close_notify had arrived, so SSL_shutdown sends ours
    // and completes without reading (RFC 8446 §6.1 lets either side close its direction).
    SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
    beast::get_lowest_layer(stream).expires_after(kCloseNotifyTime);
    co_await stream.async_shutdown(kNoThrow);
  }
  ShutdownTcpSending(beast::get_lowest_layer(stream));
}

}  // namespace strata::server
