// HealthService: liveness and readiness of this node (GET /healthz, /readyz).
// Ready means: the metastore answers, the data dir is writable, its disk has at least
// `min_free_bytes` free, the audit log (when given) takes entries, and the node is not
// draining for shutdown.
// Thread safety: thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "audit/audit_event.h"
#include "meta/meta_store.h"

namespace strata::service {

struct ReadinessCheck {
  std::string name;  // "metastore", "data_dir", "disk", "audit_log", "accepting".
  bool ok = false;
  std::string detail;  // Why not, for operators; never a file path.
};

struct Readiness {
  bool ready = false;
  std::vector<ReadinessCheck> checks;
};

class HealthService {
 public:
  // `audit` may be null (no audit check); it must outlive the service.
  HealthService(meta::MetaStore& store, std::string data_dir, int64_t min_free_bytes,
                const audit::AuditSink* audit = nullptr)
      : store_(store),
        data_dir_(std::move(data_dir)),
        min_free_bytes_(min_free_bytes),
        audit_(audit) {}

  Readiness CheckReadiness() const;

  // From now on the node reports not ready, so load balancers move traffic away.
  void SetDraining() { draining_.store(true); }

 private:
  meta::MetaStore& store_;
  std::string data_dir_;
  int64_t min_free_bytes_;
  const audit::AuditSink* audit_;
  std::atomic<bool> draining_{false};
};

}  // namespace strata::service
