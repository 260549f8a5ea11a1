// SourceRateLimit: a token bucket (base/token_bucket.h) per source address, so that one source,
// or one address an attacker spoofs, gets only its share of what the connector answers and
// opens. Its memory is bounded: an address whose bucket would be full again is forgotten (a new
// bucket starts full, the same thing), and while max_sources addresses are remembered a request
// from a new one is refused. Time comes from the caller (tests pass their own). Used by the
// connector's thread alone.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "base/clock.h"
#include "base/token_bucket.h"

namespace omni::connectors::sip {

class SourceRateLimit {
 public:
  // `per_second` > 0 requests a second from each address, `burst` >= 1 at once.
  SourceRateLimit(double per_second, double burst, size_t max_sources = 4096);

  // Whether a request from `address` (an IPv4 address, any byte order) may go on; it takes one
  // token when it does.
  bool Admit(uint32_t address, TimePoint now);
  size_t remembered() const { return sources_.size(); }

 private:
  struct Source {
    Source(double per_second, double burst) : bucket(per_second, burst) {}
    TokenBucket bucket;
    TimePoint last_request;
  };
  // Forgets the addresses whose bucket is full again; at most once a second, so a flood from new
  // addresses does not make every request walk the table.
  void ForgetRefilled(TimePoint now);

  const double per_second_;
  const double burst_;
  const size_t max_sources_;
  const Duration refill_;  // an unused bucket is full again after this
  std::map<uint32_t, Source> sources_;
  std::optional<TimePoint> last_forget_;
};

}  // namespace omni::connectors::sip
