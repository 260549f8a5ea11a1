// libFuzzer target: the Telegram Update parser on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connectors/telegram/telegram_parser.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  omni::fuzz::CheckParsed(omni::connectors::telegram::ParseUpdate(body, omni::TimePoint{}));
  return 0;
}
