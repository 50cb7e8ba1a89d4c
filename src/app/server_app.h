// ServerApp: wires configuration, metastore, security, services and the HTTP front door
// into a running stratad, and takes it down again.
// Thread safety: Run() blocks the calling thread; call it once.
#pragma once

#include "common/config.h"

namespace strata::app {

// Runs stratad with `config` until SIGTERM/SIGINT. Returns the process exit code:
// 0 after a clean shutdown, 1 when startup fails (the reason is logged).
int RunServer(const Config& config);

}  // namespace strata::app
