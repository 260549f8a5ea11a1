// BrokerCore: applying routing decisions (offers made, offers withdrawn).
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/store/keys.h"

namespace omni::core {

using omnibroker::v1::AgentUpdate;
using store::Family;

void BrokerCore::Route() {
  for (const auto& offer : routing_.Dispatch(clock_.Now())) SendOffer(offer);
}

void BrokerCore::SendOffer(const routing::Offer& offer) {
  auto it = open_.find(offer.conversation_id);
  if (it == open_.end()) return;
  auto& conversation = it->second;
  // Offered is a reservation held in memory; the store keeps the conversation as waiting.
  conversation.set_state(omnibroker::v1::CONVERSATION_STATE_OFFERED);

  AgentUpdate update;
  auto* out = update.mutable_offer();
  out->set_offer_id(offer.offer_id);
  *out->mutable_conversation() = conversation;
  *out->mutable_expires_at() = ToProto(offer.expires_at);
  if (auto s = store_.Get(Family::kCustomers, conversation.customer_id(), *out->mutable_customer()); !s.ok()) {
    LogWarning("routing", absl::StrCat("offer without customer card: ", s.status().ToString()));
  }
  if (auto s = store_.Get(Family::kEvents, store::EventKey(conversation.id(), conversation.last_sequence()),
                          *out->mutable_last_event());
      !s.ok()) {
    LogWarning("routing", absl::StrCat("offer without last event: ", s.status().ToString()));
  }
  SendToAgent(offer.agent_id, std::move(update));
}

void BrokerCore::RevokeOffer(const routing::Offer& offer, const std::string& reason) {
  if (auto it = open_.find(offer.conversation_id); it != open_.end()) {
    it->second.set_state(omnibroker::v1::CONVERSATION_STATE_QUEUED);
  }
  AgentUpdate update;
  update.mutable_offer_revoked()->set_offer_id(offer.offer_id);
  update.mutable_offer_revoked()->set_conversation_id(offer.conversation_id);
  update.mutable_offer_revoked()->set_reason(reason);
  SendToAgent(offer.agent_id, std::move(update));
}

routing::WorkItem BrokerCore::WorkItemFor(const omnibroker::v1::Conversation& conversation) const {
  const auto& req = conversation.requirements();
  return routing::WorkItem{
      .conversation_id = conversation.id(),
      .channel = conversation.channel(),
      .skills = {req.skills().begin(), req.skills().end()},
      .language = req.language(),
      .priority = req.priority(),
      .queued_at = FromProto(conversation.queued_at()),
  };
}

}  // namespace omni::core
