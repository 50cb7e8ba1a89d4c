#include "server/http/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/logging.h"

namespace strata::server {

namespace ssl = boost::asio::ssl;

struct TlsContext::Impl {
  ssl::context context{ssl::context::tls_server};
};

namespace {

// Mozilla "intermediate": the groups offered for ECDHE.
constexpr const char* kGroups = "X25519:prime256v1:secp384r1";

// The reason of OpenSSL's most recent error, and clears the error queue.
std::string OpenSslReason() {
  const unsigned long error = ERR_peek_last_error();
  std::string reason = "unknown OpenSSL error";
  if (error != 0) {
    const char* text = ERR_reason_error_string(error);
    if (text != nullptr) {
      reason = text;
    } else {
      char buffer[256];
      ERR_error_string_n(error, buffer, sizeof(buffer));
      reason = buffer;
    }
  }
  ERR_clear_error();
  return reason;
}

std::string Describe(const char* option, const std::string& path) {
  return std::string(option) + " '" + path + "'";
}

// A readable file, or an error that says why not (OpenSSL's own message is less clear).
Status CheckReadable(const char* option, const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Status::InvalidArgument("cannot read " + Describe(option, path) + ": " +
                                   std::strerror(errno));
  }
  std::fclose(file);
  return Status();
}

// Encrypted keys are refused instead of prompting on the terminal.
int RefusePassphrase(char*, int, int, void*) { return 0; }

Status Configure(SSL_CTX* handle, const TlsOptions& options) {
  const int min_version = options.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(handle, min_version) != 1) {
    return Status::Internal("cannot set the TLS minimum version: " + OpenSslReason());
  }
  SSL_CTX_set_options(handle, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  // Mozilla intermediate: the client's cipher order wins (every listed cipher is strong, and
  // clients know best whether they have AES hardware).
  SSL_CTX_clear_options(handle, SSL_OP_CIPHER_SERVER_PREFERENCE);
  // TLS 1.3 sends no session tickets either; resumption is by session id within TLS 1.2.
  SSL_CTX_set_num_tickets(handle, 0);
  if (SSL_CTX_set_cipher_list(handle, kTls12Ciphers) != 1 ||
      SSL_CTX_set1_groups_list(handle, kGroups) != 1) {
    return Status::Internal("cannot set the TLS ciphers: " + OpenSslReason());
  }
  SSL_CTX_set_dh_auto(handle, 1);  // DHE with RFC 7919 groups sized to the certificate key.
  SSL_CTX_set_default_passwd_cb(handle, RefusePassphrase);
  return Status();
}

Status LoadFiles(SSL_CTX* handle, const TlsOptions& options) {
  constexpr const char* kCert = "server.tls.cert_file";
  constexpr const char* kKey = "server.tls.key_file";
  STRATA_RETURN_IF_ERROR(CheckReadable(kCert, options.cert_file));
  STRATA_RETURN_IF_ERROR(CheckReadable(kKey, options.key_file));
  if (SSL_CTX_use_certificate_chain_file(handle, options.cert_file.c_str()) != 1) {
    return Status::InvalidArgument(Describe(kCert, options.cert_file) +
                                   " holds no usable PEM certificate: " + OpenSslReason());
  }
  if (SSL_CTX_use_PrivateKey_file(handle, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Status::InvalidArgument(Describe(kKey, options.key_file) +
                                   " is not an unencrypted PEM private key of the certificate in " +
                                   Describe(kCert, options.cert_file) + ": " + OpenSslReason());
  }
  if (SSL_CTX_check_private_key(handle) != 1) {
    return Status::InvalidArgument(Describe(kKey, options.key_file) +
                                   " does not belong to the certificate in " +
                                   Describe(kCert, options.cert_file) + ": " + OpenSslReason());
  }
  if (X509* leaf = SSL_CTX_get0_certificate(handle);
      leaf != nullptr && X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0) {
    STRATA_LOG(kWarn, "the TLS certificate has expired; clients will refuse it")
        .Str("cert_file", options.cert_file);
  }
  return Status();
}

}  // namespace

TlsContext::TlsContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsContext::~TlsContext() = default;

Result<std::shared_ptr<const TlsContext>> TlsContext::Load(const TlsOptions& options) {
  auto impl = std::make_unique<Impl>();
  SSL_CTX* handle = impl->context.native_handle();
  STRATA_RETURN_IF_ERROR(Configure(handle, options));
  STRATA_RETURN_IF_ERROR(LoadFiles(handle, options));
  return std::shared_ptr<const TlsContext>(new TlsContext(std::move(impl)));
}

ssl::context& TlsContext::native() const { return impl_->context; }

}  // namespace strata::server
