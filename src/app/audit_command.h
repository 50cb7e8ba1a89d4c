// `stratad audit verify DIR [--public-key FILE]`: offline verification of an audit log
// directory (docs/operations.md "Audit log"), with no server running and no configuration.
// Thread safety: single-threaded command.
#pragma once

#include <string>

namespace strata::app {

inline constexpr int kAuditIntact = 0;
inline constexpr int kAuditBroken = 1;
inline constexpr int kAuditCannotVerify = 2;

// Verifies the log in `dir` against the public key in `public_key_file` (pinned by the
// operator) or, when empty, in DIR/signing.pub. Prints a summary to stdout, or the first
// broken entry and why; returns kAuditIntact, kAuditBroken, or kAuditCannotVerify (no such
// directory, no usable public key, a file that cannot be read).
int VerifyAuditCommand(const std::string& dir, const std::string& public_key_file);

}  // namespace strata::app
