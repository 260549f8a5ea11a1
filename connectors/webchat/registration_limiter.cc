#include "connectors/webchat/registration_limiter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace omni::connectors::webchat {
namespace {

std::unique_ptr<TokenBucket> BucketFor(int64_t per_minute, int64_t burst) {
  if (per_minute <= 0) return nullptr;
  return std::make_unique<TokenBucket>(per_minute / 60.0, std::max<int64_t>(1, burst));
}

}  // namespace

RegistrationLimiter::RegistrationLimiter(RegistrationRates rates)
    : rates_(rates),
      refill_time_(rates.per_address_per_minute > 0
                       ? std::chrono::duration_cast<Duration>(std::chrono::duration<double>(
                             60.0 * std::max<int64_t>(1, rates.per_address_burst) /
                             rates.per_address_per_minute))
                       : Duration::zero()),
      total_(BucketFor(rates.total_per_minute, rates.total_burst)) {}

std::optional<RegistrationLimiter::Refusal> RegistrationLimiter::TryTake(const std::string& address,
                                                                         TimePoint now) {
  if (rates_.per_address_per_minute > 0) {
    std::lock_guard lock(mu_);
    // At the cap a sweep may make room, but at most once a second: each is a pass over the map.
    const bool full = by_address_.size() >= kMaxTrackedAddresses;
    if (by_address_.size() >= sweep_at_size_ ||
        (full && now - last_sweep_ >= std::chrono::seconds(1))) {
      ForgetRefilled(now);
    }
    if (by_address_.size() >= kMaxTrackedAddresses && !by_address_.contains(address)) {
      return Refusal{refill_time_, "too many addresses are registering at once"};
    }
    AddressBucket& entry = by_address_[address];
    if (!entry.bucket) {
      entry.bucket = BucketFor(rates_.per_address_per_minute, rates_.per_address_burst);
    }
    entry.last_used = now;
    if (auto wait = entry.bucket->TryTake(now)) {
      return Refusal{*wait, absl::StrCat("registrations from one address are limited to ",
                                         rates_.per_address_per_minute, " per minute")};
    }
  }
  if (total_) {
    if (auto wait = total_->TryTake(now)) {
      return Refusal{*wait, absl::StrCat("registrations are limited to ", rates_.total_per_minute,
                                         " per minute in all")};
    }
  }
  return std::nullopt;
}

size_t RegistrationLimiter::tracked_addresses() {
  std::lock_guard lock(mu_);
  return by_address_.size();
}

void RegistrationLimiter::ForgetRefilled(TimePoint now) {
  std::erase_if(by_address_,
                [&](const auto& entry) { return now - entry.second.last_used >= refill_time_; });
  // The next sweep when the map has doubled: each costs a pass over what it keeps, so sweeping
  // stays a constant cost per registration however many addresses come.
  sweep_at_size_ = std::max<size_t>(1024, 2 * by_address_.size());
  last_sweep_ = now;
}

}  // namespace omni::connectors::webchat
