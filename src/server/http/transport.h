// The two byte streams an HTTP connection runs on, plain TCP and TLS over TCP, and the steps
// where they differ: opening (the TLS handshake) and closing (TLS close_notify). Everything
// between is one code path, templated over the stream type (http_server.cc,
// offloaded_exchange.cc).
// Timeouts: both streams sit on a beast::tcp_stream (get_lowest_layer), whose expiry bounds
// every operation; the caller sets it.
// Internal to server/http (Beast, Asio and OpenSSL in the interface).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <string_view>
#include <type_traits>

namespace strata::server {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

template <typename Stream>
inline constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

enum class TlsAccept {
  kReady,   // Handshake done; `buffer` holds no TLS bytes.
  kNotTls,  // The client spoke something else first (plain HTTP?); `buffer` holds it.
  kFailed,  // Closed, timed out, or the handshake failed (version, ciphers, garbage).
};

// Reads the client's first bytes into `buffer` and, when they start a TLS handshake, runs the
// server side of it. Failures are logged at debug level with `peer`.
// REQUIRES: nothing read from `stream` yet; the lowest layer's expiry is set.
boost::asio::awaitable<TlsAccept> AcceptTls(TlsStream& stream, boost::beast::flat_buffer& buffer,
                                            std::string_view peer);

// Ends the sending side of the connection without waiting for the peer. TLS: when `clean`,
// sends close_notify first (at most 1 s), so that a body delimited by the end of the
// connection is known to be complete; when not clean (an error, or a response that must read
// as truncated) it is left out. Then TCP FIN. Idempotent. Errors are ignored.
boost::asio::awaitable<void> CloseSending(PlainStream& stream, bool clean);
boost::asio::awaitable<void> CloseSending(TlsStream& stream, bool clean);

}  // namespace strata::server
