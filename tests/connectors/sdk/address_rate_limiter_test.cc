// The per-address limit on a fake clock: one address spending its budget leaves the others theirs,
// asking takes nothing, and the map of addresses stays bounded whatever a flood comes from.
#include "connectors/sdk/address_rate_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace omni::connectors {
namespace {

using namespace std::chrono_literals;

TEST(AddressRateLimiterTest, EachAddressSpendsItsOwnBudget) {
  FakeClock clock;
  AddressRateLimiter limiter(/*per_second=*/1, /*burst=*/2);
  EXPECT_FALSE(limiter.Wait("10.0.0.1", clock.Now()).has_value());
  EXPECT_FALSE(limiter.TryTake("10.0.0.1", clock.Now()).has_value());
  EXPECT_FALSE(limiter.TryTake("10.0.0.1", clock.Now()).has_value());
  auto wait = limiter.Wait("10.0.0.1", clock.Now());
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*wait), 1000ms);
  EXPECT_TRUE(limiter.TryTake("10.0.0.1", clock.Now()).has_value());
  // Another address is untouched.
  EXPECT_FALSE(limiter.Wait("10.0.0.2", clock.Now()).has_value());
  EXPECT_FALSE(limiter.TryTake("10.0.0.2", clock.Now()).has_value());
  clock.Advance(1s);
  EXPECT_FALSE(limiter.TryTake("10.0.0.1", clock.Now()).has_value());
  EXPECT_TRUE(limiter.TryTake("10.0.0.1", clock.Now()).has_value());
}

TEST(AddressRateLimiterTest, AskingRemembersNothing) {
  FakeClock clock;
  AddressRateLimiter limiter(1, 1);
  for (int i = 0; i < 100; ++i) limiter.Wait("10.0.1." + std::to_string(i), clock.Now());
  EXPECT_EQ(limiter.size(), 0u);
}

TEST(AddressRateLimiterTest, TheMapIsBoundedAndForgetsOnlyWhatIsFullAgainOrOldest) {
  FakeClock clock;
  AddressRateLimiter limiter(/*per_second=*/1, /*burst=*/2, /*max_addresses=*/3);
  for (const char* address : {"a", "b", "c"}) {
    EXPECT_FALSE(limiter.TryTake(address, clock.Now()).has_value());
    EXPECT_FALSE(limiter.TryTake(address, clock.Now()).has_value());
    clock.Advance(100ms);
  }
  EXPECT_EQ(limiter.size(), 3u);
  // Full: the least recently seen ("a") makes room; "b" and "c" stay empty.
  EXPECT_FALSE(limiter.TryTake("d", clock.Now()).has_value());
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_TRUE(limiter.Wait("b", clock.Now()).has_value());
  EXPECT_TRUE(limiter.Wait("c", clock.Now()).has_value());
  EXPECT_FALSE(limiter.Wait("a", clock.Now()).has_value());
  // Once their buckets are full again, every idle address goes at once.
  clock.Advance(2s);
  EXPECT_FALSE(limiter.TryTake("e", clock.Now()).has_value());
  EXPECT_EQ(limiter.size(), 1u);
  for (int i = 0; i < 1000; ++i) limiter.TryTake("flood" + std::to_string(i), clock.Now());
  EXPECT_EQ(limiter.size(), 3u);
}

}  // namespace
}  // namespace omni::connectors
