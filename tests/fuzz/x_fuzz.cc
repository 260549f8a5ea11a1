// libFuzzer target: the X parser (Account Activity webhook bodies, API v2 pages) on arbitrary
// bytes, with and without a known account id.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connectors/x/x_parser.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  omni::fuzz::CheckParsed(omni::connectors::x::ParseBody(body, "", omni::TimePoint{}));
  omni::fuzz::CheckParsed(omni::connectors::x::ParseBody(body, "1", omni::TimePoint{}));
  return 0;
}
