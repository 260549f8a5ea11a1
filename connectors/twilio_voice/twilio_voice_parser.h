// Twilio Programmable Voice webhooks, pure: a form POST (application/x-www-form-urlencoded)
// signed with X-Twilio-Signature (base64 HMAC-SHA1 under the auth token over the public URL
// followed by every POST parameter sorted by name, name then value) becomes the VOICE CALL event
// of its CallSid, or — a status callback of a call that ended before an agent took it — the
// abandoned report, or — the <Dial action> callback once the agent's leg ended — the completed
// report with the talk duration. No I/O, so it is tested on tests/corpus/twilio_voice and
// fuzzed.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "connectors/sdk/connector.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::twilio_voice {

inline constexpr std::string_view kProvider = "twilio_voice";
inline constexpr std::string_view kSignatureHeader = "X-Twilio-Signature";

using FormFields = std::vector<std::pair<std::string, std::string>>;

// The fields of a urlencoded body in order ('+' is a space, %XX a byte, a bad escape kept as is).
FormFields ParseForm(std::string_view body);

// The signature check over `public_url` (the URL Twilio called, query included: behind a proxy
// it differs from what the server sees) and `fields`; UNAUTHENTICATED naming the header.
absl::Status VerifyTwilioSignature(std::string_view auth_token, std::string_view public_url,
                                   const FormFields& fields, std::string_view signature);

// The event a call webhook's fields carry: INVALID_ARGUMENT naming the field when CallSid or
// From is missing (a messaging webhook has neither) or a duration is not whole seconds.
//  - DialCallStatus present (the <Dial action> request) → the CALL report with call.outcome
//    "completed", twilio.dial_call_status and call.talk_ms from DialCallDuration (0 without);
//  - CallStatus completed, no-answer, canceled, busy or failed → the CALL report with call.outcome
//    "abandoned" and call.wait_ms from CallDuration when given;
//  - any other CallStatus (or none) → the call.
absl::StatusOr<omnibroker::v1::Event> CallFromForm(const FormFields& fields, TimePoint now);

// The connector's own report on `call` (the event CallFromForm made of the call): outcome
// "answered" (put through to `redirect_to`) or "overflowed", with call.wait_ms = `waited`; id
// `<call id>:<outcome>`, so a repeated report is the same event.
omnibroker::v1::Event CallReport(const omnibroker::v1::Event& call, std::string_view outcome,
                                 std::chrono::milliseconds waited,
                                 std::string_view redirect_to = "");

// The connector's inbound path: signature over public_base_url + the request's path, then the
// parse.
absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeTwilioVoice(
    std::string_view auth_token, std::string_view public_base_url, const InboundRequest& request,
    TimePoint now);

}  // namespace omni::connectors::twilio_voice
