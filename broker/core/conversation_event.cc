#include "broker/core/conversation_event.h"

#include "base/time_util.h"

namespace omni::core {

omnibroker::v1::Event NextEventOf(const omnibroker::v1::Conversation& conversation, std::string id,
                                  omnibroker::v1::Direction direction,
                                  omnibroker::v1::EventKind kind, TimePoint at) {
  omnibroker::v1::Event event;
  event.set_id(std::move(id));
  event.set_tenant(conversation.tenant());
  event.set_channel(conversation.channel());
  event.set_provider(conversation.provider());
  event.set_direction(direction);
  event.set_kind(kind);
  if (direction == omnibroker::v1::DIRECTION_OUTBOUND) {
    *event.mutable_recipient() = conversation.customer_identity();
  }
  event.set_thread_key(conversation.thread_key());
  *event.mutable_occurred_at() = ToProto(at);
  *event.mutable_received_at() = event.occurred_at();
  event.set_conversation_id(conversation.id());
  event.set_sequence(conversation.last_sequence() + 1);
  event.set_customer_id(conversation.customer_id());
  return event;
}

}  // namespace omni::core
