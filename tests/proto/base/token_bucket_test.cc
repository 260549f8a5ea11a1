// The token bucket on a fake clock: a burst passes, the next request is told how long to wait,
// tokens come back at the rate and never beyond the burst; asking how long to wait takes nothing.
#include "base/token_bucket.h"

#include <gtest/gtest.h>

namespace omni {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucketTest, ABurstPassesThenRequestsWaitForTokensAtTheRate) {
  FakeClock clock;
  TokenBucket limiter(/*per_second=*/2, /*burst=*/3);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.TryTake(clock.Now()).has_value()) << i;
  auto wait = limiter.TryTake(clock.Now());
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*wait), 500ms);

  clock.Advance(250ms);  // half a token
  wait = limiter.TryTake(clock.Now());
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*wait), 250ms);
  clock.Advance(250ms);
  EXPECT_FALSE(limiter.TryTake(clock.Now()).has_value());
  EXPECT_TRUE(limiter.TryTake(clock.Now()).has_value());
}

TEST(TokenBucketTest, AnIdleBucketFillsOnlyUpToTheBurst) {
  FakeClock clock;
  TokenBucket limiter(10, 2);
  clock.Advance(1h);
  EXPECT_FALSE(limiter.TryTake(clock.Now()).has_value());
  EXPECT_FALSE(limiter.TryTake(clock.Now()).has_value());
  EXPECT_TRUE(limiter.TryTake(clock.Now()).has_value());
}

TEST(TokenBucketTest, AClockSteppingBackAddsNoTokens) {
  FakeClock clock;
  TokenBucket limiter(1, 1);
  const TimePoint later = clock.Now() + 10s;
  EXPECT_FALSE(limiter.TryTake(later).has_value());
  EXPECT_TRUE(limiter.TryTake(clock.Now()).has_value());
  EXPECT_TRUE(limiter.TryTake(later).has_value());
}

TEST(TokenBucketTest, WaitTellsWithoutTaking) {
  FakeClock clock;
  TokenBucket limiter(2, 1);
  EXPECT_FALSE(limiter.Wait(clock.Now()).has_value());
  EXPECT_FALSE(limiter.Wait(clock.Now()).has_value()) << "asking took the token";
  EXPECT_FALSE(limiter.TryTake(clock.Now()).has_value());
  auto wait = limiter.Wait(clock.Now());
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*wait), 500ms);
  clock.Advance(500ms);
  EXPECT_FALSE(limiter.Wait(clock.Now()).has_value());
}

}  // namespace
}  // namespace omni
