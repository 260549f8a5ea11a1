// Per-agent rate limits: a token bucket per agent of a tenant, refilled at `per_second` up to
// `burst`. Each console request and each unary call an agent makes takes one token; with none left
// the call is refused with RESOURCE_EXHAUSTED saying when to retry. Thread-safe (gRPC threads call
// it).
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/status/status.h"
#include "base/clock.h"
#include "base/token_bucket.h"

namespace omni::auth {

struct RateLimit {
  double per_second = 0;  // 0 = no limit
  double burst = 0;       // the most taken at once after a quiet spell; at least 1
};

class AgentRateLimiter {
 public:
  AgentRateLimiter(RateLimit limit, const Clock& clock) : limit_(limit), clock_(clock) {}

  // OK and one token less for `tenant`'s agent `agent_id`, or RESOURCE_EXHAUSTED with the wait
  // until the next.
  absl::Status Take(const std::string& tenant, const std::string& agent_id);

 private:
  const RateLimit limit_;
  const Clock& clock_;
  std::mutex mu_;  // gRPC threads share the map
  std::unordered_map<std::string, TokenBucket> buckets_;  // by tenant, NUL, agent id
};

}  // namespace omni::auth
