#include "base/token_bucket.h"

#include <algorithm>

namespace omni {

TokenBucket::TokenBucket(double per_second, double burst)
    : per_second_(per_second), burst_(burst), tokens_(burst) {}

void TokenBucket::Refill(TimePoint now) {
  // A clock stepping back adds nothing.
  if (last_ && now > *last_) {
    tokens_ = std::min(burst_,
                       tokens_ + std::chrono::duration<double>(now - *last_).count() * per_second_);
  }
  if (!last_ || now > *last_) last_ = now;
}

Duration TokenBucket::TimeToNextToken() const {
  return std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>((1 - tokens_) / per_second_));
}

std::optional<Duration> TokenBucket::TryTake(TimePoint now) {
  std::lock_guard lock(mu_);
  Refill(now);
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return std::nullopt;
  }
  return TimeToNextToken();
}

std::optional<Duration> TokenBucket::Wait(TimePoint now) {
  std::lock_guard lock(mu_);
  Refill(now);
  if (tokens_ >= 1) return std::nullopt;
  return TimeToNextToken();
}

}  // namespace omni
