// libFuzzer target: the CURVE allow-list file (ParseCurveKeyList) on arbitrary bytes. Promises:
// every key it returns is a valid Z85 CURVE key, no more keys than lines; a refusal names the
// list and the line.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/strings/match.h"
#include "base/curve_keys.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto keys = omni::ParseCurveKeyList("keys", input);
  if (!keys.ok()) {
    omni::fuzz::Require(absl::StartsWith(keys.status().message(), "keys line "));
    return 0;
  }
  omni::fuzz::Require(keys->size() <=
                      static_cast<size_t>(std::count(input.begin(), input.end(), '\n')) + 1);
  for (const auto& key : *keys) omni::fuzz::Require(omni::CheckCurveKey("key", key).ok());
  return 0;
}
