// The provider_metadata keys the broker and phone connectors agree on for CALL events (the
// connectors write the same strings; docs in connectors/sip/README.md): the broker's redirect to
// an agent, and a connector's report of how a call ended.
#pragma once

#include <string_view>

#include "omnibroker/v1/event.pb.h"

namespace omni::core {

// Outbound CALL: where the waiting caller is sent (the assigned agent's voice_contact).
inline constexpr std::string_view kRedirectToKey = "call.redirect_to";
// Inbound CALL report: "answered", "abandoned", "overflowed" or "completed".
inline constexpr std::string_view kCallOutcomeKey = "call.outcome";

// The reported outcome of a CALL event, or "" when the event is a new call (not a report).
std::string_view CallOutcome(const omnibroker::v1::Event& event);
// A report that the caller is gone before an agent took the call: its conversation ends.
bool EndsCall(const omnibroker::v1::Event& event);

}  // namespace omni::core
