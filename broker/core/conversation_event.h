// An event the broker itself adds to a conversation (an agent's reply, a call's redirect, a
// handoff or overflow note, an after-hours reply): its place in the conversation (tenant, channel,
// provider, thread, the next sequence, the customer; outbound to the customer's identity) filled
// the one way, so the callers only say what it is.
#pragma once

#include <string>

#include "base/clock.h"
#include "omnibroker/v1/conversation.pb.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::core {

// The conversation's next event (sequence last_sequence() + 1), occurred and received at `at`.
// The caller adds its content and stores it, with the conversation's last_sequence moved on.
omnibroker::v1::Event NextEventOf(const omnibroker::v1::Conversation& conversation, std::string id,
                                  omnibroker::v1::Direction direction,
                                  omnibroker::v1::EventKind kind, TimePoint at);

}  // namespace omni::core
