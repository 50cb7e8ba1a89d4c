#include "http_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <strings.h>
#include <cerrno>
#include <cstring>

namespace strata::bench {
namespace {

// The value of header `name` (case-insensitive) in `headers` ("Name: value\r\n" lines), or an
// empty view.
std::string_view HeaderValue(std::string_view headers, std::string_view name) {
  size_t pos = 0;
  while (pos < headers.size()) {
    size_t eol = headers.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = headers.size();
    const std::string_view line = headers.substr(pos, eol - pos);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        strncasecmp(line.data(), name.data(), name.size()) == 0) {
      std::string_view value = line.substr(name.size() + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      return value;
    }
    pos = eol + 2;
  }
  return {};
}

// Parses a non-negative decimal; -1 when `text` is not one.
int64_t ParseCount(std::string_view text) {
  if (text.empty() || text.size() > 18) return -1;
  int64_t value = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return -1;
    value = value * 10 + (ch - '0');
  }
  return value;
}

}  // namespace

HttpConnection::~HttpConnection() { Close(); }

void HttpConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_start_ = buffer_end_ = 0;
}

bool HttpConnection::Fail(std::string& error, std::string message) {
  error = std::move(message);
  Close();
  return false;
}

bool HttpConnection::Connect(const std::string& address, uint16_t port, int timeout_s,
                             std::string& error) {
  Close();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
    return Fail(error, "not an IPv4 address: " + address);
  }
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Fail(error, std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  timeval timeout{};
  timeout.tv_sec = timeout_s;
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Fail(error, std::string("connect: ") + std::strerror(errno));
  }
  return true;
}

bool HttpConnection::SendAll(std::string_view head, std::string_view body, std::string& error) {
  iovec parts[2] = {{const_cast<char*>(head.data()), head.size()},
                    {const_cast<char*>(body.data()), body.size()}};
  iovec* next = parts;
  int count = body.empty() ? 1 : 2;
  while (count > 0) {
    const ssize_t sent = ::writev(fd_, next, count);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return Fail(error, std::string("send: ") + std::strerror(errno));
    }
    size_t done = static_cast<size_t>(sent);
    while (count > 0 && done >= next->iov_len) {
      done -= next->iov_len;
      ++next;
      --count;
    }
    if (count > 0) {
      next->iov_base = static_cast<char*>(next->iov_base) + done;
      next->iov_len -= done;
    }
  }
  return true;
}

bool HttpConnection::ReadAtLeast(size_t bytes, std::string& error) {
  if (buffer_start_ + bytes > buffer_.size()) {
    // Move the answer to the front, and grow only if it still does not fit.
    std::memmove(buffer_.data(), buffer_.data() + buffer_start_, buffer_end_ - buffer_start_);
    buffer_end_ -= buffer_start_;
    buffer_start_ = 0;
    if (bytes > buffer_.size()) buffer_.resize(bytes);
  }
  while (buffer_end_ - buffer_start_ < bytes) {
    const ssize_t got = ::recv(fd_, buffer_.data() + buffer_end_, buffer_.size() - buffer_end_, 0);
    if (got == 0) return Fail(error, "the server closed the connection");
    if (got < 0) {
      if (errno == EINTR) continue;
      return Fail(error, std::string("recv: ") + std::strerror(errno));
    }
    buffer_end_ += static_cast<size_t>(got);
  }
  return true;
}

bool HttpConnection::ReadChunked(size_t pos, std::string& error) {
  chunked_body_.clear();  // Keeps its capacity from earlier answers.
  // The head is parsed: from here on buffer_start_ is the first byte not yet parsed, so
  // ReadAtLeast moves what is left to the front instead of growing the buffer to hold the
  // whole body. Offsets below are relative to buffer_start_ (the buffer may move).
  buffer_start_ = pos;
  // The offset of the "\r\n" ending the line at buffer_start_.
  const auto read_line = [&](size_t& eol) {
    size_t scanned = 0;
    while (true) {
      const std::string_view got(buffer_.data() + buffer_start_, buffer_end_ - buffer_start_);
      eol = got.find("\r\n", scanned);
      if (eol != std::string_view::npos) return true;
      scanned = got.empty() ? 0 : got.size() - 1;
      if (got.size() > 4096) return Fail(error, "chunk line over 4 KiB");
      if (!ReadAtLeast(got.size() + 1, error)) return false;
    }
  };
  while (true) {
    size_t eol = 0;
    if (!read_line(eol)) return false;
    uint64_t size = 0;
    size_t digits = 0;
    for (size_t idx = 0; idx < eol; ++idx, ++digits) {
      const char ch = buffer_[buffer_start_ + idx];
      int value = -1;
      if (ch >= '0' && ch <= '9') value = ch - '0';
      if (ch >= 'a' && ch <= 'f') value = ch - 'a' + 10;
      if (ch >= 'A' && ch <= 'F') value = ch - 'A' + 10;
      if (value < 0) break;  // A chunk extension (";...") or padding follows.
      if (digits >= 15) return Fail(error, "chunk size too large");
      size = size * 16 + static_cast<uint64_t>(value);
    }
    if (digits == 0) return Fail(error, "malformed chunk size");
    buffer_start_ += eol + 2;
    if (size == 0) {
      // Trailer fields, then the blank line.
      while (true) {
        if (!read_line(eol)) return false;
        const bool blank = eol == 0;
        buffer_start_ += eol + 2;
        if (blank) return true;
      }
    }
    if (!ReadAtLeast(size + 2, error)) return false;
    chunked_body_.append(buffer_.data() + buffer_start_, size);
    buffer_start_ += size + 2;
  }
}

bool HttpConnection::Exchange(std::string_view head, std::string_view body, HttpAnswer& answer,
                              std::string& error) {
  if (fd_ < 0) return Fail(error, "not connected");
  // One request in flight: whatever the last answer left is not ours to keep.
  buffer_start_ = buffer_end_ = 0;
  if (!SendAll(head, body, error)) return false;

  // Head: up to the blank line.
  size_t head_end = std::string_view::npos;
  size_t scanned = 0;
  while (true) {
    const std::string_view got(buffer_.data(), buffer_end_);
    head_end = got.find("\r\n\r\n", scanned > 3 ? scanned - 3 : 0);
    if (head_end != std::string_view::npos) break;
    scanned = got.size();
    if (scanned >= 64 * 1024) return Fail(error, "answer head over 64 KiB");
    if (!ReadAtLeast(scanned + 1, error)) return false;
  }
  const std::string_view head_text(buffer_.data(), head_end + 2);
  // "HTTP/1.1 200 OK"
  if (head_text.size() < 12 || head_text.substr(0, 5) != "HTTP/") {
    return Fail(error, "malformed status line");
  }
  const int64_t status = ParseCount(head_text.substr(9, 3));
  if (status < 100) return Fail(error, "malformed status code");
  const size_t first_eol = head_text.find("\r\n");
  const std::string_view headers = head_text.substr(first_eol + 2);
  const std::string_view encoding = HeaderValue(headers, "Transfer-Encoding");
  const bool chunked = !encoding.empty();
  if (chunked && !(encoding.size() == 7 && strncasecmp(encoding.data(), "chunked", 7) == 0)) {
    return Fail(error, "unsupported Transfer-Encoding");
  }
  // 1xx, 204 and 304 answers have no body (RFC 9112 section 6.3).
  const bool bodiless = status < 200 || status == 204 || status == 304;
  int64_t length = 0;
  if (!bodiless && !chunked) {
    length = ParseCount(HeaderValue(headers, "Content-Length"));
    if (length < 0) return Fail(error, "answer without a valid Content-Length");
  }
  const std::string_view connection = HeaderValue(headers, "Connection");
  answer.close = connection.size() == 5 && strncasecmp(connection.data(), "close", 5) == 0;
  const int64_t retry_after = ParseCount(HeaderValue(headers, "Retry-After"));
  answer.retry_after_s = retry_after > 3600 ? 3600 : static_cast<int>(retry_after);
  answer.status = static_cast<int>(status);

  const size_t body_start = head_end + 4;
  if (chunked && !bodiless) {
    if (!ReadChunked(body_start, error)) return false;
    answer.body = chunked_body_;
  } else {
    if (!ReadAtLeast(body_start + static_cast<size_t>(length), error)) return false;
    answer.body =
        std::string_view(buffer_.data() + buffer_start_ + body_start, static_cast<size_t>(length));
  }
  if (answer.close) {
    // Keep the answer readable; the socket goes, the buffer stays until the next Exchange.
    ::close(fd_);
    fd_ = -1;
  }
  return true;
}

}  // namespace strata::bench
