// libFuzzer target: the SIP request parser on arbitrary bytes, and the CALL event of every INVITE
// it accepts (an id, provider, direction, kind and sender handle, even for an anonymous caller).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connectors/sip/sip_parser.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto request = omni::connectors::sip::ParseSipRequest(bytes);
  if (!request.ok()) {
    omni::fuzz::Require(!request.status().message().empty());
    return 0;
  }
  omni::fuzz::Require(!request->call_id.empty() && !request->method.empty());
  if (request->method == "INVITE") omni::fuzz::CheckEvent(omni::connectors::sip::CallEvent(*request, omni::TimePoint{}));
  return 0;
}
