// libFuzzer target: the Twilio voice form parser, signature check and TwiML escaping on arbitrary
// bytes. A form always parses; a rejection says why; an accepted call keeps the event promises
// (fuzz_checks.h) and its thread is the CallSid; a made-up signature never verifies; escaped
// bytes never carry markup, so the TwiML of an accepted call has exactly one <Response>.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connectors/twilio_voice/twilio_voice_parser.h"
#include "connectors/twilio_voice/twiml.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace omni::connectors::twilio_voice;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  omni::fuzz::Require(XmlEscape(bytes).find_first_of("<>\"'") == std::string::npos);
  const FormFields fields = ParseForm(bytes);
  omni::fuzz::Require(!VerifyTwilioSignature("token", "https://example.com/voice", fields, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=").ok());
  auto call = CallFromForm(fields, omni::TimePoint{});
  if (!call.ok()) {
    omni::fuzz::Require(!call.status().message().empty());
    return 0;
  }
  omni::fuzz::CheckEvent(*call);
  omni::fuzz::Require(!call->thread_key().empty());
  const std::string twiml = TwimlFor(
      {CallReport(*call, "answered", std::chrono::milliseconds(1), call->sender().handle())}, true,
      TwimlSettings{.wait_url = call->thread_key(), .dial_action_url = call->sender().handle()});
  omni::fuzz::Require(twiml.find("<Response") == twiml.rfind("<Response"));
  return 0;
}
