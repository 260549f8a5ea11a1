#include "base/log_throttle.h"

#include "absl/strings/str_cat.h"

namespace omni {

std::optional<std::string> LogThrottle::Admit(TimePoint now) {
  std::lock_guard lock(mu_);
  if (last_ && now < *last_ + every_) {
    ++held_back_;
    return std::nullopt;
  }
  last_ = now;
  const int64_t held = std::exchange(held_back_, 0);
  return held == 0 ? std::string() : absl::StrCat(" (and ", held, " more like it since the last such line)");
}

}  // namespace omni
