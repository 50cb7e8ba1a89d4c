#include "service/health_service.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace strata::service {
namespace {

ReadinessCheck CheckDataDirWritable(const std::string& data_dir) {
  const std::string probe = data_dir + "/.readyz-probe";
  const int fd = ::open(probe.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return {"data_dir", false, "the data directory is not writable"};
  const bool wrote = ::write(fd, "ok", 2) == 2;
  ::close(fd);
  ::unlink(probe.c_str());
  if (!wrote) return {"data_dir", false, "writing to the data directory failed"};
  return {"data_dir", true, ""};
}

ReadinessCheck CheckFreeDisk(const std::string& data_dir, int64_t min_free_bytes) {
  struct statvfs stats;
  if (::statvfs(data_dir.c_str(), &stats) != 0) return {"disk", false, "cannot read disk usage"};
  const auto free_bytes =
      static_cast<int64_t>(stats.f_bavail) * static_cast<int64_t>(stats.f_frsize);
  if (free_bytes < min_free_bytes) {
    return {"disk", false,
            std::to_string(free_bytes) + " bytes free, below storage.min_free_bytes (" +
                std::to_string(min_free_bytes) + ")"};
  }
  return {"disk", true, ""};
}

}  // namespace

Readiness HealthService::CheckReadiness() const {
  Readiness readiness;
  Status store = store_.Ping();
  readiness.checks.push_back(
      {"metastore", store.ok(), store.ok() ? "" : "the metastore does not answer"});
  readiness.checks.push_back(CheckDataDirWritable(data_dir_));
  readiness.checks.push_back(CheckFreeDisk(data_dir_, min_free_bytes_));
  if (audit_ != nullptr) {
    const bool audit_ok = audit_->Health().ok();
    readiness.checks.push_back(
        {"audit_log", audit_ok, audit_ok ? "" : "the audit log cannot take entries"});
  }
  const bool draining = draining_.load();
  readiness.checks.push_back({"accepting", !draining, draining ? "shutting down" : ""});
  readiness.ready = true;
  for (const ReadinessCheck& check : readiness.checks) readiness.ready &= check.ok;
  return readiness;
}

}  // namespace strata::service
