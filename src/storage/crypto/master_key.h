// Loading the operator-supplied master key that wraps every dataset's data key, and a
// fingerprint that identifies it in logs without revealing it.
//
// Thread safety: all functions are thread-safe.
// Invariant: key material is never written into a Status message or a log line; only
// MasterKeyFingerprint may be shown.
#pragma once

#include <string>

#include "common/result.h"
#include "storage/crypto/aes_gcm.h"

namespace strata::storage {

// Reads the master key from `path`. The file holds exactly kKeyBytes (32) raw bytes, or 64 hex
// characters (either case) optionally followed by trailing whitespace such as one newline.
// Every error is InvalidArgument with an operator-facing message naming `path`: unreadable
// or missing file, wrong length ("expected 32 raw bytes or 64 hex characters, found N bytes"),
// or text that is not valid hex. The file contents never appear in a message.
Result<Key> LoadMasterKey(const std::string& path);

// Lower-case hex of the first 8 bytes of SHA-256(key): 16 characters, safe to log, stable for a
// given key. Lets operators check which master key a node is using.
std::string MasterKeyFingerprint(const Key& key);

}  // namespace strata::storage
