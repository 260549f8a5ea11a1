// libFuzzer target: the SIP request parser on arbitrary bytes, the CALL event of every INVITE it
// accepts (an id, provider, direction, kind and sender handle, even for an anonymous caller) and
// the response written to it (a status line, ended by the blank line). The TCP stream framer has
// its own target (sip_stream_fuzz.cc).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connectors/sip/sip_parser.h"
#include "connectors/sip/sip_response.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto request = omni::connectors::sip::ParseSipRequest(bytes);
  if (!request.ok()) {
    omni::fuzz::Require(!request.status().message().empty());
    return 0;
  }
  omni::fuzz::Require(!request->call_id.empty() && !request->method.empty());
  const std::string response = omni::connectors::sip::Response(*request, 487, "t1");
  omni::fuzz::Require(response.starts_with("SIP/2.0 487 ") && response.ends_with("\r\n\r\n"));
  if (request->method == "INVITE") omni::fuzz::CheckEvent(omni::connectors::sip::CallEvent(*request, omni::TimePoint{}));
  return 0;
}
