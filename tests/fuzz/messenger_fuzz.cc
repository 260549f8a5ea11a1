// libFuzzer entry point for the Messenger Platform webhook parser, as Messenger ("page") and as
// Instagram ("instagram") read it: any bytes must give events or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/clock.h"
#include "connectors/instagram/instagram_parser.h"
#include "connectors/messenger/messenger_parser.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  omni::fuzz::CheckParsed(omni::connectors::messenger::ParseWebhook(body, omni::TimePoint{}));
  omni::fuzz::CheckParsed(omni::connectors::instagram::ParseWebhook(body, omni::TimePoint{}));
  return 0;
}
