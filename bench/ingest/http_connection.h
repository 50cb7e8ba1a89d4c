// One blocking HTTP/1.1 keep-alive client connection for the ingest load generator: POSIX
// sockets, one request in flight, bodies sent straight from the caller's buffers (writev), the
// response read into a buffer that is reused across requests (it grows to the largest answer
// once and is never shrunk). Answers framed by Content-Length or chunked (peers such as
// ClickHouse send those), or without a body (1xx, 204, 304).
//
// Thread safety: none; use one HttpConnection per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::bench {

struct HttpAnswer {
  int status = 0;
  int retry_after_s = -1;  // Retry-After in seconds; -1 when absent.
  bool close = false;      // The server will close the connection (Connection: close).
  std::string_view body;   // Valid until the next Exchange.
};

class HttpConnection {
 public:
  HttpConnection() = default;
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;
  ~HttpConnection();

  // Connects to `address`:`port` (an IPv4 address), TCP_NODELAY, with send and receive
  // timeouts of `timeout_s`. Closes any previous connection first.
  bool Connect(const std::string& address, uint16_t port, int timeout_s, std::string& error);
  void Close();
  bool connected() const { return fd_ >= 0; }

  // Sends `head` (request line and headers, ending in the blank line) and `body`, then reads
  // one answer. On a transport or framing error returns false with `error` set and closes the
  // connection.
  bool Exchange(std::string_view head, std::string_view body, HttpAnswer& answer,
                std::string& error);

 private:
  bool SendAll(std::string_view head, std::string_view body, std::string& error);
  // Reads until buffer_ holds at least `bytes` bytes from buffer_start_.
  bool ReadAtLeast(size_t bytes, std::string& error);
  bool Fail(std::string& error, std::string message);
  // Reads a chunked body whose first chunk line starts at buffer offset `pos` into
  // chunked_body_.
  bool ReadChunked(size_t pos, std::string& error);

  int fd_ = -1;
  std::vector<char> buffer_ = std::vector<char>(64 * 1024);
  size_t buffer_start_ = 0;   // First byte of the answer being read.
  size_t buffer_end_ = 0;     // One past the last byte received.
  std::string chunked_body_;  // The decoded body of a chunked answer.
};

}  // namespace strata::bench
