// libFuzzer target: the web chat visitor message and registration parsers on arbitrary bytes.
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
  // A profile is kept for weeks: one accepted is within its bounds; a refusal says why.
  auto profile = omni::connectors::webchat::ParseRegistration(body);
  if (profile.ok()) {
    omni::fuzz::Require(profile->display_name.size() <= omni::connectors::webchat::kMaxNameBytes);
    omni::fuzz::Require(profile->email.size() <= omni::connectors::webchat::kMaxEmailBytes);
  } else {
    omni::fuzz::Require(!profile.status().message().empty());
  }
  return 0;
}
