// Requests per source address: each address has its own burst and rate, and the table of
// addresses stays bounded (refilled ones forgotten, new ones refused while it is full).
#include "connectors/sip/source_rate_limit.h"

#include <gtest/gtest.h>

namespace omni::connectors::sip {
namespace {

using namespace std::chrono_literals;

TEST(SourceRateLimitTest, EachAddressHasItsOwnBurstAndRate) {
  SourceRateLimit limit(/*per_second=*/2, /*burst=*/3);
  const TimePoint now{};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limit.Admit(1, now)) << i;
  EXPECT_FALSE(limit.Admit(1, now)) << "past the burst";
  EXPECT_TRUE(limit.Admit(2, now)) << "another address is not held back";
  EXPECT_FALSE(limit.Admit(1, now + 400ms));
  EXPECT_TRUE(limit.Admit(1, now + 500ms)) << "one token every 1/per_second";
  EXPECT_FALSE(limit.Admit(1, now + 500ms));
}

TEST(SourceRateLimitTest, TheTableOfAddressesStaysBounded) {
  SourceRateLimit limit(/*per_second=*/1, /*burst=*/2, /*max_sources=*/2);
  const TimePoint now{};
  EXPECT_TRUE(limit.Admit(1, now));
  EXPECT_TRUE(limit.Admit(2, now));
  EXPECT_FALSE(limit.Admit(3, now)) << "a new address while the table is full";
  EXPECT_EQ(limit.remembered(), 2u);
  EXPECT_FALSE(limit.Admit(3, now + 1500ms)) << "address 1 and 2 are not full again yet";
  EXPECT_TRUE(limit.Admit(3, now + 2600ms))
      << "refilled addresses are forgotten (a second after the last look)";
  EXPECT_EQ(limit.remembered(), 1u);
  EXPECT_TRUE(limit.Admit(1, now + 2600ms)) << "a forgotten address starts full";
  EXPECT_TRUE(limit.Admit(1, now + 2600ms));
  EXPECT_FALSE(limit.Admit(1, now + 2600ms));
}

}  // namespace
}  // namespace omni::connectors::sip
