// ServeOffloaded: runs the handler of an offloaded route on the worker pool while the
// connection coroutine watches the client, and writes a streamed response body
// (ApiResponse::stream) as the worker produces it. docs/architecture.md "Streamed responses
// and cancellation" describes the contract.
//
// Thread safety: the coroutine runs on the connection's strand; the handler and the producer
// run on one worker thread. They share one bounded channel and a "client gone" flag.
// Invariant: ServeOffloaded completes only after the worker has last touched the request,
// the response and `handle`, so the caller may destroy them then.
// Streams: PlainStream and TlsStream (transport.h), instantiated in offloaded_exchange.cc.
// A TLS stream is full-duplex like a socket: the watch reads while the exchange writes.
// Internal to server/http (Beast and Asio in the interface).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstddef>
#include <functional>

#include "server/api/api_types.h"
#include "server/http/transport.h"

namespace strata::server {

template <typename Stream>
struct OffloadContext {
  Stream& stream;
  // The connection's read buffer: bytes the client sends while the request runs (a pipelined
  // next request) are appended here for the next parse.
  boost::beast::flat_buffer& buffer;
  boost::asio::thread_pool& workers;
  // Once stopped (shutdown deadline), a worker stops waiting for the connection.
  const boost::asio::io_context& io_context;
  std::chrono::milliseconds body_timeout;  // Per write of the head and of each chunk.
  unsigned version;                        // Of the request: 10 or 11.
  bool wants_keep_alive;                   // The request asked to keep the connection.
  const std::atomic<bool>& stopping;       // Server shutdown: answer with Connection: close.
};

struct OffloadResult {
  // The response was streamed: its head and body are written (or failed), and the caller
  // sends nothing more. Otherwise the caller writes `response` as usual.
  bool streamed = false;
  // Streamed: the head and the whole body were written and the producer succeeded. When
  // false, the client must see the response as truncated.
  bool complete = false;
  bool keep_alive = false;  // Streamed: complete, and the connection may go on.
  size_t body_bytes = 0;    // Streamed: body bytes written, without chunk framing.
};

// Runs `handle` on `context.workers` and stores its result in `response`. While it runs (and
// while a streamed body is produced), reads the connection: EOF or a read error cancels
// `request.cancellation` and makes the chunk writer return false. A streamed response (not
// for HEAD or statuses without a body) is produced on the same worker and written here.
// `response.stream` is cleared either way.
// The stream's read timeout is off while the watch reads (a handler may run for long); each
// write has `context.body_timeout`.
// REQUIRES: the caller's coroutine runs on the strand of `context.stream`; no operation on
// the stream is pending; `request`, `handle` and `response` stay valid until the returned
// awaitable completes.
template <typename Stream>
boost::asio::awaitable<OffloadResult> ServeOffloaded(const OffloadContext<Stream>& context,
                                                     const ApiRequest& request,
                                                     const std::function<ApiResponse()>& handle,
                                                     ApiResponse& response);

extern template boost::asio::awaitable<OffloadResult> ServeOffloaded<PlainStream>(
    const OffloadContext<PlainStream>&, const ApiRequest&, const std::function<ApiResponse()>&,
    ApiResponse&);
extern template boost::asio::awaitable<OffloadResult> ServeOffloaded<TlsStream>(
    const OffloadContext<TlsStream>&, const ApiRequest&, const std::function<ApiResponse()>&,
    ApiResponse&);

}  // namespace strata::server
