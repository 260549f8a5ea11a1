#include "base/ids.h"

#include <random>

namespace omni {

uint64_t RandomUint64() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

// By hand: ids are made on the routing path (every offer), where a format string's parsing
// showed up as a seventh of a decision's time.
std::array<char, 16> Hex64(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::array<char, 16> digits;
  for (int i = 15; i >= 0; --i, v >>= 4) digits[i] = kDigits[v & 0xf];
  return digits;
}

void AppendHex64(std::string& out, uint64_t v) {
  const auto digits = Hex64(v);
  out.append(digits.data(), digits.size());
}

std::string NewId(std::string_view prefix) {
  std::string id;
  id.reserve(prefix.size() + 32);
  id.append(prefix);
  AppendHex64(id, RandomUint64());
  AppendHex64(id, RandomUint64());
  return id;
}

}  // namespace omni
