// libFuzzer target: the email parser (GMime 3) on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connectors/email/email_parser.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  omni::fuzz::CheckParsed(omni::connectors::email::ParseMail(raw, omni::TimePoint{}));
  return 0;
}
