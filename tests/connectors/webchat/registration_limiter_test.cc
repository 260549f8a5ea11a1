#include "connectors/webchat/registration_limiter.h"

#include <gtest/gtest.h>

namespace omni::connectors::webchat {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart = TimePoint{} + std::chrono::hours(500000);

TEST(RegistrationLimiterTest, EachAddressHasItsOwnBucket) {
  RegistrationLimiter limiter({.per_address_per_minute = 6,
                               .per_address_burst = 2,
                               .total_per_minute = 0,
                               .total_burst = 0});
  EXPECT_FALSE(limiter.TryTake("10.0.0.1", kStart));
  EXPECT_FALSE(limiter.TryTake("10.0.0.1", kStart));
  auto refused = limiter.TryTake("10.0.0.1", kStart);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->retry_after, 10s);  // 6 a minute: one every 10 s
  EXPECT_EQ(refused->reason, "registrations from one address are limited to 6 per minute");
  EXPECT_FALSE(limiter.TryTake("10.0.0.2", kStart));  // another address is not affected
  EXPECT_FALSE(limiter.TryTake("10.0.0.1", kStart + 10s));
}

TEST(RegistrationLimiterTest, TheTotalBoundsAllAddressesTogether) {
  RegistrationLimiter limiter({.per_address_per_minute = 60,
                               .per_address_burst = 1,
                               .total_per_minute = 60,
                               .total_burst = 2});
  EXPECT_FALSE(limiter.TryTake("a", kStart));
  // An address over its own limit takes nothing from the total.
  EXPECT_TRUE(limiter.TryTake("a", kStart));
  EXPECT_FALSE(limiter.TryTake("b", kStart));
  auto refused = limiter.TryTake("c", kStart);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, "registrations are limited to 60 per minute in all");
  EXPECT_EQ(refused->retry_after, 1s);
}

TEST(RegistrationLimiterTest, ZeroPerMinuteIsNoLimit) {
  RegistrationLimiter limiter({.per_address_per_minute = 0,
                               .per_address_burst = 0,
                               .total_per_minute = 0,
                               .total_burst = 0});
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(limiter.TryTake("a", kStart));
  EXPECT_EQ(limiter.tracked_addresses(), 0u);
}

TEST(RegistrationLimiterTest, AddressesThatWentQuietAreForgotten) {
  RegistrationLimiter limiter({.per_address_per_minute = 60,
                               .per_address_burst = 2,
                               .total_per_minute = 0,
                               .total_burst = 0});
  for (int i = 0; i < 1024; ++i) limiter.TryTake("old-" + std::to_string(i), kStart);
  EXPECT_EQ(limiter.tracked_addresses(), 1024u);
  // Two seconds on, every bucket is full again: the next new address sweeps them away.
  limiter.TryTake("new", kStart + 2s);
  EXPECT_EQ(limiter.tracked_addresses(), 1u);
}

TEST(RegistrationLimiterTest, NewAddressesBeyondTheCapAreRefusedUntilBucketsRefill) {
  RegistrationLimiter limiter({.per_address_per_minute = 60,
                               .per_address_burst = 1,
                               .total_per_minute = 0,
                               .total_burst = 0});
  for (size_t i = 0; i < RegistrationLimiter::kMaxTrackedAddresses; ++i) {
    limiter.TryTake("a" + std::to_string(i), kStart);
  }
  auto refused = limiter.TryTake("newcomer", kStart);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, "too many addresses are registering at once");
  EXPECT_FALSE(limiter.TryTake("a1", kStart + 1s));  // a known address goes on
  EXPECT_FALSE(limiter.TryTake("newcomer", kStart + 1s));
}

}  // namespace
}  // namespace omni::connectors::webchat
