// RegistrationLimiter: how often new visitors may register (POST /v1/visitors), with a token
// bucket per client address and one for all. Registration needs no credentials and each one
// leaves a profile behind for weeks, so a script could otherwise mint visitors without end. The
// address is the TCP peer's: behind a reverse proxy every visitor shares the proxy's, so size
// the per-address bucket for it (or turn it off) there. Time comes from the caller (tests use a
// fake clock). Thread-safe: HTTP handler threads share it.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "base/token_bucket.h"

namespace omni::connectors::webchat {

struct RegistrationRates {
  // Registrations per minute and how many may come at once; 0 per minute = no limit.
  int64_t per_address_per_minute = 10;
  int64_t per_address_burst = 20;
  int64_t total_per_minute = 600;
  int64_t total_burst = 100;
};

class RegistrationLimiter {
 public:
  // Addresses tracked at once at most: beyond, a new address is refused until buckets refill
  // (a flood from ever new addresses cannot grow the map without end).
  static constexpr size_t kMaxTrackedAddresses = 65536;

  struct Refusal {
    Duration retry_after;
    std::string reason;  // which limit, for the visitor's 429
  };

  explicit RegistrationLimiter(RegistrationRates rates);

  // nullopt when `address` may register now (a token is taken); else which limit refuses and
  // how long until it would not. An address over its own limit takes nothing from the total.
  std::optional<Refusal> TryTake(const std::string& address, TimePoint now);
  // Addresses with a bucket of their own (the rest behave as full buckets).
  size_t tracked_addresses();

 private:
  struct AddressBucket {
    std::unique_ptr<TokenBucket> bucket;
    TimePoint last_used;
  };
  // Forgets buckets idle long enough to be full again: they behave as new ones.
  void ForgetRefilled(TimePoint now);

  const RegistrationRates rates_;
  const Duration refill_time_;          // an empty per-address bucket's time to fill up
  std::unique_ptr<TokenBucket> total_;  // null = no limit
  std::mutex mu_;
  std::unordered_map<std::string, AddressBucket> by_address_;
  size_t sweep_at_size_ = 1024;
  TimePoint last_sweep_;
};

}  // namespace omni::connectors::webchat
