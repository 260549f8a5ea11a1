// LogThrottle: at most one log line per `every` for something a peer can repeat at will (a
// connector with a wrong key reconnecting in a loop, a scan of the ingest port), so the log stays
// readable and cannot be flooded; the line that passes says how many were held back. The counts
// are in the metrics either way. Time comes from the caller (tests use a fake clock). Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "base/clock.h"

namespace omni {

class LogThrottle {
 public:
  explicit LogThrottle(Duration every) : every_(every) {}

  // The suffix for a line that may be logged now ("" or " (and 12 more like it since)"), or
  // nullopt when this one is held back.
  std::optional<std::string> Admit(TimePoint now);

 private:
  const Duration every_;
  std::mutex mu_;
  std::optional<TimePoint> last_;
  int64_t held_back_ = 0;
};

}  // namespace omni
