#include "common/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "common/temp_config_file.h"
#include "test_util.h"

extern char** environ;

namespace strata {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const OptionSpec* FindOption(std::string_view key) {
  for (const OptionSpec& spec : ConfigOptions()) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

std::string Get(const Config& config, std::string_view key) {
  const OptionSpec* spec = FindOption(key);
  return spec == nullptr ? "<no such option>" : spec->get(config);
}

TEST(ConfigTest, Defaults) {
  const Config config;
  EXPECT_EQ(config.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(config.server.grpc_listen, "127.0.0.1:9090");
  EXPECT_EQ(config.server.io_threads, 0);
  EXPECT_EQ(config.server.worker_threads, 0);
  EXPECT_EQ(config.server.max_body_bytes, 64ll << 20);
  EXPECT_EQ(config.server.max_header_bytes, 16 << 10);
  EXPECT_EQ(config.server.max_connections, 10000);
  EXPECT_EQ(config.server.header_timeout_ms, 10'000);
  EXPECT_EQ(config.server.body_timeout_ms, 60'000);
  EXPECT_EQ(config.server.idle_timeout_ms, 60'000);
  EXPECT_EQ(config.server.shutdown_timeout_ms, 10'000);
  EXPECT_EQ(config.server.max_json_depth, 64);
  EXPECT_EQ(config.storage.data_dir, "./data");
  EXPECT_EQ(config.storage.min_free_bytes, 64ll << 20);
  EXPECT_EQ(config.log.level, "info");
  EXPECT_OK(ValidateConfig(config));
  // The option table reads the same defaults.
  EXPECT_EQ(Get(config, "server.listen"), "127.0.0.1:8080");
  EXPECT_EQ(Get(config, "server.max_body_bytes"), "67108864");
  EXPECT_EQ(Get(config, "log.level"), "info");
}

TEST(ConfigTest, OptionTableIsComplete) {
  std::vector<std::string_view> keys;
  for (const OptionSpec& spec : ConfigOptions()) {
    keys.push_back(spec.key);
    EXPECT_FALSE(spec.help.empty()) << spec.key;
    ASSERT_NE(spec.apply, nullptr) << spec.key;
    ASSERT_NE(spec.get, nullptr) << spec.key;
  }
  for (std::string_view key :
       {"server.listen", "server.grpc_listen", "server.io_threads", "server.worker_threads",
        "server.max_body_bytes", "server.max_header_bytes", "server.max_connections",
        "server.header_timeout_ms", "server.body_timeout_ms", "server.idle_timeout_ms",
        "server.shutdown_timeout_ms", "server.max_json_depth", "storage.data_dir",
        "storage.min_free_bytes", "log.level"}) {
    EXPECT_NE(FindOption(key), nullptr) << key;
  }
  std::vector<std::string_view> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "duplicate key";
}

TEST(ConfigTest, EveryOptionAcceptsItsOwnDefaultText) {
  const Config defaults;
  for (const OptionSpec& spec : ConfigOptions()) {
    Config config;
    EXPECT_OK(ApplyConfigOption(config, spec.key, spec.get(defaults)));
    EXPECT_EQ(spec.get(config), spec.get(defaults)) << spec.key;
  }
}

TEST(ConfigTest, AddressOptions) {
  Config config;
  ASSERT_OK(ApplyConfigOption(config, "server.listen", "0.0.0.0:9000"));
  EXPECT_EQ(config.server.listen, "0.0.0.0:9000");
  ASSERT_OK(ApplyConfigOption(config, "server.listen", "[::1]:80"));
  EXPECT_EQ(config.server.listen, "[::1]:80");
  ASSERT_OK(ApplyConfigOption(config, "server.grpc_listen", "localhost:0"));
  EXPECT_EQ(config.server.grpc_listen, "localhost:0");
  ASSERT_OK(ApplyConfigOption(config, "server.listen", "host:65535"));

  for (std::string_view bad : {"localhost", ":80", "host:", "host:65536", "host:-1", "host:80x",
                               "host: 80", "[::1]80", "[::1]", "[::1", "[]:80", "", "host:+80"}) {
    Config untouched;
    Status status = ApplyConfigOption(untouched, "server.listen", bad);
    ASSERT_FALSE(status.ok()) << "accepted '" << bad << "'";
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(
        std::string(status.message()),
        HasSubstr("option server.listen: expected HOST:PORT, got '" + std::string(bad) + "'"));
    EXPECT_EQ(untouched.server.listen, "127.0.0.1:8080") << "a refused value must not be stored";
  }
}

TEST(ConfigTest, ParseHostPortSplitsHostAndPort) {
  std::string host;
  uint16_t port = 1;
  ASSERT_OK(ParseHostPort("[::1]:80", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 80);
  ASSERT_OK(ParseHostPort("[fe80::1%eth0]:8443", host, port));
  EXPECT_EQ(host, "fe80::1%eth0");
  EXPECT_EQ(port, 8443);
  ASSERT_OK(ParseHostPort("127.0.0.1:0", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 0);
  ASSERT_OK(ParseHostPort("example.com:65535", host, port));
  EXPECT_EQ(host, "example.com");
  EXPECT_EQ(port, 65535);
  EXPECT_FALSE(ParseHostPort("[::1]:99999", host, port).ok());
  EXPECT_FALSE(ParseHostPort("[::1]:", host, port).ok());
  EXPECT_FALSE(ParseHostPort("example.com:4294967376", host, port).ok());  // 2^32 + 80.
}

// An IPv6 address needs brackets; without them the last group must not be taken for a
// port ("fe80::1" is an address with no port, not host "fe80:" on port 1).
TEST(ConfigTest, UnbracketedIpv6IsRefused) {
  for (std::string_view bad : {"::1", "fe80::1", "2001:db8::8080"}) {
    SCOPED_TRACE(bad);
    std::string host;
    uint16_t port = 0;
    Status status = ParseHostPort(bad, host, port);
    EXPECT_FALSE(status.ok()) << "parsed as host '" << host << "' port " << port;
    Config config;
    EXPECT_FALSE(ApplyConfigOption(config, "server.listen", bad).ok());
  }
}

TEST(ConfigTest, IntegerOptionsCheckTheirRange) {
  Config config;
  ASSERT_OK(ApplyConfigOption(config, "server.io_threads", "8"));
  EXPECT_EQ(config.server.io_threads, 8);
  ASSERT_OK(ApplyConfigOption(config, "server.io_threads", "256"));
  EXPECT_EQ(config.server.io_threads, 256);
  ASSERT_OK(ApplyConfigOption(config, "server.io_threads", "0"));
  EXPECT_EQ(config.server.io_threads, 0);

  Status too_big = ApplyConfigOption(config, "server.io_threads", "257");
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(too_big.message(),
            "option server.io_threads: expected an integer in [0, 256], got '257'");
  EXPECT_EQ(config.server.io_threads, 0);

  for (std::string_view bad :
       {"-1", "", "abc", "1.5", "0x10", " 8", "8 ", "+8", "1e3", "99999999999999999999999"}) {
    EXPECT_FALSE(ApplyConfigOption(config, "server.worker_threads", bad).ok()) << "'" << bad << "'";
  }

  ASSERT_OK(ApplyConfigOption(config, "server.max_body_bytes", "1024"));
  EXPECT_EQ(config.server.max_body_bytes, 1024);
  EXPECT_FALSE(ApplyConfigOption(config, "server.max_body_bytes", "1023").ok());
  ASSERT_OK(ApplyConfigOption(config, "server.max_body_bytes", "1099511627776"));
  EXPECT_EQ(config.server.max_body_bytes, int64_t{1} << 40);
  EXPECT_FALSE(ApplyConfigOption(config, "server.max_body_bytes", "1099511627777").ok());

  EXPECT_FALSE(ApplyConfigOption(config, "server.max_header_bytes", "1048577").ok());
  EXPECT_FALSE(ApplyConfigOption(config, "server.max_connections", "0").ok());
  EXPECT_FALSE(ApplyConfigOption(config, "server.header_timeout_ms", "99").ok());
  EXPECT_FALSE(ApplyConfigOption(config, "server.body_timeout_ms", "86400001").ok());
  EXPECT_FALSE(ApplyConfigOption(config, "server.idle_timeout_ms", "99").ok());
  ASSERT_OK(ApplyConfigOption(config, "server.shutdown_timeout_ms", "0"));
  EXPECT_EQ(config.server.shutdown_timeout_ms, 0);
  EXPECT_FALSE(ApplyConfigOption(config, "server.max_json_depth", "1").ok());
  ASSERT_OK(ApplyConfigOption(config, "server.max_json_depth", "1000"));
  EXPECT_EQ(config.server.max_json_depth, 1000);
  ASSERT_OK(ApplyConfigOption(config, "storage.min_free_bytes", "0"));
  EXPECT_EQ(config.storage.min_free_bytes, 0);
  EXPECT_FALSE(ApplyConfigOption(config, "storage.min_free_bytes", "-1").ok());
  EXPECT_FALSE(ApplyConfigOption(config, "storage.min_free_bytes", "1125899906842625").ok());
}

TEST(ConfigTest, StringOptions) {
  Config config;
  ASSERT_OK(ApplyConfigOption(config, "storage.data_dir", "/var/lib/strata"));
  EXPECT_EQ(config.storage.data_dir, "/var/lib/strata");
  Status empty_dir = ApplyConfigOption(config, "storage.data_dir", "");
  ASSERT_FALSE(empty_dir.ok());
  EXPECT_THAT(std::string(empty_dir.message()), HasSubstr("storage.data_dir"));
  EXPECT_EQ(config.storage.data_dir, "/var/lib/strata");

  for (std::string_view level : {"debug", "info", "warn", "error"}) {
    ASSERT_OK(ApplyConfigOption(config, "log.level", level));
    EXPECT_EQ(config.log.level, level);
  }
  Status verbose = ApplyConfigOption(config, "log.level", "verbose");
  ASSERT_FALSE(verbose.ok());
  EXPECT_THAT(std::string(verbose.message()), HasSubstr("debug|info|warn|error"));
  EXPECT_FALSE(ApplyConfigOption(config, "log.level", "INFO").ok());
  EXPECT_EQ(config.log.level, "error");
}

TEST(ConfigTest, UnknownOptionSuggestsTheClosestKey) {
  Config config;
  Status typo = ApplyConfigOption(config, "server.lisen", "127.0.0.1:1");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(typo.message()), HasSubstr("unknown option 'server.lisen'"));
  EXPECT_THAT(std::string(typo.message()), HasSubstr("did you mean 'server.listen'"));

  Status other = ApplyConfigOption(config, "totally.unrelated", "1");
  ASSERT_FALSE(other.ok());
  EXPECT_THAT(std::string(other.message()), Not(HasSubstr("did you mean")));
}

TEST(ConfigTest, EnvNameMapping) {
  EXPECT_EQ(EnvName("server.max_body_bytes"), "STRATA_SERVER_MAX_BODY_BYTES");
  EXPECT_EQ(EnvName("server.listen"), "STRATA_SERVER_LISTEN");
  EXPECT_EQ(EnvName("log.level"), "STRATA_LOG_LEVEL");
  EXPECT_EQ(EnvName("storage.data_dir"), "STRATA_STORAGE_DATA_DIR");
  for (const OptionSpec& spec : ConfigOptions()) {
    const std::string name = EnvName(spec.key);
    EXPECT_EQ(name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"), std::string::npos)
        << name;
  }
}

TEST(ConfigTest, ValidateConfigRefusesSharedListenAddress) {
  Config config;
  config.server.grpc_listen = config.server.listen;
  Status status = ValidateConfig(config);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("server.listen"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("server.grpc_listen"));
  config.server.grpc_listen = "127.0.0.1:9091";
  EXPECT_OK(ValidateConfig(config));
}

TEST(ConfigTest, TlsFilesMustBeSetTogether) {
  Config config;
  EXPECT_EQ(config.server.tls_min_version, "1.2");
  ASSERT_OK(ApplyConfigOption(config, "server.tls.cert_file", "/etc/strata/cert.pem"));
  Status only_cert = ValidateConfig(config);
  ASSERT_FALSE(only_cert.ok());
  EXPECT_THAT(std::string(only_cert.message()), HasSubstr("server.tls.key_file is missing"));

  config = Config();
  ASSERT_OK(ApplyConfigOption(config, "server.tls.key_file", "/etc/strata/key.pem"));
  Status only_key = ValidateConfig(config);
  ASSERT_FALSE(only_key.ok());
  EXPECT_THAT(std::string(only_key.message()), HasSubstr("server.tls.cert_file is missing"));

  ASSERT_OK(ApplyConfigOption(config, "server.tls.cert_file", "/etc/strata/cert.pem"));
  EXPECT_OK(ValidateConfig(config));
}

TEST(ConfigTest, TlsMinVersionIs12Or13) {
  Config config;
  ASSERT_OK(ApplyConfigOption(config, "server.tls.min_version", "1.3"));
  EXPECT_EQ(config.server.tls_min_version, "1.3");
  for (std::string_view bad : {"1.1", "1.0", "TLSv1.2", "", "1.4"}) {
    Status status = ApplyConfigOption(config, "server.tls.min_version", bad);
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_THAT(std::string(status.message()), HasSubstr("1.2|1.3"));
  }
  EXPECT_EQ(config.server.tls_min_version, "1.3");
}

TEST(ConfigTest, CorsOriginsAreACommaSeparatedListOfExactOrigins) {
  Config config;
  EXPECT_TRUE(config.server.cors_allowed_origins.empty());
  ASSERT_OK(
      ApplyConfigOption(config, "server.cors.allowed_origins",
                        " https://App.Example.com , http://localhost:5173,,https://[::1]:8443"));
  EXPECT_EQ(config.server.cors_allowed_origins,
            (std::vector<std::string>{"https://app.example.com", "http://localhost:5173",
                                      "https://[::1]:8443"}));
  EXPECT_EQ(Get(config, "server.cors.allowed_origins"),
            "https://app.example.com,http://localhost:5173,https://[::1]:8443");
  ASSERT_OK(ApplyConfigOption(config, "server.cors.allowed_origins", ""));
  EXPECT_TRUE(config.server.cors_allowed_origins.empty());
}

TEST(ConfigTest, CorsOriginsRefuseWildcardsPathsAndOtherSchemes) {
  for (std::string_view bad :
       {"*", "null", "app.example.com", "ftp://app.example.com", "https://app.example.com/",
        "https://app.example.com/path", "https://user@app.example.com", "https://",
        "https://app.example.com:0", "https://app.example.com:99999", "https://app.example.com:x",
        "https://app_example.com", "https://app.example.com?x=1"}) {
    Config config;
    Status status = ApplyConfigOption(config, "server.cors.allowed_origins",
                                      "https://ok.example," + std::string(bad));
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_THAT(std::string(status.message()), HasSubstr("server.cors.allowed_origins")) << bad;
    EXPECT_TRUE(config.server.cors_allowed_origins.empty()) << bad;  // Nothing half-applied.
  }
  Config config;
  Status wildcard = ApplyConfigOption(config, "server.cors.allowed_origins", "*");
  EXPECT_THAT(std::string(wildcard.message()), HasSubstr("list each origin"));
}

TEST(ConfigFileTest, TlsAndCorsTables) {
  TempConfigFile file(R"([server.tls]
cert_file = "/etc/strata/cert.pem"
key_file = "/etc/strata/key.pem"
min_version = "1.3"

[server.cors]
allowed_origins = ["https://app.example.com", "http://localhost:5173"]
)");
  Config config;
  ASSERT_OK(ApplyConfigFile(config, file.path()));
  EXPECT_EQ(config.server.tls_cert_file, "/etc/strata/cert.pem");
  EXPECT_EQ(config.server.tls_key_file, "/etc/strata/key.pem");
  EXPECT_EQ(config.server.tls_min_version, "1.3");
  EXPECT_EQ(config.server.cors_allowed_origins,
            (std::vector<std::string>{"https://app.example.com", "http://localhost:5173"}));
  EXPECT_OK(ValidateConfig(config));

  TempConfigFile empty_list("[server.cors]\nallowed_origins = []\n");
  Config off;
  ASSERT_OK(ApplyConfigFile(off, empty_list.path()));
  EXPECT_TRUE(off.server.cors_allowed_origins.empty());
}

TEST(ConfigFileTest, CorsOriginsMustBeAnArrayOfStrings) {
  for (const char* text :
       {"[server.cors]\nallowed_origins = \"https://a.example\"\n",
        "[server.cors]\nallowed_origins = [1, 2]\n",
        "[server.cors]\nallowed_origins = [\"https://a.example,https://b.example\"]\n",
        "[server.cors]\nallowed_origins = [\"*\"]\n"}) {
    TempConfigFile file(text);
    Config config;
    Status status = ApplyConfigFile(config, file.path());
    ASSERT_FALSE(status.ok()) << text;
    EXPECT_THAT(std::string(status.message()), HasSubstr("server.cors.allowed_origins")) << text;
  }
}

TEST(ConfigTest, AuthOptions) {
  Config config;
  EXPECT_FALSE(config.auth.password_grant);
  EXPECT_EQ(config.auth.mfa_required_roles, std::vector<std::string>{"admin"});
  EXPECT_EQ(Get(config, "auth.password_grant"), "false");
  ASSERT_OK(ApplyConfigOption(config, "auth.password_grant", "true"));
  EXPECT_TRUE(config.auth.password_grant);
  EXPECT_FALSE(ApplyConfigOption(config, "auth.password_grant", "yes").ok());

  ASSERT_OK(ApplyConfigOption(config, "auth.issuer", "https://strata.example.com"));
  EXPECT_EQ(config.auth.issuer, "https://strata.example.com");
  for (const char* bad : {"strata.example.com", "https://x?y=1", "https://x#f", "ftp://x"}) {
    EXPECT_FALSE(ApplyConfigOption(config, "auth.issuer", bad).ok()) << bad;
  }
  ASSERT_OK(ApplyConfigOption(config, "auth.issuer", ""));  // Back to derived.

  ASSERT_OK(ApplyConfigOption(config, "auth.signing_algorithm", "ES256"));
  EXPECT_FALSE(ApplyConfigOption(config, "auth.signing_algorithm", "RS256").ok());
  EXPECT_FALSE(ApplyConfigOption(config, "auth.signing_algorithm", "none").ok());
  EXPECT_FALSE(ApplyConfigOption(config, "auth.access_token_ttl_seconds", "10").ok());

  ASSERT_OK(ApplyConfigOption(config, "auth.mfa_required_roles", " admin , owner ,"));
  EXPECT_EQ(config.auth.mfa_required_roles, (std::vector<std::string>{"admin", "owner"}));
  ASSERT_OK(ApplyConfigOption(config, "auth.mfa_required_roles", ""));
  EXPECT_TRUE(config.auth.mfa_required_roles.empty());
  EXPECT_FALSE(ApplyConfigOption(config, "auth.mfa_required_roles", "ad min").ok());

  ASSERT_OK(ApplyConfigOption(config, "auth.login_backoff.max_failures", "7"));
  EXPECT_EQ(config.auth.login_backoff_max_failures, 7);
  EXPECT_FALSE(ApplyConfigOption(config, "auth.login_backoff.max_failures", "0").ok());
  EXPECT_EQ(EnvName("auth.login_backoff.window_seconds"),
            "STRATA_AUTH_LOGIN_BACKOFF_WINDOW_SECONDS");
}

TEST(ConfigFileTest, AuthTables) {
  TempConfigFile file(R"([auth]
password_grant = true
mfa_required_roles = ["admin", "owner"]
issuer = "https://strata.example.com"

[auth.login_backoff]
max_failures = 3
)");
  Config config;
  ASSERT_OK(ApplyConfigFile(config, file.path()));
  EXPECT_TRUE(config.auth.password_grant);
  EXPECT_EQ(config.auth.mfa_required_roles, (std::vector<std::string>{"admin", "owner"}));
  EXPECT_EQ(config.auth.issuer, "https://strata.example.com");
  EXPECT_EQ(config.auth.login_backoff_max_failures, 3);
  TempConfigFile wrong_type("[auth]\npassword_grant = \"true\"\n");
  Config other;
  EXPECT_FALSE(ApplyConfigFile(other, wrong_type.path()).ok());
}

TEST(ConfigFileTest, NestedTablesAndDottedKeys) {
  TempConfigFile file(R"(# Strata test configuration
[server]
listen = "127.0.0.1:7000"
max_body_bytes = 2048
io_threads = 4

[storage]
data_dir = "/srv/strata"

[log]
level = "debug"
)");
  Config config;
  ASSERT_OK(ApplyConfigFile(config, file.path()));
  EXPECT_EQ(config.server.listen, "127.0.0.1:7000");
  EXPECT_EQ(config.server.max_body_bytes, 2048);
  EXPECT_EQ(config.server.io_threads, 4);
  EXPECT_EQ(config.storage.data_dir, "/srv/strata");
  EXPECT_EQ(config.log.level, "debug");
  EXPECT_EQ(config.server.grpc_listen, "127.0.0.1:9090");  // Untouched options keep defaults.

  TempConfigFile dotted("server.worker_threads = 3\nstorage.min_free_bytes = 0\n");
  Config from_dotted;
  ASSERT_OK(ApplyConfigFile(from_dotted, dotted.path()));
  EXPECT_EQ(from_dotted.server.worker_threads, 3);
  EXPECT_EQ(from_dotted.storage.min_free_bytes, 0);
}

TEST(ConfigFileTest, EmptyFileChangesNothing) {
  TempConfigFile file("");
  Config config;
  ASSERT_OK(ApplyConfigFile(config, file.path()));
  EXPECT_EQ(config.server.listen, Config().server.listen);
}

TEST(ConfigFileTest, WrongTomlTypeNamesTheOption) {
  {
    TempConfigFile file("[server]\nmax_body_bytes = \"big\"\n");
    Config config;
    Status status = ApplyConfigFile(config, file.path());
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(std::string(status.message()),
                HasSubstr("option server.max_body_bytes: expected an integer"));
    EXPECT_THAT(std::string(status.message()), HasSubstr(file.path()));
  }
  {
    TempConfigFile file("[server]\nlisten = 8080\n");
    Config config;
    Status status = ApplyConfigFile(config, file.path());
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(std::string(status.message()),
                HasSubstr("option server.listen: expected a string"));
  }
  {
    TempConfigFile file("[server]\nio_threads = 2.0\n");
    Config config;
    EXPECT_FALSE(ApplyConfigFile(config, file.path()).ok());
  }
  {
    TempConfigFile file("[server]\nio_threads = true\n");
    Config config;
    EXPECT_FALSE(ApplyConfigFile(config, file.path()).ok());
  }
  {
    TempConfigFile file("[log]\nlevel = [\"debug\"]\n");
    Config config;
    EXPECT_FALSE(ApplyConfigFile(config, file.path()).ok());
  }
}

TEST(ConfigFileTest, OutOfRangeValueIsRefused) {
  TempConfigFile file("[server]\nio_threads = 1000\n");
  Config config;
  Status status = ApplyConfigFile(config, file.path());
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("server.io_threads"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("[0, 256]"));
}

TEST(ConfigFileTest, UnknownKeyIsRefusedWithSuggestion) {
  TempConfigFile file("[server]\nlisen = \"127.0.0.1:1\"\n");
  Config config;
  Status status = ApplyConfigFile(config, file.path());
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("unknown option 'server.lisen'"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("did you mean 'server.listen'"));

  TempConfigFile section("[serverz]\nlisten = \"127.0.0.1:1\"\n");
  EXPECT_FALSE(ApplyConfigFile(config, section.path()).ok());
  TempConfigFile top("listen = \"127.0.0.1:1\"\n");
  EXPECT_FALSE(ApplyConfigFile(config, top.path()).ok());
}

TEST(ConfigFileTest, SyntaxErrorNamesTheLine) {
  TempConfigFile file("[server]\nlisten = \"127.0.0.1:7000\"\nmax_body_bytes = = 5\n");
  Config config;
  Status status = ApplyConfigFile(config, file.path());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr(file.path() + ":3:"));
}

TEST(ConfigFileTest, MissingFileIsAnError) {
  Config config;
  Status status = ApplyConfigFile(config, ::testing::TempDir() + "does/not/exist.toml");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("exist.toml"));
}

// Clears every STRATA_* variable for the test and restores them afterwards.
class ConfigEnvironmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (char** env = environ; env != nullptr && *env != nullptr; ++env) {
      std::string entry(*env);
      if (entry.rfind("STRATA_", 0) != 0) continue;
      const size_t eq = entry.find('=');
      saved_.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
    }
    for (const auto& [name, value] : saved_) ::unsetenv(name.c_str());
  }
  void TearDown() override {
    for (const std::string& name : set_) ::unsetenv(name.c_str());
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
  }
  void Set(const std::string& name, const std::string& value) {
    ::setenv(name.c_str(), value.c_str(), 1);
    set_.push_back(name);
  }

 private:
  std::vector<std::pair<std::string, std::string>> saved_;
  std::vector<std::string> set_;
};

TEST_F(ConfigEnvironmentTest, AppliesKnownVariablesAndReportsUnknownOnes) {
  Set("STRATA_SERVER_LISTEN", "127.0.0.1:7100");
  Set("STRATA_SERVER_MAX_JSON_DEPTH", "10");
  Set("STRATA_LOG_LEVEL", "warn");
  Set("STRATA_FOO", "1");
  Set("STRATA_BOOTSTRAP_KEY", "an-operator-chosen-key-of-enough-length");
  Set("NOT_STRATA_SERVER_LISTEN", "ignored:1");
  Config config;
  std::vector<std::string> unknown;
  ASSERT_OK(ApplyConfigEnvironment(config, &unknown));
  EXPECT_EQ(config.server.listen, "127.0.0.1:7100");
  EXPECT_EQ(config.server.max_json_depth, 10);
  EXPECT_EQ(config.log.level, "warn");
  EXPECT_EQ(unknown, std::vector<std::string>{"STRATA_FOO"});
}

TEST_F(ConfigEnvironmentTest, NullUnknownListIsAllowed) {
  Set("STRATA_FOO", "1");
  Set("STRATA_STORAGE_DATA_DIR", "/tmp/strata-env");
  Config config;
  ASSERT_OK(ApplyConfigEnvironment(config, nullptr));
  EXPECT_EQ(config.storage.data_dir, "/tmp/strata-env");
}

TEST_F(ConfigEnvironmentTest, NoVariablesChangeNothing) {
  Config config;
  std::vector<std::string> unknown;
  ASSERT_OK(ApplyConfigEnvironment(config, &unknown));
  EXPECT_TRUE(unknown.empty());
  EXPECT_EQ(config.server.listen, Config().server.listen);
}

TEST_F(ConfigEnvironmentTest, BadValueNamesTheVariable) {
  Set("STRATA_SERVER_IO_THREADS", "many");
  Config config;
  Status status = ApplyConfigEnvironment(config, nullptr);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("STRATA_SERVER_IO_THREADS"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("'many'"));
}

TEST_F(ConfigEnvironmentTest, TlsAndCorsFromTheEnvironment) {
  Set("STRATA_SERVER_TLS_CERT_FILE", "/run/secrets/cert.pem");
  Set("STRATA_SERVER_TLS_KEY_FILE", "/run/secrets/key.pem");
  Set("STRATA_SERVER_TLS_MIN_VERSION", "1.3");
  Set("STRATA_SERVER_CORS_ALLOWED_ORIGINS", "https://a.example,https://b.example:8443");
  Config config;
  std::vector<std::string> unknown;
  ASSERT_OK(ApplyConfigEnvironment(config, &unknown));
  EXPECT_TRUE(unknown.empty());
  EXPECT_EQ(config.server.tls_cert_file, "/run/secrets/cert.pem");
  EXPECT_EQ(config.server.tls_key_file, "/run/secrets/key.pem");
  EXPECT_EQ(config.server.tls_min_version, "1.3");
  EXPECT_EQ(config.server.cors_allowed_origins,
            (std::vector<std::string>{"https://a.example", "https://b.example:8443"}));
}

// stratad applies the file, then the environment, then explicit options (flags and --set).
TEST_F(ConfigEnvironmentTest, PrecedenceFileThenEnvironmentThenExplicitOption) {
  TempConfigFile file(
      "[server]\nlisten = \"127.0.0.1:1001\"\nio_threads = 1\n[log]\nlevel = \"debug\"\n");
  Set("STRATA_SERVER_LISTEN", "127.0.0.1:1002");
  Set("STRATA_SERVER_IO_THREADS", "2");

  Config config;
  ASSERT_OK(ApplyConfigFile(config, file.path()));
  ASSERT_OK(ApplyConfigEnvironment(config, nullptr));
  ASSERT_OK(ApplyConfigOption(config, "server.listen", "127.0.0.1:1003"));
  EXPECT_EQ(config.server.listen, "127.0.0.1:1003");  // Explicit option beats both.
  EXPECT_EQ(config.server.io_threads, 2);             // Environment beats the file.
  EXPECT_EQ(config.log.level, "debug");               // The file beats the default.
  EXPECT_OK(ValidateConfig(config));
}

}  // namespace
}  // namespace strata
