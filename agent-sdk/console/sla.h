// Service-level deadlines as the console counts them down, from the targets the broker sends with
// each conversation it hands the agent (ServiceTargets: its routing policy for the conversation's
// tier). A conversation's next deadline: the first response from when it was queued until an
// agent answers, then the next response from the oldest unanswered customer message.
#pragma once

#include <optional>
#include <string>

#include "base/clock.h"
#include "omnibroker/v1/agent_console.pb.h"

namespace omni::console {

struct SlaDeadline {
  std::string kind;  // "first response", "next response"
  TimePoint due;
};

// The deadline running now, or none (answered, nothing waiting, or no targets from the broker).
std::optional<SlaDeadline> NextDeadline(const omnibroker::v1::Conversation& conversation,
                                        const omnibroker::v1::ServiceTargets& targets);

}  // namespace omni::console
