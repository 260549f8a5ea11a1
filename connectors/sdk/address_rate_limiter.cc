#include "connectors/sdk/address_rate_limiter.h"

#include <algorithm>
#include <chrono>

namespace omni::connectors {

AddressRateLimiter::AddressRateLimiter(double per_second, double burst, size_t max_addresses)
    : per_second_(per_second),
      burst_(burst),
      max_addresses_(std::max<size_t>(1, max_addresses)),
      refill_time_(
          std::chrono::duration_cast<Duration>(std::chrono::duration<double>(burst / per_second))) {
}

std::optional<Duration> AddressRateLimiter::Wait(std::string_view address, TimePoint now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(std::string(address));
  if (it == entries_.end()) return std::nullopt;  // a new address starts with a full bucket
  return it->second.bucket->Wait(now);
}

std::optional<Duration> AddressRateLimiter::TryTake(std::string_view address, TimePoint now) {
  std::lock_guard lock(mu_);
  return BucketFor(address, now).TryTake(now);
}

size_t AddressRateLimiter::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

TokenBucket& AddressRateLimiter::BucketFor(std::string_view address, TimePoint now) {
  const std::string key(address);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_addresses_) Trim(now);
    it =
        entries_.emplace(key, Entry{std::make_unique<TokenBucket>(per_second_, burst_), now}).first;
  }
  it->second.last_seen = std::max(it->second.last_seen, now);
  return *it->second.bucket;
}

void AddressRateLimiter::Trim(TimePoint now) {
  std::erase_if(entries_,
                [&](const auto& entry) { return now - entry.second.last_seen >= refill_time_; });
  if (entries_.size() < max_addresses_) return;
  auto oldest = std::min_element(
      entries_.begin(), entries_.end(),
      [](const auto& a, const auto& b) { return a.second.last_seen < b.second.last_seen; });
  entries_.erase(oldest);
}

}  // namespace omni::connectors
