// Offline identity commands of stratad, run while no server uses the data directory
// (docs/operations.md "Users and signing keys"):
//
//   stratad rotate-signing-key [--drop-old]
//       makes a fresh access-token signing key current; the old one keeps verifying the
//       tokens it signed until they expire (with --drop-old: not at all, after a key leak).
//   stratad user add --name NAME [--password-stdin] [--role ROLE]... [--service] [--totp]
//       creates a user (or, with --service, a service account whose client secret is read
//       from stdin), grants it ROLE on every dataset, and with --totp enrols TOTP at once
//       (prints the secret, its otpauth:// URI and the recovery codes, once).
//
// Both print what they did on stdout and return the process exit code: 0 on success, 1 on
// failure (printed to stderr).
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "common/config.h"

namespace strata::app {

int RotateSigningKey(const Config& config, bool drop_old);

struct UserAddOptions {
  std::string name;
  bool password_stdin = false;  // Read the password (client secret) from the first line.
  std::vector<std::string> roles;
  bool service = false;
  bool totp = false;
};

// `in` is read when options.password_stdin (the process's stdin in main).
int AddUser(const Config& config, const UserAddOptions& options, std::istream& in);

}  // namespace strata::app
