// A blocking loopback TCP client for HTTP server tests: sends raw bytes and reads with
// bounded waits, so that framing (chunked encoding, truncation, pipelining) is visible.
// Thread safety: none.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/strings.h"

namespace strata::server::testing {

class RawHttpClient {
 public:
  enum class ReadEnd { kDone, kClosed, kTimeout };

  explicit RawHttpClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ >= 0 &&
        ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
      Close();
    }
  }
  ~RawHttpClient() { Close(); }
  RawHttpClient(const RawHttpClient&) = delete;
  RawHttpClient& operator=(const RawHttpClient&) = delete;

  bool connected() const { return fd_ >= 0; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads into received() until `done(received())`, EOF, or `timeout`.
  ReadEnd ReadUntil(const std::function<bool(const std::string&)>& done,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(received_)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return ReadEnd::kTimeout;
      pollfd ready{.fd = fd_, .events = POLLIN, .revents = 0};
      if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
      char data[16 << 10];
      const ssize_t n = ::recv(fd_, data, sizeof(data), 0);
      if (n <= 0) return ReadEnd::kClosed;
      received_.append(data, static_cast<size_t>(n));
    }
    return ReadEnd::kDone;
  }

  // Reads until the server closes the connection; false on timeout.
  bool ReadUntilClosed(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return ReadUntil([](const std::string&) { return false; }, timeout) == ReadEnd::kClosed;
  }

  const std::string& received() const { return received_; }
  // Drops the first `n` received bytes (a response already checked).
  void Consume(size_t n) { received_.erase(0, n); }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  std::string received_;
};

// One HTTP/1.1 response parsed from the start of received bytes.
struct ParsedResponse {
  int status = 0;
  std::string head;  // Status line and fields, without the blank line.
  std::string body;  // Decoded (de-chunked) body so far.
  bool chunked = false;
  bool complete = false;  // The whole body (with the last chunk, if chunked) is there.
  size_t size = 0;        // Bytes of the whole response, when complete.

  // The value of a header field (case-insensitive name), or nullopt.
  std::optional<std::string> Header(std::string_view name) const {
    const std::string lower = ToLower(name) + ":";
    size_t line_start = head.find("\r\n");
    while (line_start != std::string::npos) {
      line_start += 2;
      const size_t line_end = head.find("\r\n", line_start);
      const std::string line = head.substr(line_start, line_end - line_start);
      if (ToLower(line.substr(0, lower.size())) == lower) {
        const size_t value = line.find_first_not_of(' ', lower.size());
        return value == std::string::npos ? std::string() : line.substr(value);
      }
      line_start = line_end;
    }
    return std::nullopt;
  }
};

// Parses what has arrived of a response; nullopt until the head is complete. For a
// bodiless response (HEAD, 204), pass `bodiless`.
inline std::optional<ParsedResponse> ParseResponse(std::string_view data, bool bodiless = false) {
  const size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return std::nullopt;
  ParsedResponse response;
  response.head = std::string(data.substr(0, head_end));
  if (response.head.size() < 12) return std::nullopt;
  response.status = std::stoi(response.head.substr(9, 3));
  std::string_view rest = data.substr(head_end + 4);
  const std::optional<std::string> encoding = response.Header("transfer-encoding");
  response.chunked = encoding.has_value() && ToLower(*encoding) == "chunked";
  if (bodiless) {
    response.complete = true;
    response.size = head_end + 4;
    return response;
  }
  if (!response.chunked) {
    const std::optional<std::string> length = response.Header("content-length");
    const size_t want = length ? std::stoul(*length) : rest.size();
    response.body = std::string(rest.substr(0, want));
    response.complete = length.has_value() && rest.size() >= want;
    response.size = head_end + 4 + response.body.size();
    return response;
  }
  size_t offset = 0;
  for (;;) {
    const size_t line_end = rest.find("\r\n", offset);
    if (line_end == std::string_view::npos) break;
    const size_t chunk_size =
        std::stoul(std::string(rest.substr(offset, line_end - offset)), nullptr, 16);
    if (chunk_size == 0) {
      if (rest.substr(line_end + 2, 2) == "\r\n") {
        response.complete = true;
        response.size = head_end + 4 + line_end + 4;
      }
      break;
    }
    if (rest.size() < line_end + 2 + chunk_size + 2) break;
    response.body += rest.substr(line_end + 2, chunk_size);
    offset = line_end + 2 + chunk_size + 2;
  }
  return response;
}

}  // namespace strata::server::testing
