// Which closed conversations go to review: a share of each agent's, picked by the conversation's
// id (so a restart, or a second look, picks the same ones), and always those the sampling rules
// name (a missed deadline, a transfer, a very long or very short handle, a disposition). Pure:
// the conversation as stored at its close in, the reasons out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "broker/quality/quality_policy.h"
#include "omnibroker/v1/conversation.pb.h"

namespace omni::quality {

// Whether the conversation `conversation_id` falls in the share (0 to 1): the same answer for the
// same id and share, every time, on every broker.
bool InShare(std::string_view conversation_id, double share);

// How long `agent_id` held the closed conversation: their assignments' time from accept to end.
Duration HandleTime(const omnibroker::v1::Conversation& closed, const std::string& agent_id);

// Why the closed conversation goes to review for `agent_id` (who closed it): "share",
// "breached first_response", "transferred", "long handle", "short handle",
// "disposition complaint"; none = it does not.
std::vector<std::string> SampleReasons(const Sampling& sampling, const omnibroker::v1::Conversation& closed,
                                       const std::string& agent_id);

}  // namespace omni::quality
