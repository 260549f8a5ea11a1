// The per-agent token bucket, on a fake clock.
#include "broker/auth/rate_limiter.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace omni::auth {
namespace {

using namespace std::chrono_literals;

TEST(AgentRateLimiterTest, ABurstThenTheRateWithTheWaitInTheError) {
  FakeClock clock;
  AgentRateLimiter limiter({.per_second = 2, .burst = 3}, clock);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("acme", "alice").ok()) << i;
  const absl::Status refused = limiter.Take("acme", "alice");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(refused.message(), "agent alice: rate limit of 2 requests/s (burst 3)"))
      << refused;
  EXPECT_TRUE(absl::StrContains(refused.message(), "retry in 0.500 s")) << refused;
  clock.Advance(500ms);
  EXPECT_TRUE(limiter.Take("acme", "alice").ok());
  EXPECT_FALSE(limiter.Take("acme", "alice").ok());
}

TEST(AgentRateLimiterTest, EachAgentHasItsOwnBucket) {
  FakeClock clock;
  AgentRateLimiter limiter({.per_second = 1, .burst = 1}, clock);
  EXPECT_TRUE(limiter.Take("acme", "alice").ok());
  EXPECT_FALSE(limiter.Take("acme", "alice").ok());
  EXPECT_TRUE(limiter.Take("acme", "boris").ok());
}

TEST(AgentRateLimiterTest, TheSameAgentIdInAnotherTenantIsAnotherAgent) {
  FakeClock clock;
  AgentRateLimiter limiter({.per_second = 1, .burst = 1}, clock);
  EXPECT_TRUE(limiter.Take("acme", "alice").ok());
  EXPECT_FALSE(limiter.Take("acme", "alice").ok());
  EXPECT_TRUE(limiter.Take("globex", "alice").ok());
}

TEST(AgentRateLimiterTest, AQuietSpellRefillsUpToTheBurstOnly) {
  FakeClock clock;
  AgentRateLimiter limiter({.per_second = 10, .burst = 2}, clock);
  EXPECT_TRUE(limiter.Take("acme", "alice").ok());
  clock.Advance(1h);
  EXPECT_TRUE(limiter.Take("acme", "alice").ok());
  EXPECT_TRUE(limiter.Take("acme", "alice").ok());
  EXPECT_FALSE(limiter.Take("acme", "alice").ok());
}

TEST(AgentRateLimiterTest, ZeroRateIsNoLimit) {
  FakeClock clock;
  AgentRateLimiter limiter({.per_second = 0, .burst = 0}, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Take("acme", "alice").ok());
}

}  // namespace
}  // namespace omni::auth
