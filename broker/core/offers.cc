// BrokerCore: applying routing decisions (offers, withdrawals, reclaims, deadline breaches).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/routing/memo_proto.h"
#include "broker/store/keys.h"

namespace omni::core {

using omnibroker::v1::AgentUpdate;
using omnibroker::v1::Conversation;
using store::Family;

void BrokerCore::ApplyRoutingDecisions() {
  for (auto& [name, tenant] : tenants_) ApplyRoutingDecisions(*tenant);
}

void BrokerCore::ApplyRoutingDecisions(Tenant& t) {
  using Kind = routing::Decision::Kind;
  // Applying a decision may make more (an overflow routes the conversation in its new queue):
  // round by round, until there are none.
  while (true) {
    // Memos first: an offer an agent has seen must be the one a restart brings back, even when
    // the broker is killed right after sending it. The last round stores what handling changed.
    StoreRoutingMemos(t);
    const std::vector<routing::Decision> decisions = t.routing.TakeDecisions();
    if (decisions.empty()) break;
    for (const auto& d : decisions) {
      const routing::Offer offer{d.offer_id, d.conversation_id, d.agent_id, d.at};
      switch (d.kind) {
        case Kind::kOffer:
          metrics_.decision(ops::DecisionKind::kOffer).Add();
          SendOffer(t, offer);
          break;
        case Kind::kOfferWithdrawn:
          metrics_.decision(ops::DecisionKind::kOfferWithdrawn).Add();
          metrics_.withdrawal(d.reason).Add();
          RevokeOffer(t, offer, d.reason);
          break;
        case Kind::kReclaimed:
          metrics_.decision(ops::DecisionKind::kReclaimed).Add();
          Reclaimed(t, d);
          break;
        case Kind::kBreach:
          metrics_.decision(ops::DecisionKind::kBreach).Add();
          if (Counter* breaches = metrics_.breach(d.reason)) breaches->Add();
          Breached(t, d);
          break;
        case Kind::kWrapUpEnded:
          metrics_.decision(ops::DecisionKind::kWrapUpEnded).Add();
          t.floor_stats.HandlingEnded(d.conversation_id, true, d.at);
          LogInfo("routing", absl::StrCat("wrap-up by ", d.agent_id, " ended"), d.conversation_id);
          break;
        case Kind::kAfterHoursReply:
          metrics_.decision(ops::DecisionKind::kAfterHoursReply).Add();
          AfterHoursReply(t, d);
          break;
        case Kind::kOverflow:
          metrics_.decision(ops::DecisionKind::kOverflow).Add();
          Overflowed(t, d);
          break;
      }
    }
  }
}

void BrokerCore::StoreRoutingMemos(Tenant& t) {
  const auto changed = t.routing.TakeMemoChanges();
  if (changed.empty()) return;
  // Unsynced: the next group commit's sync carries it, and a memo lost in a power cut costs a
  // timer only (Recover trusts the conversation's own record over its memo).
  rocksdb::WriteBatch batch;
  for (const auto& id : changed) {
    if (auto memo = t.routing.MemoOf(id)) {
      store_.Put(batch, Family::kRouting, id, routing::MemoToProto(*memo));
    } else {
      store_.Delete(batch, Family::kRouting, id);
    }
  }
  if (auto s = store_.Write(batch); !s.ok()) LogError("routing", absl::StrCat("cannot store routing memos: ", s.ToString()));
}

void BrokerCore::Reclaimed(Tenant& t, const routing::Decision& decision) {
  auto it = open_.find(decision.conversation_id);
  if (it == open_.end()) return;
  Conversation& conversation = it->second;
  t.floor_stats.HandlingEnded(conversation.id(), false, decision.at);
  const auto now = ToProto(clock_.Now());
  // The conversation waits again (the engine may already have offered it to someone else).
  conversation.set_state(omnibroker::v1::CONVERSATION_STATE_QUEUED);
  conversation.clear_assigned_agent_id();
  *conversation.mutable_updated_at() = now;
  if (conversation.assignments_size() > 0) {
    auto* last = conversation.mutable_assignments(conversation.assignments_size() - 1);
    *last->mutable_ended_at() = now;
    last->set_end_reason(decision.reason);
  }
  rocksdb::WriteBatch batch;
  store_.Put(batch, Family::kConversations, conversation.id(), conversation);
  const std::string reason = absl::StrCat("reclaimed: ", decision.reason);
  auto committed = CommitThen(batch, [this, &t, decision, reason] {
    AgentUpdate update;
    update.mutable_closed()->set_conversation_id(decision.conversation_id);
    update.mutable_closed()->set_reason(reason);
    SendToAgent(t, decision.agent_id, std::move(update));
  });
  if (!committed.ok()) {
    LogError("routing", absl::StrCat("cannot store reclaim: ", committed.ToString()),
             decision.conversation_id);
  }
  LogInfo(
      "routing",
      absl::StrCat("conversation taken back from ", decision.agent_id, " (", decision.reason, ")"),
      decision.conversation_id);
}

void BrokerCore::Breached(Tenant& t, const routing::Decision& decision) {
  auto it = open_.find(decision.conversation_id);
  if (it == open_.end()) return;
  auto* breach = it->second.add_breaches();
  breach->set_kind(decision.reason);
  *breach->mutable_due_at() = ToProto(decision.at);
  breach->set_agent_id(decision.agent_id);
  breach->set_calendar(decision.calendar);
  rocksdb::WriteBatch batch;
  store_.Put(batch, Family::kConversations, it->second.id(), it->second);
  if (auto s = store_.Write(batch); !s.ok()) LogError("routing", absl::StrCat("cannot store breach: ", s.ToString()));
  AgentUpdate escalation;
  escalation.mutable_escalation()->set_conversation_id(decision.conversation_id);
  *escalation.mutable_escalation()->mutable_breach() = *breach;
  const bool escalated = SendToSupervisors(t, escalation) > 0;
  t.floor_stats.Breached(it->second.requirements().queue(), decision.reason, escalated, decision.at);
  LogWarning("routing",
             absl::StrCat("SLA breach: ", decision.reason,
                          decision.agent_id.empty() ? "" : " held by ", decision.agent_id,
                          decision.calendar.empty() ? "" : " (business time of calendar ", decision.calendar,
                          decision.calendar.empty() ? "" : ")"),
             decision.conversation_id);
}

void BrokerCore::SendOffer(Tenant& t, const routing::Offer& offer) {
  auto message = OfferMessage(t, offer);
  if (!message) return;
  // Offered is a reservation held in memory; the store keeps the conversation as waiting.
  open_[offer.conversation_id].set_state(omnibroker::v1::CONVERSATION_STATE_OFFERED);
  AgentUpdate update;
  *update.mutable_offer() = *std::move(message);
  SendToAgent(t, offer.agent_id, std::move(update));
}

std::optional<omnibroker::v1::Offer> BrokerCore::OfferMessage(const Tenant& t, const routing::Offer& offer) {
  auto it = open_.find(offer.conversation_id);
  if (it == open_.end()) return std::nullopt;
  const auto& conversation = it->second;
  omnibroker::v1::Offer out;
  out.set_offer_id(offer.offer_id);
  *out.mutable_conversation() = conversation;
  out.mutable_conversation()->set_state(omnibroker::v1::CONVERSATION_STATE_OFFERED);
  *out.mutable_expires_at() = ToProto(offer.expires_at);
  if (auto customer = CanonicalCustomer(conversation.customer_id()); customer.ok()) {
    *out.mutable_customer() = *std::move(customer);
  } else {
    LogWarning("routing", absl::StrCat("offer without customer card: ", customer.status().ToString()));
  }
  *out.mutable_targets() = TargetsFor(t, conversation, out.customer());
  if (auto s = store_.Get(Family::kEvents, store::EventKey(conversation.id(), conversation.last_sequence()),
                          *out.mutable_last_event());
      !s.ok()) {
    LogWarning("routing", absl::StrCat("offer without last event: ", s.status().ToString()));
  }
  return out;
}

void BrokerCore::RevokeOffer(Tenant& t, const routing::Offer& offer, const std::string& reason) {
  if (auto it = open_.find(offer.conversation_id); it != open_.end()) {
    it->second.set_state(omnibroker::v1::CONVERSATION_STATE_QUEUED);
  }
  AgentUpdate update;
  update.mutable_offer_revoked()->set_offer_id(offer.offer_id);
  update.mutable_offer_revoked()->set_conversation_id(offer.conversation_id);
  update.mutable_offer_revoked()->set_reason(reason);
  SendToAgent(t, offer.agent_id, std::move(update));
}

namespace {

// The customer's tier unless the conversation was given one (a VIP hotline, a transfer).
omnibroker::v1::Tier EffectiveTier(const omnibroker::v1::Conversation& conversation,
                                   const omnibroker::v1::Customer& customer) {
  const omnibroker::v1::Tier own = conversation.requirements().tier();
  return own == omnibroker::v1::TIER_UNSPECIFIED ? customer.tier() : own;
}

}  // namespace

omnibroker::v1::ConversationAssigned BrokerCore::AssignedMessage(const Tenant& t,
                                                                 const omnibroker::v1::Conversation& conversation,
                                                                 omnibroker::v1::Customer customer) const {
  omnibroker::v1::ConversationAssigned out;
  *out.mutable_targets() = TargetsFor(t, conversation, customer);
  *out.mutable_conversation() = conversation;
  *out.mutable_customer() = std::move(customer);
  return out;
}

omnibroker::v1::ServiceTargets BrokerCore::TargetsFor(const Tenant& t,
                                                      const omnibroker::v1::Conversation& conversation,
                                                      const omnibroker::v1::Customer& customer) const {
  const routing::TierPolicy& tier = t.routing.policy().ForTier(EffectiveTier(conversation, customer));
  omnibroker::v1::ServiceTargets out;
  *out.mutable_first_response() = ToProto(tier.first_response);
  *out.mutable_next_response() = ToProto(tier.next_response);
  *out.mutable_resolution() = ToProto(tier.resolution);
  if (const auto& calendar = t.routing.policy().CalendarOf(conversation.requirements().queue());
      tier.business_time && !calendar.always_open()) {
    out.set_calendar(calendar.name());
  }
  return out;
}

routing::WorkItem BrokerCore::WorkItemFor(const Tenant& t, const omnibroker::v1::Conversation& conversation) const {
  const auto& req = conversation.requirements();
  // The customer who stands for this one now (after a merge, the merged customer's facts count).
  omnibroker::v1::Customer customer;
  if (auto canonical = CanonicalCustomer(conversation.customer_id()); canonical.ok()) {
    customer = *std::move(canonical);
  } else {
    LogWarning("routing", absl::StrCat("routing without the customer card: ", canonical.status().ToString()));
  }
  omnibroker::v1::Requirements effective = req;
  effective.set_tier(EffectiveTier(conversation, customer));
  routing::WorkItem item{
      .conversation_id = conversation.id(),
      .channel = conversation.channel(),
      .queue = req.queue(),
      .tier = effective.tier(),
      .priority = req.priority(),
      .language = req.language().empty() ? customer.preferred_language() : req.language(),
      .steps = routing::StepsFor(effective, t.routing.policy()),
      .difficult = std::find(customer.flags().begin(), customer.flags().end(), "difficult") != customer.flags().end(),
      .personal_manager = customer.personal_manager_agent_id(),
      .last_agent = customer.last_agent_id(),
      .queued_at = FromProto(conversation.queued_at()),
      .agent_replied = conversation.has_first_response_at(),
  };
  if (conversation.has_after_hours_reply_at()) item.after_hours_reply_at = FromProto(conversation.after_hours_reply_at());
  if (conversation.has_awaiting_reply_since()) item.awaiting_reply_since = FromProto(conversation.awaiting_reply_since());
  for (const auto& breach : conversation.breaches()) {
    // A next-response breach counts for the customer message that still waits, not for older ones.
    if (breach.kind() == "next_response" &&
        (!item.awaiting_reply_since || FromProto(breach.due_at()) < *item.awaiting_reply_since)) {
      continue;
    }
    item.breached.insert(breach.kind());
  }
  return item;
}

}  // namespace omni::core
