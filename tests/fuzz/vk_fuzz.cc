// libFuzzer entry for the VK parsers: any bytes, read as a Callback API body and as a Long Poll
// response, must give events or a clean error, never a crash, hang or sanitizer report
// (tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/clock.h"
#include "connectors/vk/vk_parser.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace vk = omni::connectors::vk;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)vk::ReadEnvelope(body);
  omni::fuzz::CheckParsed(vk::ParseCallback(body, /*group_id=*/0, omni::TimePoint{}));
  omni::fuzz::CheckParsed(vk::ParseCallback(body, /*group_id=*/7, omni::TimePoint{}));
  omni::fuzz::CheckParsed(vk::ParseLongPoll(body, /*group_id=*/0, omni::TimePoint{}));
  return 0;
}
