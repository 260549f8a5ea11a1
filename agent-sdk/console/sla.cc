// Which deadline a conversation runs against now.
#include "sla.h"

#include "base/time_util.h"

namespace omni::console {

std::optional<SlaDeadline> NextDeadline(const omnibroker::v1::Conversation& conversation,
                                        const omnibroker::v1::ServiceTargets& targets) {
  if (!conversation.has_first_response_at() && conversation.has_queued_at() &&
      targets.has_first_response()) {
    return SlaDeadline{"first response",
                       FromProto(conversation.queued_at()) + FromProto(targets.first_response())};
  }
  if (conversation.has_awaiting_reply_since() && targets.has_next_response()) {
    return SlaDeadline{"next response", FromProto(conversation.awaiting_reply_since()) +
                                            FromProto(targets.next_response())};
  }
  return std::nullopt;
}

}  // namespace omni::console
