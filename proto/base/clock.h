// Wall-clock time behind an interface, so timers (offer timeouts, resends) run on a fake clock in
// tests.
#pragma once

#include <atomic>
#include <chrono>

namespace omni {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::system_clock::duration;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The real wall clock.
class SystemClock : public Clock {
 public:
  TimePoint Now() const override;
  static SystemClock& Get();
};

// A clock that moves only when told. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint{} + std::chrono::hours(24 * 365 * 50));
  TimePoint Now() const override;
  void Advance(Duration d);

 private:
  std::atomic<TimePoint::rep> ticks_;
};

}  // namespace omni
