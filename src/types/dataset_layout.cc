#include "types/dataset_layout.h"

#include <chrono>

namespace strata::types {
namespace {

constexpr int64_t kMicrosPerHour = 3600LL * 1000 * 1000;
constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::optional<Granularity> ParseGranularity(std::string_view name) {
  if (name == "hour") return Granularity::kHour;
  if (name == "day") return Granularity::kDay;
  if (name == "month") return Granularity::kMonth;
  if (name == "none" || name.empty()) return Granularity::kNone;
  return std::nullopt;
}

std::string_view GranularityName(Granularity granularity) {
  switch (granularity) {
    case Granularity::kNone: return "none";
    case Granularity::kHour: return "hour";
    case Granularity::kDay: return "day";
    case Granularity::kMonth: return "month";
  }
  return "none";
}

int64_t PartitionStart(int64_t micros, Granularity granularity) {
  switch (granularity) {
    case Granularity::kNone: return 0;
    case Granularity::kHour: return FloorDiv(micros, kMicrosPerHour) * kMicrosPerHour;
    case Granularity::kDay: return FloorDiv(micros, kMicrosPerDay) * kMicrosPerDay;
    case Granularity::kMonth: {
      using namespace std::chrono;
      const sys_days day{days{FloorDiv(micros, kMicrosPerDay)}};
      const year_month_day ymd{day};
      const sys_days first{ymd.year() / ymd.month() / 1};
      return static_cast<int64_t>(first.time_since_epoch().count()) * kMicrosPerDay;
    }
  }
  return 0;
}

int64_t PartitionEnd(int64_t start, Granularity granularity) {
  switch (granularity) {
    case Granularity::kNone: return INT64_MAX;
    case Granularity::kHour: return start + kMicrosPerHour;
    case Granularity::kDay: return start + kMicrosPerDay;
    case Granularity::kMonth: {
      using namespace std::chrono;
      const sys_days day{days{FloorDiv(start, kMicrosPerDay)}};
      const year_month_day ymd{day};
      const sys_days next{(ymd.year() / ymd.month() / 1) + months{1}};
      return static_cast<int64_t>(next.time_since_epoch().count()) * kMicrosPerDay;
    }
  }
  return INT64_MAX;
}

}  // namespace strata::types
