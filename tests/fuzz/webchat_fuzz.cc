// libFuzzer target: the web chat visitor message parser on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connectors/webchat/webchat_parser.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const omni::connectors::webchat::Visitor visitor{.id = "v-1", .display_name = "Ann"};
  omni::fuzz::CheckParsed(
      omni::connectors::webchat::ParseVisitorMessage(body, visitor, omni::TimePoint{}));
  return 0;
}
