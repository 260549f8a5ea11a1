// libFuzzer target: the Twilio voice form parser and signature check on arbitrary bytes. A form
// always parses; a rejection says why; an accepted call keeps the event promises (fuzz_checks.h)
// and its thread is the CallSid; a made-up signature never verifies.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connectors/twilio_voice/twilio_voice_parser.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace omni::connectors::twilio_voice;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const FormFields fields = ParseForm(bytes);
  omni::fuzz::Require(!VerifyTwilioSignature("token", "https://example.com/voice", fields, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=").ok());
  auto call = CallFromForm(fields, omni::TimePoint{});
  if (!call.ok()) {
    omni::fuzz::Require(!call.status().message().empty());
    return 0;
  }
  omni::fuzz::CheckEvent(*call);
  omni::fuzz::Require(!call->thread_key().empty());
  return 0;
}
