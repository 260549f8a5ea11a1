#include "base/ids.h"

#include <cstdint>
#include <random>

#include "absl/strings/str_format.h"

namespace omni {

std::string NewId(std::string_view prefix) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t hi = rng();
  const uint64_t lo = rng();
  return absl::StrFormat("%s%016x%016x", prefix, hi, lo);
}

}  // namespace omni
