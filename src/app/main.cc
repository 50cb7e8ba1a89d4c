// stratad: the Strata server.
//
//   stratad [--config FILE] [--listen HOST:PORT] [--grpc-listen HOST:PORT] [--data-dir DIR]
//           [--log-level LEVEL] [--set KEY=VALUE]...
//   stratad options     print every configuration option with its default
//   stratad version
//   stratad [config flags] rotate-master-key --new-key-file FILE
//                       re-wrap every dataset key from the configured master key to FILE
//   stratad audit verify DIR [--public-key FILE]
//                       verify an audit log directory offline: exit 0 intact, 1 broken
//                       (the first broken entry is printed), 2 cannot verify
//   stratad [config flags] rotate-signing-key [--drop-old]
//                       make a fresh access-token signing key current
//   stratad [config flags] user add --name NAME [--password-stdin] [--role ROLE]...
//                                   [--service] [--totp]
//                       create a user or service account (stratad must be stopped)
//
// Configuration precedence: flags > STRATA_* environment > TOML file > defaults. An invalid
// configuration exits with code 2 and a message that names the option.
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "app/audit_command.h"
#include "app/identity_commands.h"
#include "app/server_app.h"
#include "common/config.h"

namespace {

constexpr int kConfigError = 2;
constexpr const char* kVersion = "0.1.0";

int ConfigError(const std::string& message) {
  std::fprintf(stderr, "stratad: invalid configuration: %s\n", message.c_str());
  return kConfigError;
}

void PrintOptions() {
  const strata::Config defaults;
  std::printf("%-30s %-40s %-12s %s\n", "option", "environment", "default", "meaning");
  for (const strata::OptionSpec& spec : strata::ConfigOptions()) {
    std::printf("%-30s %-40s %-12s %s\n", std::string(spec.key).c_str(),
                strata::EnvName(spec.key).c_str(), spec.get(defaults).c_str(),
                std::string(spec.help).c_str());
  }
  for (const strata::TableListSpec& spec : strata::ConfigTableLists()) {
    std::printf("%-30s %-40s %-12s %s\n", std::string(spec.key).c_str(), "(file only)", "none",
                std::string(spec.help).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Large buffers (request bodies, decoded batches, result pages) are allocated and freed per
  // request. glibc would map each one fresh and unmap it on free, and every first touch of a
  // fresh page is a page fault — measured at about a fifth of ingest CPU and half of a large
  // query's time on the reference VM. Serve them from the heap and keep freed memory for reuse
  // instead (docs/operations.md, "Memory").
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  CLI::App cli("stratad: the Strata server", "stratad");
  std::string config_file, listen, grpc_listen, data_dir, log_level;
  std::vector<std::string> settings;
  cli.add_option("--config", config_file, "TOML configuration file");
  cli.add_option("--listen", listen, "HTTP listen address HOST:PORT (server.listen)");
  cli.add_option("--grpc-listen", grpc_listen, "gRPC listen address (server.grpc_listen)");
  cli.add_option("--data-dir", data_dir, "data directory (storage.data_dir)");
  cli.add_option("--log-level", log_level, "debug|info|warn|error (log.level)");
  cli.add_option("--set", settings, "set any option: --set server.max_body_bytes=1048576");
  CLI::App* version = cli.add_subcommand("version", "print the version");
  CLI::App* options = cli.add_subcommand("options", "list configuration options and defaults");
  std::string new_key_file;
  CLI::App* rotate = cli.add_subcommand(
      "rotate-master-key",
      "re-wrap the data keys from storage.encryption.master_key_file to a new master key "
      "(stratad must be stopped)");
  rotate->add_option("--new-key-file", new_key_file, "file holding the new master key")->required();
  CLI::App* audit = cli.add_subcommand("audit", "work with an audit log");
  audit->require_subcommand(1);
  std::string audit_dir, audit_public_key;
  CLI::App* audit_verify = audit->add_subcommand(
      "verify",
      "verify an audit log directory (<data dir>/audit) offline: the hash chain, the "
      "signed checkpoints and HEAD");
  audit_verify->add_option("dir", audit_dir, "the audit log directory")->required();
  audit_verify->add_option("--public-key", audit_public_key,
                           "file with the server's Ed25519 public key (64 hex digits); default: "
                           "DIR/signing.pub");
  CLI::App* rotate_signing = cli.add_subcommand(
      "rotate-signing-key",
      "make a fresh access-token signing key current; the old one verifies until its tokens "
      "expire (stratad must be stopped)");
  bool drop_old_keys = false;
  rotate_signing->add_flag("--drop-old", drop_old_keys,
                           "also drop every earlier key: all access tokens issued so far stop "
                           "working (after a key leak)");
  CLI::App* user = cli.add_subcommand("user", "manage accounts offline (stratad must be stopped)");
  user->require_subcommand(1);
  // Configuration flags (--data-dir, --set, ...) may also follow these subcommands.
  rotate_signing->fallthrough();
  user->fallthrough();
  strata::app::UserAddOptions user_add;
  CLI::App* user_add_cmd = user->add_subcommand("add", "create a user or a service account");
  user_add_cmd->fallthrough();
  user_add_cmd->add_option("--name", user_add.name, "account name")->required();
  user_add_cmd->add_flag("--password-stdin", user_add.password_stdin,
                         "read the password (client secret) from the first line of stdin");
  user_add_cmd->add_option("--role", user_add.roles, "grant this role on every dataset");
  user_add_cmd->add_flag("--service", user_add.service, "create a service account");
  user_add_cmd->add_flag("--totp", user_add.totp,
                         "enrol TOTP now and print its secret and recovery codes once");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    return ConfigError(e.what());
  }
  if (version->parsed()) {
    std::printf("stratad %s\n", kVersion);
    return 0;
  }
  if (options->parsed()) {
    PrintOptions();
    return 0;
  }
  if (audit_verify->parsed()) {
    return strata::app::VerifyAuditCommand(audit_dir, audit_public_key);
  }

  strata::Config config;
  if (!config_file.empty()) {
    if (strata::Status s = strata::ApplyConfigFile(config, config_file); !s.ok()) {
      return ConfigError(std::string(s.message()));
    }
  }
  std::vector<std::string> unknown_env;
  if (strata::Status s = strata::ApplyConfigEnvironment(config, &unknown_env); !s.ok()) {
    return ConfigError(std::string(s.message()));
  }
  for (const std::string& name : unknown_env) {
    std::fprintf(stderr, "stratad: warning: ignoring unknown environment variable %s\n",
                 name.c_str());
  }
  const std::pair<const char*, const std::string*> flags[] = {{"server.listen", &listen},
                                                              {"server.grpc_listen", &grpc_listen},
                                                              {"storage.data_dir", &data_dir},
                                                              {"log.level", &log_level}};
  for (const auto& [key, value] : flags) {
    if (value->empty()) continue;
    if (strata::Status s = strata::ApplyConfigOption(config, key, *value); !s.ok()) {
      return ConfigError(std::string(s.message()));
    }
  }
  for (const std::string& setting : settings) {
    const size_t eq = setting.find('=');
    if (eq == std::string::npos)
      return ConfigError("--set expects KEY=VALUE, got '" + setting + "'");
    if (strata::Status s =
            strata::ApplyConfigOption(config, setting.substr(0, eq), setting.substr(eq + 1));
        !s.ok()) {
      return ConfigError(std::string(s.message()));
    }
  }
  if (strata::Status s = strata::ValidateConfig(config); !s.ok()) {
    return ConfigError(std::string(s.message()));
  }
  if (rotate->parsed()) return strata::app::RotateMasterKey(config, new_key_file);
  if (rotate_signing->parsed()) return strata::app::RotateSigningKey(config, drop_old_keys);
  if (user_add_cmd->parsed()) return strata::app::AddUser(config, user_add, std::cin);
  return strata::app::RunServer(config);
}
