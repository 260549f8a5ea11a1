#include "connectors/sip/source_rate_limit.h"

#include <chrono>

namespace omni::connectors::sip {

SourceRateLimit::SourceRateLimit(double per_second, double burst, size_t max_sources)
    : per_second_(per_second),
      burst_(burst),
      max_sources_(max_sources),
      refill_(
          std::chrono::duration_cast<Duration>(std::chrono::duration<double>(burst / per_second))) {
}

bool SourceRateLimit::Admit(uint32_t address, TimePoint now) {
  auto it = sources_.find(address);
  if (it == sources_.end()) {
    if (sources_.size() >= max_sources_) ForgetRefilled(now);
    if (sources_.size() >= max_sources_) return false;
    it = sources_.try_emplace(address, per_second_, burst_).first;
  }
  it->second.last_request = now;
  return !it->second.bucket.TryTake(now).has_value();
}

void SourceRateLimit::ForgetRefilled(TimePoint now) {
  if (last_forget_ && now - *last_forget_ < std::chrono::seconds(1)) return;
  last_forget_ = now;
  std::erase_if(sources_,
                [&](const auto& entry) { return now - entry.second.last_request >= refill_; });
}

}  // namespace omni::connectors::sip
