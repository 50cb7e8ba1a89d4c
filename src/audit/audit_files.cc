#include "audit/audit_files.h"

#include <cstdio>

namespace strata::audit {
namespace {
constexpr std::string_view kPrefix = "audit-";
constexpr std::string_view kSuffix = ".ndjson";
constexpr size_t kDigits = 20;
}  // namespace

std::string SegmentName(uint64_t first_seq) {
  char digits[kDigits + 1];
  std::snprintf(digits, sizeof(digits), "%020llu", static_cast<unsigned long long>(first_seq));
  return std::string(kPrefix) + digits + std::string(kSuffix);
}

std::optional<uint64_t> ParseSegmentName(std::string_view name) {
  if (name.size() != kPrefix.size() + kDigits + kSuffix.size() ||
      name.substr(0, kPrefix.size()) != kPrefix ||
      name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (char c : name.substr(kPrefix.size(), kDigits)) {
    if (c < '0' || c > '9') return std::nullopt;
    if (value > (UINT64_MAX - 9) / 10) return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

}  // namespace strata::audit
