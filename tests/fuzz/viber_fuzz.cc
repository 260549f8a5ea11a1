// libFuzzer entry for the Viber callback parser: any bytes must give events or a clean error,
// never a crash, hang or sanitizer report (tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/clock.h"
#include "connectors/viber/viber_parser.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  omni::fuzz::CheckParsed(omni::connectors::viber::ParseCallback(body, omni::TimePoint{}));
  return 0;
}
