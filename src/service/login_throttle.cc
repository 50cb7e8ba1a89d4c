#include "service/login_throttle.h"

#include <algorithm>
#include <charconv>

namespace strata::service {
namespace {

constexpr std::string_view kRetryAfterHeader = "Retry-After";

std::string AccountKey(std::string_view account) { return "account:" + std::string(account); }
std::string AddressKey(std::string_view address) { return "address:" + std::string(address); }

}  // namespace

int64_t LoginThrottle::BlockedUntil(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? 0 : it->second.blocked_until;
}

int64_t LoginThrottle::RetryAfterSeconds(std::string_view account, std::string_view address,
                                         int64_t now_micros) {
  std::lock_guard lock(mu_);
  int64_t until = BlockedUntil(AccountKey(account));
  if (!address.empty()) until = std::max(until, BlockedUntil(AddressKey(address)));
  if (until <= now_micros) return 0;
  return (until - now_micros + 999'999) / 1'000'000;
}

void LoginThrottle::RecordFailure(std::string_view account, std::string_view address,
                                  int64_t now_micros) {
  std::lock_guard lock(mu_);
  Fail(AccountKey(account), options_.max_failures, now_micros);
  if (!address.empty()) Fail(AddressKey(address), options_.max_failures_per_address, now_micros);
}

void LoginThrottle::RecordSuccess(std::string_view account) {
  std::lock_guard lock(mu_);
  entries_.erase(AccountKey(account));
}

void LoginThrottle::Fail(const std::string& key, int64_t threshold, int64_t now_micros) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (!MakeRoom(now_micros)) return;
    it = entries_.emplace(key, Entry{}).first;
  }
  Entry& entry = it->second;
  if (now_micros - entry.last_failure > options_.window_seconds * 1'000'000) entry.failures = 0;
  ++entry.failures;
  entry.last_failure = now_micros;
  if (entry.failures >= threshold) {
    const int64_t exponent = std::min<int64_t>(entry.failures - threshold, 30);
    const int64_t delay = std::min<int64_t>(int64_t{1} << exponent, options_.max_delay_seconds);
    entry.blocked_until = now_micros + delay * 1'000'000;
  }
}

bool LoginThrottle::MakeRoom(int64_t now_micros) {
  if (entries_.size() < options_.max_entries) return true;
  const int64_t window = options_.window_seconds * 1'000'000;
  std::erase_if(entries_, [&](const auto& item) {
    return item.second.blocked_until <= now_micros &&
           now_micros - item.second.last_failure > window;
  });
  if (entries_.size() < options_.max_entries) return true;
  std::erase_if(entries_,
                [&](const auto& item) { return item.second.blocked_until <= now_micros; });
  return entries_.size() < options_.max_entries;
}

Status Throttled(std::string_view problem_code, int64_t retry_after_seconds) {
  return Status::ResourceExhausted("too many failed attempts; retry after " +
                                   std::to_string(retry_after_seconds) + " s")
      .WithProblemCode(problem_code)
      .WithErrors({ErrorDetail::Header(std::string(kRetryAfterHeader),
                                       std::to_string(retry_after_seconds))});
}

std::optional<int64_t> ThrottledRetryAfter(const Status& status) {
  if (status.code() != StatusCode::kResourceExhausted) return std::nullopt;
  for (const ErrorDetail& error : status.errors()) {
    if (error.location != ErrorDetail::Location::kHeader || error.where != kRetryAfterHeader) {
      continue;
    }
    int64_t seconds = 0;
    auto [ptr, ec] =
        std::from_chars(error.detail.data(), error.detail.data() + error.detail.size(), seconds);
    if (ec == std::errc() && ptr == error.detail.data() + error.detail.size()) return seconds;
  }
  return std::nullopt;
}

std::string_view AddressOfPeer(std::string_view peer) {
  const size_t colon = peer.rfind(':');
  return colon == std::string_view::npos ? peer : peer.substr(0, colon);
}

}  // namespace strata::service
