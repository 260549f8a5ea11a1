// libFuzzer entry for the VK parsers: any bytes, read as a Callback API body and as a Long Poll
// response, must give events or a clean error, never a crash, hang or sanitizer report. Built by
// the lead's clang/libFuzzer configuration.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/clock.h"
#include "connectors/vk/vk_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace vk = omni::connectors::vk;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto envelope = vk::ReadEnvelope(body);
  auto callback = vk::ParseCallback(body, /*group_id=*/0, omni::TimePoint{});
  auto configured = vk::ParseCallback(body, /*group_id=*/7, omni::TimePoint{});
  auto longpoll = vk::ParseLongPoll(body, /*group_id=*/0, omni::TimePoint{});
  (void)envelope;
  (void)callback;
  (void)configured;
  (void)longpoll;
  return 0;
}
