// TlsContext: the server side of TLS for the HTTP front door, loaded once at startup
// (docs/security.md "Transport"): the certificate chain and key, TLS 1.2 or 1.3 as the oldest
// version, Mozilla's "intermediate" cipher list, no compression, no renegotiation, no session
// tickets.
// Thread safety: immutable after Load(); connections on any thread share it.
// This header is free of Boost and OpenSSL; server/http code reaches the Asio context through
// native().
#pragma once

#include <memory>
#include <string>

#include "common/result.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace strata::server {

struct TlsOptions {
  std::string cert_file;            // PEM: the leaf certificate first, then intermediates.
  std::string key_file;             // PEM: the leaf's private key, not passphrase-protected.
  std::string min_version = "1.2";  // "1.2" or "1.3".
};

class TlsContext {
 public:
  // Reads and checks both files. InvalidArgument naming the file (and the option) when one
  // cannot be read, holds no usable PEM, is passphrase-protected, or when the key does not
  // belong to the certificate.
  static Result<std::shared_ptr<const TlsContext>> Load(const TlsOptions& options);

  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // The Asio context that streams are built from. OpenSSL only reads it once loaded.
  boost::asio::ssl::context& native() const;

 private:
  struct Impl;
  explicit TlsContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The cipher list for TLS 1.2 (Mozilla "intermediate", v5.7). TLS 1.3 keeps OpenSSL's
// default suites, which are the ones Mozilla lists.
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

}  // namespace strata::server
