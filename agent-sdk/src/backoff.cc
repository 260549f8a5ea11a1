// Backoff: exponential growth up to a cap, with a random factor per wait.
#include "agent-sdk/src/backoff.h"

#include <algorithm>
#include <cmath>

namespace omni::agent {

std::chrono::milliseconds Backoff::Next() {
  const double initial = static_cast<double>(policy_.initial_backoff.count());
  const double cap =
      static_cast<double>(std::max(policy_.max_backoff, policy_.initial_backoff).count());
  const double base =
      std::min(cap, initial * std::pow(std::max(1.0, policy_.multiplier), attempts_));
  ++attempts_;
  const double jitter = std::clamp(policy_.jitter, 0.0, 1.0);
  std::uniform_real_distribution<double> factor(1.0 - jitter, 1.0 + jitter);
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(base * factor(rng_))));
}

}  // namespace omni::agent
