// The log throttle on a fake clock: the first line passes, repeats within the interval are held
// back, the next line after it says how many were.
#include "base/log_throttle.h"

#include <gtest/gtest.h>

namespace omni {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottleTest, OneLinePerIntervalAndTheNextSaysHowManyWereHeldBack) {
  FakeClock clock;
  LogThrottle throttle(60s);
  EXPECT_EQ(throttle.Admit(clock.Now()), "");
  for (int i = 0; i < 3; ++i) {
    clock.Advance(10s);
    EXPECT_FALSE(throttle.Admit(clock.Now()).has_value()) << i;
  }
  clock.Advance(30s);  // 60 s after the first line
  EXPECT_EQ(throttle.Admit(clock.Now()), " (and 3 more like it since the last such line)");
  clock.Advance(59s);
  EXPECT_FALSE(throttle.Admit(clock.Now()).has_value());
  clock.Advance(1s);
  EXPECT_EQ(throttle.Admit(clock.Now()), " (and 1 more like it since the last such line)");
  clock.Advance(60s);
  EXPECT_EQ(throttle.Admit(clock.Now()), "") << "nothing held back since";
}

}  // namespace
}  // namespace omni
