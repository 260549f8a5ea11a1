// libFuzzer entry point for the WhatsApp Cloud API webhook parser: any bytes must give events or
// an error, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/clock.h"
#include "connectors/whatsapp/whatsapp_parser.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  omni::fuzz::CheckParsed(omni::connectors::whatsapp::ParseWebhook(body, omni::TimePoint{}));
  return 0;
}
