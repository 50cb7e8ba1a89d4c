// TLS helpers for server tests: a self-signed certificate written to a temporary directory,
// and a blocking loopback TLS client (OpenSSL) whose every wait is bounded.
// Thread safety: none.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace strata::server::testing {

// A fresh RSA-2048 key and a self-signed certificate for CN=localhost, as PEM files in a
// temporary directory that is removed with the object. `encrypted_key` protects the key
// with a passphrase.
class TestCertificate {
 public:
  explicit TestCertificate(bool encrypted_key = false) {
    std::string dir_template = ::testing::TempDir() + "strata_tls_XXXXXX";
    dir_ = mkdtemp(dir_template.data());
    cert_file_ = dir_ + "/cert.pem";
    key_file_ = dir_ + "/key.pem";
    EVP_PKEY* key = EVP_RSA_gen(2048);
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    if (std::FILE* out = std::fopen(cert_file_.c_str(), "w")) {
      PEM_write_X509(out, cert);
      std::fclose(out);
    }
    if (std::FILE* out = std::fopen(key_file_.c_str(), "w")) {
      static char passphrase[] = "secret";
      if (encrypted_key) {
        PEM_write_PrivateKey(out, key, EVP_aes_256_cbc(), nullptr, 0, nullptr, passphrase);
      } else {
        PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
      }
      std::fclose(out);
    }
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  ~TestCertificate() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TestCertificate(const TestCertificate&) = delete;
  TestCertificate& operator=(const TestCertificate&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& cert_file() const { return cert_file_; }
  const std::string& key_file() const { return key_file_; }

 private:
  std::string dir_;
  std::string cert_file_;
  std::string key_file_;
};

// A blocking TLS client on 127.0.0.1:port that does not verify the server (tests check
// the protocol, not the PKI). Socket timeouts bound every call.
class TlsClient {
 public:
  struct Options {
    int min_version = TLS1_2_VERSION;
    int max_version = 0;  // 0: the newest.
    // TLS 1.2 cipher list; "@SECLEVEL=0" lets the client offer what the server must refuse.
    std::string ciphers = "DEFAULT";
  };
  enum class ReadEnd { kDone, kClosedCleanly, kClosedAbruptly, kTimeout };

  TlsClient(uint16_t port, const Options& options) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx_, options.min_version);
    SSL_CTX_set_max_proto_version(ctx_, options.max_version);
    SSL_CTX_set_cipher_list(ctx_, options.ciphers.c_str());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) return;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    handshake_ok_ = SSL_connect(ssl_) == 1;
    ERR_clear_error();
  }
  ~TlsClient() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool handshake_ok() const { return handshake_ok_; }
  std::string protocol() const { return ssl_ == nullptr ? "" : SSL_get_version(ssl_); }

  bool Send(std::string_view data) {
    if (!handshake_ok_) return false;
    while (!data.empty()) {
      const int n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads into received() until `done(received())`, the end of the connection, or `timeout`.
  ReadEnd ReadUntil(const std::function<bool(const std::string&)>& done,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(received_)) {
      if (std::chrono::steady_clock::now() > deadline) return ReadEnd::kTimeout;
      if (SSL_pending(ssl_) == 0) {
        pollfd ready{.fd = fd_, .events = POLLIN, .revents = 0};
        if (::poll(&ready, 1, 50) <= 0) continue;
      }
      char data[16 << 10];
      const int n = SSL_read(ssl_, data, sizeof(data));
      if (n > 0) {
        received_.append(data, static_cast<size_t>(n));
        continue;
      }
      const int error = SSL_get_error(ssl_, n);
      ERR_clear_error();
      if (error == SSL_ERROR_WANT_READ) continue;
      return error == SSL_ERROR_ZERO_RETURN ? ReadEnd::kClosedCleanly : ReadEnd::kClosedAbruptly;
    }
    return ReadEnd::kDone;
  }

  ReadEnd ReadUntilClosed(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return ReadUntil([](const std::string&) { return false; }, timeout);
  }

  const std::string& received() const { return received_; }
  void Consume(size_t n) { received_.erase(0, n); }

  // Closes the socket without close_notify.
  void Abort() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool handshake_ok_ = false;
  std::string received_;
};

}  // namespace strata::server::testing
