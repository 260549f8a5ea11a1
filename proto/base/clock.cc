#include "base/clock.h"

namespace omni {

TimePoint SystemClock::Now() const { return std::chrono::system_clock::now(); }

SystemClock& SystemClock::Get() {
  static SystemClock clock;
  return clock;
}

FakeClock::FakeClock(TimePoint start) : ticks_(start.time_since_epoch().count()) {}

TimePoint FakeClock::Now() const { return TimePoint(Duration(ticks_.load())); }

void FakeClock::Advance(Duration d) { ticks_.fetch_add(d.count()); }

}  // namespace omni
