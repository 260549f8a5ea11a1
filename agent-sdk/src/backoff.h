// Backoff: the waits between reconnect attempts of the agent SDK, growing and jittered as its
// ReconnectPolicy says. Not thread-safe; the connection thread owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "omni/agent/options.h"

namespace omni::agent {

class Backoff {
 public:
  Backoff(const ReconnectPolicy& policy, uint64_t seed) : policy_(policy), rng_(seed) {}

  // The wait before the next attempt; each call grows the next one.
  std::chrono::milliseconds Next();
  // After a success: the next wait is the initial one again.
  void Reset() { attempts_ = 0; }

 private:
  const ReconnectPolicy policy_;
  std::mt19937_64 rng_;
  int attempts_ = 0;
};

}  // namespace omni::agent
