// The provider_metadata keys the broker and phone connectors agree on for CALL events (the
// connectors write the same strings; docs in connectors/sip/README.md): the broker's redirect to
// an agent, and a connector's report of how a call ended.
#pragma once

#include <string_view>

#include "omnibroker/v1/event.pb.h"

namespace omni::core {

// Outbound CALL: where the waiting caller is sent (the assigned agent's voice_contact).
inline constexpr std::string_view kRedirectToKey = "call.redirect_to";
// Inbound CALL report: "answered" (put through), "abandoned", "overflowed" (both end the
// conversation) or "completed" (the agent's side ended; kept as history, the conversation goes on
// to wrap-up as usual). Reports also carry call.wait_ms (how long the caller waited) and, on
// "completed", call.talk_ms (how long they talked with the agent); the broker keeps them in the
// stored event as they are, so the history is the call record.
inline constexpr std::string_view kCallOutcomeKey = "call.outcome";

// The reported outcome of a CALL event, or "" when the event is a new call (not a report).
std::string_view CallOutcome(const omnibroker::v1::Event& event);
// A report that the caller is gone before an agent took the call: its conversation ends.
bool EndsCall(const omnibroker::v1::Event& event);
// A report that the caller was put through to the agent's phone: the call's answer.
bool PutThrough(const omnibroker::v1::Event& event);

}  // namespace omni::core
