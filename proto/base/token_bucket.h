// TokenBucket: one rate limit (a connector's inbound requests, an agent's calls). It holds up to
// `burst` tokens, refilled at `per_second`; each request takes one. A request that finds none is
// told how long until one is there (a webhook's Retry-After, an agent's "retry in"). Time comes
// from the caller, so tests use a fake clock. Thread-safe (an HTTP server's pool shares one).
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "base/clock.h"

namespace omni {

class TokenBucket {
 public:
  // `per_second` > 0, `burst` >= 1. The bucket starts full.
  TokenBucket(double per_second, double burst);

  // nullopt when a token was taken; else how long until the next one.
  std::optional<Duration> TryTake(TimePoint now);
  // As TryTake, but takes nothing: a caller that only learns later whether the request counts
  // (a webhook, once its signature is checked) asks first and takes afterwards.
  std::optional<Duration> Wait(TimePoint now);

 private:
  // Adds the tokens earned since the last call; mu_ held.
  void Refill(TimePoint now);
  // How long until a whole token is there; mu_ held, tokens_ < 1.
  Duration TimeToNextToken() const;

  const double per_second_;
  const double burst_;
  std::mutex mu_;
  double tokens_;
  std::optional<TimePoint> last_;
};

}  // namespace omni
