#include "broker/auth/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace omni::auth {

absl::Status AgentRateLimiter::Take(const std::string& agent_id) {
  if (limit_.per_second <= 0) return absl::OkStatus();
  const double burst = std::max(1.0, limit_.burst);
  const TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  auto [it, created] = buckets_.try_emplace(agent_id, Bucket{burst, now});
  Bucket& bucket = it->second;
  // A clock stepped back refills nothing (and takes nothing away).
  const double elapsed = std::max(0.0, std::chrono::duration<double>(now - bucket.refilled_at).count());
  bucket.tokens = std::min(burst, bucket.tokens + elapsed * limit_.per_second);
  bucket.refilled_at = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::OkStatus();
  }
  const double wait = (1 - bucket.tokens) / limit_.per_second;
  return absl::ResourceExhaustedError(absl::StrFormat(
      "agent %s: rate limit of %g requests/s (burst %g) reached; retry in %.3f s", agent_id,
      limit_.per_second, burst, wait));
}

}  // namespace omni::auth
