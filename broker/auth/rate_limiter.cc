#include "broker/auth/rate_limiter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace omni::auth {

absl::Status AgentRateLimiter::Take(const std::string& tenant, const std::string& agent_id) {
  if (limit_.per_second <= 0) return absl::OkStatus();
  const double burst = std::max(1.0, limit_.burst);
  std::optional<Duration> wait;
  {
    std::lock_guard lock(mu_);
    // Tenant names hold no NUL: one bucket per agent of a tenant.
    const std::string key = absl::StrCat(tenant, absl::string_view("\0", 1), agent_id);
    wait = buckets_.try_emplace(key, limit_.per_second, burst).first->second.TryTake(clock_.Now());
  }
  if (!wait) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrFormat(
      "agent %s: rate limit of %g requests/s (burst %g) reached; retry in %.3f s", agent_id,
      limit_.per_second, burst, std::chrono::duration<double>(*wait).count()));
}

}  // namespace omni::auth
