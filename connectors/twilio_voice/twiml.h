// TwiML, the XML a Twilio voice webhook is answered with, written from the events the connector
// made of the request (and the broker acked): a waiting caller hears a hold message, a pause and
// is redirected to the wait URL (Twilio polls it); a call put through is <Dial>ed to the agent's
// contact with the Dial action URL that reports the talk duration; an overflowed caller hears
// the overflow message and is hung up. Pure, so every answer is tested without HTTP.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::twilio_voice {

inline constexpr std::string_view kTwimlContentType = "text/xml";

struct TwimlSettings {
  std::string wait_url;          // the public URL Twilio polls while the caller waits
  std::string dial_action_url;   // the public URL of the <Dial action> callback
  int pause_seconds = 5;         // between two polls
  std::string hold_message;      // said once, on the call's first answer (none when empty)
  std::string overflow_message;  // said before hanging up on an overflowed caller
};

// `text` safe inside an XML element or a quoted attribute: & < > " ' escaped, and the control
// characters XML 1.0 cannot carry dropped.
std::string XmlEscape(std::string_view text);

// The answer by the last event's call.outcome: "answered" → <Dial> to its call.redirect_to
// (<Number> for a tel: contact, else <Sip>); "overflowed" → <Say> + <Hangup/>; "completed" →
// <Hangup/>; none (the call itself) → wait: <Say> when `first_answer`, <Pause>, <Redirect>;
// "abandoned" or no event (a status callback) → an empty <Response/>.
std::string TwimlFor(const std::vector<omnibroker::v1::Event>& events, bool first_answer,
                     const TwimlSettings& settings);

}  // namespace omni::connectors::twilio_voice
