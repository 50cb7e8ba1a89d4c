#include "server/http/offloaded_exchange.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <future>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <variant>

#include "common/check.h"
#include "server/http/message_conversion.h"

namespace strata::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace net::experimental::awaitable_operators;

namespace {

constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
// Messages the worker may queue before it blocks: small, so a slow client holds back the
// producer instead of letting chunks pile up in memory.
constexpr size_t kChannelCapacity = 4;
// Chunks already queued are written together up to this size. The first bytes never wait
// for more to arrive.
constexpr size_t kCoalesceBytes = 64 << 10;
// The watch stops reading once this much of a pipelined next request is buffered; TCP flow
// control then holds the client back.
constexpr size_t kReadAheadBytes = 64 << 10;
// How often a blocked worker checks whether the I/O context stopped.
constexpr auto kSendPollInterval = std::chrono::milliseconds(50);

// What the worker tells the connection coroutine. The worker sends exactly one kResponse;
// when its `chunks_follow`, any number of kChunk and then exactly one kEnd follow.
struct PipeMessage {
  enum class Kind { kResponse, kChunk, kEnd };
  Kind kind = Kind::kChunk;
  bool streamed = false;       // kResponse: the response has a streamed body.
  bool chunks_follow = false;  // kResponse: the producer runs on the worker.
  bool producer_ok = false;    // kEnd: what the producer returned.
  std::string chunk;           // kChunk: never empty.

  static PipeMessage Response(bool streamed, bool chunks_follow) {
    PipeMessage message;
    message.kind = Kind::kResponse;
    message.streamed = streamed;
    message.chunks_follow = chunks_follow;
    return message;
  }
  static PipeMessage Chunk(std::string_view chunk) {
    PipeMessage message;
    message.chunk = std::string(chunk);
    return message;
  }
  static PipeMessage End(bool producer_ok) {
    PipeMessage message;
    message.kind = Kind::kEnd;
    message.producer_ok = producer_ok;
    return message;
  }
};

using PipeChannel =
    net::experimental::concurrent_channel<void(boost::system::error_code, PipeMessage)>;

// Shared by the coroutine and the worker (shared_ptr, so the channel outlives both).
// The channel is never closed.
struct Pipe {
  Pipe(const net::any_io_executor& executor, const net::io_context& io_context)
      : channel(executor, kChannelCapacity), io_context(io_context) {}

  PipeChannel channel;
  const net::io_context& io_context;
  // Set when the client closed the connection or a write failed or timed out: the coroutine
  // discards chunks, and the chunk writer returns false.
  std::atomic<bool> client_gone{false};
};

void MarkClientGone(Pipe& pipe, Cancellation& cancellation) {
  pipe.client_gone.store(true);
  cancellation.Cancel();
}

// Worker side. Queues `message`, blocking while the channel is full. False when the
// connection will never read it: the I/O context stopped at the shutdown deadline.
bool Send(Pipe& pipe, PipeMessage message) {
  // try_send moves from `message` only when it succeeds.
  if (pipe.channel.try_send(boost::system::error_code(), std::move(message))) return true;
  std::future<void> sent =
      pipe.channel.async_send(boost::system::error_code(), std::move(message), net::use_future);
  while (sent.wait_for(kSendPollInterval) != std::future_status::ready) {
    if (pipe.io_context.stopped()) return false;
  }
  return true;
}

// Runs on a worker thread. After the last Send below it touches neither `request`, `handle`
// nor `response`: the coroutine may destroy them as soon as it has received that message.
void RunOnWorker(Pipe& pipe, const ApiRequest& request, const std::function<ApiResponse()>& handle,
                 ApiResponse& response) {
  response = handle();
  std::function<bool(const ChunkWriter&)> producer = std::move(response.stream);
  response.stream = nullptr;
  const bool streamed = producer != nullptr;
  const bool chunks_follow =
      streamed && request.method != Method::kHead && StatusHasBody(response.status);
  if (!chunks_follow) {
    producer = nullptr;
    Send(pipe, PipeMessage::Response(streamed, false));
    return;
  }
  const CancellationPtr cancellation = request.cancellation;
  if (!Send(pipe, PipeMessage::Response(streamed, true))) return;
  bool producer_ok = false;
  {
    const ChunkWriter write = [&pipe, &cancellation](std::string_view chunk) {
      if (pipe.client_gone.load()) return false;
      if (chunk.empty()) return true;
      if (!Send(pipe, PipeMessage::Chunk(chunk))) {
        MarkClientGone(pipe, *cancellation);
        return false;
      }
      return !pipe.client_gone.load();
    };
    producer_ok = producer(write);
    producer = nullptr;  // Whatever it captured is released before the end is signalled.
  }
  Send(pipe, PipeMessage::End(producer_ok));
}

// Reads what the client sends while the request runs, so that a closed connection is
// noticed: EOF or a read error marks the client gone and cancels the request. (A client
// that half-closes its side after sending the request counts as gone.) Bytes read (a
// pipelined next request) are appended to `buffer` for the next parse. Stops reading once
// kReadAheadBytes are buffered; disconnects are not noticed after that.
// Completes only when cancelled, so that `||` never cancels the exchange because of it.
// (Cancelling a read of a TLS stream cancels the socket read beneath it; bytes already
// received stay in the TLS engine for the next read.)
template <typename Stream>
net::awaitable<void> WatchClient(Stream& stream, beast::flat_buffer& buffer, Pipe& pipe,
                                 Cancellation& cancellation) {
  while (buffer.size() < kReadAheadBytes) {
    auto [ec, n] =
        co_await stream.async_read_some(buffer.prepare(kReadAheadBytes - buffer.size()), kNoThrow);
    if (!ec) buffer.commit(n);  // Even when cancelled meanwhile: these bytes are the client's.
    const net::cancellation_state state = co_await net::this_coro::cancellation_state;
    if (state.cancelled() != net::cancellation_type::none) co_return;
    if (ec) {
      MarkClientGone(pipe, cancellation);
      break;
    }
  }
  net::steady_timer forever(co_await net::this_coro::executor,
                            net::steady_timer::time_point::max());
  co_await forever.async_wait(kNoThrow);
}

// Receives the chunks of a streamed body until kEnd and writes them; after a failed write
// (or once the client is gone) drains them unwritten. Returns whether the body ended cleanly
// (the producer returned true and every write succeeded), the final chunk included.
template <typename Stream>
net::awaitable<bool> WriteBody(const OffloadContext<Stream>& context, Pipe& pipe,
                               Cancellation& cancellation, bool chunked, size_t& body_bytes) {
  bool ended = false;
  bool producer_ok = false;
  std::string batch;
  const auto take = [&](PipeMessage&& message) {
    if (message.kind == PipeMessage::Kind::kEnd) {
      ended = true;
      producer_ok = message.producer_ok;
    } else if (batch.empty()) {
      batch = std::move(message.chunk);
    } else {
      batch += message.chunk;
    }
  };
  while (!ended) {
    auto [ec, message] = co_await pipe.channel.async_receive(kNoThrow);
    // The channel is never closed and the exchange is never cancelled (see WatchClient).
    // Returning here would leave the worker with dangling references.
    STRATA_CHECK(!ec);
    take(std::move(message));
    while (!ended && batch.size() < kCoalesceBytes &&
           pipe.channel.try_receive(
               [&](boost::system::error_code, PipeMessage next) { take(std::move(next)); })) {
    }
    if (batch.empty() || pipe.client_gone.load()) {
      batch.clear();
      continue;
    }
    beast::get_lowest_layer(context.stream).expires_after(context.body_timeout);
    boost::system::error_code write_ec;
    if (chunked) {
      std::tie(write_ec, std::ignore) =
          co_await net::async_write(context.stream, http::make_chunk(net::buffer(batch)), kNoThrow);
    } else {
      std::tie(write_ec, std::ignore) =
          co_await net::async_write(context.stream, net::buffer(batch), kNoThrow);
    }
    if (write_ec) {
      MarkClientGone(pipe, cancellation);
    } else {
      body_bytes += batch.size();
    }
    batch.clear();
  }
  if (!producer_ok || pipe.client_gone.load()) co_return false;
  if (chunked) {
    beast::get_lowest_layer(context.stream).expires_after(context.body_timeout);
    auto [last_ec, last_n] =
        co_await net::async_write(context.stream, http::make_chunk_last(), kNoThrow);
    if (last_ec) {
      MarkClientGone(pipe, cancellation);
      co_return false;
    }
  }
  co_return true;
}

// Waits for the handler's response; for a streamed one, writes the head and the body.
template <typename Stream>
net::awaitable<OffloadResult> Exchange(const OffloadContext<Stream>& context, Pipe& pipe,
                                       const ApiRequest& request, const ApiResponse& response) {
  OffloadResult result;
  auto [ec, ready] = co_await pipe.channel.async_receive(kNoThrow);
  STRATA_CHECK(!ec && ready.kind == PipeMessage::Kind::kResponse);  // As in WriteBody.
  if (!ready.streamed) co_return result;
  result.streamed = true;
  const HeadOptions head_options{
      .version = context.version,
      .keep_alive = context.wants_keep_alive && !context.stopping.load(),
      .tls = kIsTls<Stream>,
  };
  const http::response<http::empty_body> head =
      ToBeastStreamHead(response, request.request_id, head_options);
  http::response_serializer<http::empty_body> serializer(head);
  beast::get_lowest_layer(context.stream).expires_after(context.body_timeout);
  auto [head_ec, head_bytes] =
      co_await http::async_write_header(context.stream, serializer, kNoThrow);
  if (head_ec) MarkClientGone(pipe, *request.cancellation);
  bool complete = !head_ec;
  if (ready.chunks_follow) {
    complete =
        co_await WriteBody(context, pipe, *request.cancellation, head.chunked(), result.body_bytes);
  }
  result.complete = complete;
  result.keep_alive = complete && head.keep_alive();
  co_return result;
}

}  // namespace

template <typename Stream>
net::awaitable<OffloadResult> ServeOffloaded(const OffloadContext<Stream>& context,
                                             const ApiRequest& request,
                                             const std::function<ApiResponse()>& handle,
                                             ApiResponse& response) {
  auto pipe = std::make_shared<Pipe>(co_await net::this_coro::executor, context.io_context);
  net::post(context.workers, [pipe, &request, &handle, &response] {
    RunOnWorker(*pipe, request, handle, response);
  });
  // The expiry of the last read (of the request) would otherwise cut the watch short; writes
  // set their own below.
  beast::get_lowest_layer(context.stream).expires_never();
  std::variant<OffloadResult, std::monostate> outcome =
      co_await (Exchange(context, *pipe, request, response) ||
                WatchClient(context.stream, context.buffer, *pipe, *request.cancellation));
  co_return std::get<0>(std::move(outcome));
}

template net::awaitable<OffloadResult> ServeOffloaded<PlainStream>(
    const OffloadContext<PlainStream>&, const ApiRequest&, const std::function<ApiResponse()>&,
    ApiResponse&);
template net::awaitable<OffloadResult> ServeOffloaded<TlsStream>(
    const OffloadContext<TlsStream>&, const ApiRequest&, const std::function<ApiResponse()>&,
    ApiResponse&);

}  // namespace strata::server
