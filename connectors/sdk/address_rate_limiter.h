// AddressRateLimiter: a token bucket per remote address, for the requests to a webhook that prove
// nothing about who sent them (handshakes such as X's CRC or Meta's hub.challenge, and POSTs whose
// signature or secret is wrong). A sender flooding junk spends its own address's budget and
// never the provider's, whose authenticated requests have a limit of their own.
//
// Memory stays bounded whatever addresses a flood comes from: an address idle long enough for
// its bucket to be full again is forgotten (a new bucket starts full, so nothing is lost), and
// beyond `max_addresses` the least recently seen goes first.
//
// Threads: any (an HTTP server's pool shares one); a mutex guards the map.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"
#include "base/token_bucket.h"

namespace omni::connectors {

class AddressRateLimiter {
 public:
  // `per_second` > 0, `burst` >= 1, `max_addresses` >= 1.
  AddressRateLimiter(double per_second, double burst, size_t max_addresses = 10000);

  // nullopt when `address` has a token left (none is taken); else how long until it has one.
  std::optional<Duration> Wait(std::string_view address, TimePoint now);
  // Takes a token from `address`: nullopt when there was one, else how long until the next.
  std::optional<Duration> TryTake(std::string_view address, TimePoint now);

  // Addresses remembered now (for tests of the bound).
  size_t size() const;

 private:
  struct Entry {
    std::unique_ptr<TokenBucket> bucket;
    TimePoint last_seen;
  };
  // The bucket of `address`, made (and the map trimmed) when new; mu_ held.
  TokenBucket& BucketFor(std::string_view address, TimePoint now);
  void Trim(TimePoint now);

  const double per_second_;
  const double burst_;
  const size_t max_addresses_;
  const Duration refill_time_;  // how long an empty bucket takes to be full again
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace omni::connectors
