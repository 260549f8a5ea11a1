// DeliveryLedger: dropping what was delivered already, and catching up after a new session.
#include "agent-sdk/src/delivery_ledger.h"

#include <algorithm>
#include <set>

namespace omni::agent {

using omnibroker::v1::AgentUpdate;

namespace {

// What the broker pushes as a ConversationMessage: what came from the customer's side, not the
// agents' replies or internal notes.
bool FromCustomer(const omnibroker::v1::Event& event) {
  return event.agent_id().empty() && event.direction() != omnibroker::v1::DIRECTION_INTERNAL;
}

}  // namespace

bool DeliveryLedger::Admit(const AgentUpdate& update) {
  if (update.sequence() > 0) {
    if (update.sequence() <= last_sequence_) return false;
    last_sequence_ = update.sequence();
  }
  switch (update.body_case()) {
    case AgentUpdate::kOffer:
      return offers_.emplace(update.offer().offer_id(), update.offer()).second;
    case AgentUpdate::kOfferRevoked:
      offers_.erase(update.offer_revoked().offer_id());
      return true;
    case AgentUpdate::kAssigned: {
      const auto& conversation = update.assigned().conversation();
      std::erase_if(offers_, [&](const auto& o) {
        return o.second.conversation().id() == conversation.id();
      });
      uint64_t& last = conversations_[conversation.id()];
      last = std::max(last, conversation.last_sequence());
      return true;
    }
    case AgentUpdate::kMessage: {
      const auto& event = update.message().event();
      uint64_t& last = conversations_[event.conversation_id()];
      if (event.sequence() == 0) return true;
      if (event.sequence() <= last) return false;
      last = event.sequence();
      return true;
    }
    case AgentUpdate::kClosed:
      conversations_.erase(update.closed().conversation_id());
      return true;
    default:
      return true;
  }
}

std::vector<AgentUpdate> DeliveryLedger::Login(const omnibroker::v1::LoginResult& login,
                                               bool initial) {
  std::vector<AgentUpdate> out;
  catch_up_.clear();
  if (login.resumed()) return out;
  session_ = login.session();
  last_sequence_ = 0;

  std::set<std::string> open;
  for (const auto& offer : login.offers()) {
    open.insert(offer.offer_id());
    if (offers_.emplace(offer.offer_id(), offer).second)
      *out.emplace_back().mutable_offer() = offer;
  }
  for (auto it = offers_.begin(); it != offers_.end();) {
    if (open.contains(it->first)) {
      ++it;
      continue;
    }
    auto* revoked = out.emplace_back().mutable_offer_revoked();
    revoked->set_offer_id(it->first);
    revoked->set_conversation_id(it->second.conversation().id());
    revoked->set_reason("gone while disconnected");
    it = offers_.erase(it);
  }

  std::map<std::string, uint64_t> assigned;
  for (const auto& given : login.assigned()) {
    const auto& conversation = given.conversation();
    auto known = conversations_.find(conversation.id());
    if (known != conversations_.end()) {
      assigned[conversation.id()] = known->second;
      catch_up_[conversation.id()] = known->second;
      continue;
    }
    assigned[conversation.id()] = conversation.last_sequence();
    if (!initial) *out.emplace_back().mutable_assigned() = given;
  }
  for (const auto& [id, last] : conversations_) {
    if (assigned.contains(id)) continue;
    auto* closed = out.emplace_back().mutable_closed();
    closed->set_conversation_id(id);
    closed->set_reason("not assigned after reconnect");
  }
  conversations_ = std::move(assigned);
  return out;
}

std::vector<AgentUpdate> DeliveryLedger::CaughtUp(
    const std::string& conversation_id, const std::vector<omnibroker::v1::Event>& events) {
  catch_up_.erase(conversation_id);
  std::vector<const omnibroker::v1::Event*> sorted;
  for (const auto& event : events) sorted.push_back(&event);
  std::sort(sorted.begin(), sorted.end(),
            [](auto* a, auto* b) { return a->sequence() < b->sequence(); });
  std::vector<AgentUpdate> out;
  auto known = conversations_.find(conversation_id);
  if (known == conversations_.end()) return out;
  for (const auto* event : sorted) {
    if (event->sequence() <= known->second) continue;
    // Everything up to here is seen: a live copy of a reply or note later is not a gap.
    known->second = event->sequence();
    if (FromCustomer(*event)) *out.emplace_back().mutable_message()->mutable_event() = *event;
  }
  return out;
}

}  // namespace omni::agent
