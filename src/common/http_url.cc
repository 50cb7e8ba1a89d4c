#include "common/http_url.h"

#include <arpa/inet.h>

#include <charconv>

#include "common/strings.h"

namespace strata {
namespace {

Status Malformed(std::string_view why) {
  return Status::InvalidArgument("malformed URL: " + std::string(why));
}

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return Malformed("only printable ASCII without spaces is allowed");
    }
  }
  HttpUrl out;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return Malformed("expected http:// or https://");
  const std::string scheme = ToLower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return Malformed("expected http:// or https://");
  out.https = scheme == "https";
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) return Malformed("a fragment (#) is not allowed");
  const size_t path_start = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, path_start);
  out.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (out.target.front() == '?') out.target.insert(out.target.begin(), '/');
  if (authority.find('@') != std::string_view::npos) {
    return Malformed("user information (user@host) is not allowed");
  }
  std::string_view host = authority;
  std::string_view port_text;
  if (StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Malformed("unclosed [ in the host");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Malformed("unexpected characters after ]");
      port_text = after.substr(1);
      if (port_text.empty()) return Malformed("empty port");
    }
  } else if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
    if (port_text.empty()) return Malformed("empty port");
  }
  if (host.empty()) return Malformed("no host");
  out.host = ToLower(host);
  out.port = out.https ? 443 : 80;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return Malformed("bad port");
    }
    out.port = static_cast<uint16_t>(value);
  }
  out.host_field = out.host.find(':') != std::string::npos ? "[" + out.host + "]" : out.host;
  if (!port_text.empty()) out.host_field += ":" + std::to_string(out.port);
  return out;
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost") return true;
  const std::string text(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  return ::inet_pton(AF_INET6, text.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

Result<HttpUrl> ParseFetchUrl(std::string_view url) {
  STRATA_ASSIGN_OR_RETURN(HttpUrl parsed, ParseHttpUrl(url));
  if (!parsed.https && !IsLoopbackHost(parsed.host)) {
    return Status::InvalidArgument("must be https:// (plain http:// only to a loopback host)");
  }
  return parsed;
}

}  // namespace strata
