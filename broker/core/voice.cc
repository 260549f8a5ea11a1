// BrokerCore: phone calls. A VOICE conversation is a caller waiting on the line, so accepting it
// must tell the phone connector where to send the call (an outbound CALL event carrying the
// agent's voice contact, through the same outbox as replies), and the connector's report that the
// caller hung up or waited too long ends the conversation: nobody waits any more.
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/core/conversation_event.h"
#include "broker/store/keys.h"

namespace omni::core {

using omnibroker::v1::Conversation;
using omnibroker::v1::Event;
using store::Family;

std::string_view CallOutcome(const Event& event) {
  if (event.kind() != omnibroker::v1::EVENT_KIND_CALL) return "";
  auto it = event.provider_metadata().find(std::string(kCallOutcomeKey));
  return it == event.provider_metadata().end() ? std::string_view() : std::string_view(it->second);
}

bool EndsCall(const Event& event) {
  const std::string_view outcome = CallOutcome(event);
  return outcome == "abandoned" || outcome == "overflowed";
}

bool PutThrough(const Event& event) { return CallOutcome(event) == "answered"; }

absl::StatusOr<std::optional<BrokerCore::PendingDelivery>> BrokerCore::PutCallRedirect(
    Conversation& conversation, const Tenant& tenant, const std::string& agent_id,
    rocksdb::WriteBatch& batch) {
  if (conversation.channel() != omnibroker::v1::CHANNEL_VOICE) return std::nullopt;
  auto agent = tenant.agents.find(agent_id);
  const std::string contact = agent == tenant.agents.end() ? "" : agent->second.voice_contact();
  if (contact.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("agent '", agent_id, "' has no voice_contact, so cannot take a call"));
  }
  // One redirect per assignment: a resend of the same delivery is the same event.
  Event event = NextEventOf(
      conversation, absl::StrCat("redirect:", conversation.id(), ":", conversation.assignments_size()),
      omnibroker::v1::DIRECTION_OUTBOUND, omnibroker::v1::EVENT_KIND_CALL, clock_.Now());
  event.mutable_content()->set_text(absl::StrCat("Call put through to ", agent_id));
  (*event.mutable_provider_metadata())[std::string(kRedirectToKey)] = contact;
  conversation.set_last_sequence(event.sequence());
  event.set_agent_id(agent_id);

  PendingDelivery pending;
  pending.delivery.set_delivery_id(event.id());
  *pending.delivery.mutable_event() = event;
  PutEvent(batch, event);
  store_.Put(batch, Family::kOutbox, event.id(), pending.delivery);
  return pending;
}

void BrokerCore::StartDelivery(PendingDelivery pending) {
  auto& slot = deliveries_[pending.delivery.delivery_id()];
  slot = std::move(pending);
  SendDelivery(slot);
}

void BrokerCore::CloseEndedCall(Conversation& conversation, std::string_view outcome) {
  conversation.set_state(omnibroker::v1::CONVERSATION_STATE_CLOSED);
  conversation.set_disposition(absl::StrCat("call_", std::string(outcome)));
  conversation.clear_awaiting_reply_since();
  if (conversation.assignments_size() > 0) {
    auto* last = conversation.mutable_assignments(conversation.assignments_size() - 1);
    if (!last->has_ended_at()) {
      *last->mutable_ended_at() = conversation.updated_at();
      last->set_end_reason(absl::StrCat("call_", std::string(outcome)));
    }
  }
}

void BrokerCore::EndInRouting(const std::string& conversation_id, const std::string& reason) {
  auto it = open_.find(conversation_id);
  if (it == open_.end()) return;
  const std::string agent = it->second.assigned_agent_id();
  Tenant* t = TenantOf(it->second);
  open_.erase(it);
  if (t == nullptr) return;  // its tenant is not served: it was never routed
  t->routing.Close(conversation_id, clock_.Now());      // an outstanding offer is withdrawn
  t->routing.EndWrapUp(conversation_id, clock_.Now());  // nothing to wrap up: it is gone
  t->floor_stats.HandlingEnded(conversation_id, false, clock_.Now());
  if (!agent.empty()) {
    omnibroker::v1::AgentUpdate update;
    update.mutable_closed()->set_conversation_id(conversation_id);
    update.mutable_closed()->set_reason(reason);
    SendToAgent(*t, agent, std::move(update));
  }
  LogInfo("core", absl::StrCat("conversation ended: ", reason), conversation_id);
}

}  // namespace omni::core
