// Backoff: grows by the multiplier to the cap, jitter stays in its band, Reset starts again.
#include "agent-sdk/src/backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace omni::agent {
namespace {

using namespace std::chrono_literals;

TEST(BackoffTest, GrowsToTheCapAndStartsAgainAfterReset) {
  Backoff backoff(
      ReconnectPolicy{
          .initial_backoff = 100ms, .max_backoff = 1000ms, .multiplier = 2, .jitter = 0},
      1);
  std::vector<int64_t> waits;
  for (int i = 0; i < 6; ++i) waits.push_back(backoff.Next().count());
  EXPECT_EQ(waits, (std::vector<int64_t>{100, 200, 400, 800, 1000, 1000}));
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), 100ms);
}

TEST(BackoffTest, JitterStaysInItsBandAndVaries) {
  Backoff backoff(ReconnectPolicy{.initial_backoff = 1000ms, .max_backoff = 1000ms, .jitter = 0.2},
                  7);
  std::set<int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    const auto wait = backoff.Next().count();
    EXPECT_GE(wait, 800);
    EXPECT_LE(wait, 1200);
    seen.insert(wait);
  }
  EXPECT_GT(seen.size(), 20u);
}

TEST(BackoffTest, OddPoliciesStayBounded) {
  // A multiplier below 1, a cap below the start, jitter above 1.
  Backoff backoff(
      ReconnectPolicy{.initial_backoff = 50ms, .max_backoff = 10ms, .multiplier = 0.5, .jitter = 3},
      3);
  for (int i = 0; i < 100; ++i) {
    const auto wait = backoff.Next();
    EXPECT_GE(wait, 0ms);
    EXPECT_LE(wait, 100ms);
  }
}

}  // namespace
}  // namespace omni::agent
