// ServerApp: wires configuration, metastore, security, services and the HTTP front door
// into a running stratad, and takes it down again.
// Thread safety: Run() blocks the calling thread; call it once.
#pragma once

#include <string>

#include "common/config.h"
#include "common/status.h"

namespace strata::app {

// Holds an exclusive lock on <data_dir>/LOCK for the life of the process, so two servers (or
// a server and an offline command) never share a data directory.
Status LockDataDir(const std::string& data_dir);

// Runs stratad with `config` until SIGTERM/SIGINT. Returns the process exit code:
// 0 after a clean shutdown, 1 when startup fails (the reason is logged).
int RunServer(const Config& config);

// Re-wraps every dataset's data key from the configured master key to the one in
// new_key_file, while no server runs on the data directory. Returns 0 on success, 1 on
// failure (printed). Interrupted rotations can be run again.
int RotateMasterKey(const Config& config, const std::string& new_key_file);

}  // namespace strata::app
