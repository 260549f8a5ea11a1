// libFuzzer entry for the X parser: any bytes, as a webhook body or an API v2 page, must yield
// events or an error, never a crash. Built by the lead's clang/libFuzzer setup.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/clock.h"
#include "connectors/x/x_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const omni::TimePoint now{};
  (void)omni::connectors::x::ParseBody(body, "", now);
  (void)omni::connectors::x::ParseBody(body, "1", now);
  return 0;
}
