#include "broker/routing/routing_engine.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/ids.h"

namespace omni::routing {

using omnibroker::v1::Presence;

RoutingEngine::RoutingEngine(RoutingOptions options) : options_(options) {}

void RoutingEngine::UpsertAgent(const omnibroker::v1::Agent& agent) {
  AgentState& state = agents_[agent.id()];
  const Presence presence = state.agent.presence();
  state.agent = agent;
  // Presence is live state, not roster data: an upsert of the roster keeps it.
  state.agent.set_presence(presence == omnibroker::v1::PRESENCE_UNSPECIFIED
                               ? omnibroker::v1::PRESENCE_OFFLINE
                               : presence);
}

std::vector<Offer> RoutingEngine::SetPresence(const std::string& agent_id, Presence presence) {
  std::vector<Offer> revoked;
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) return revoked;
  it->second.agent.set_presence(presence);
  if (presence != omnibroker::v1::PRESENCE_OFFLINE) return revoked;
  for (auto& [id, queued] : queue_) {
    if (queued.offer && queued.offer->agent_id == agent_id) {
      revoked.push_back(Withdraw(queued, /*refused=*/false, TimePoint{}));
    }
  }
  return revoked;
}

void RoutingEngine::Enqueue(WorkItem item) {
  const std::string id = item.conversation_id;
  if (assigned_.contains(id) || queue_.contains(id)) return;
  queue_[id] = QueuedItem{.item = std::move(item)};
}

void RoutingEngine::RestoreAssigned(const std::string& conversation_id, const std::string& agent_id,
                                    Channel channel) {
  assigned_[conversation_id] = Assigned{agent_id, channel};
  agents_[agent_id].load[channel]++;
}

absl::StatusOr<RoutingEngine::QueuedItem*> RoutingEngine::OpenOffer(const std::string& offer_id,
                                                                     const std::string& agent_id) {
  auto idx = offer_index_.find(offer_id);
  if (idx == offer_index_.end()) {
    return absl::NotFoundError(absl::StrCat("offer ", offer_id, " is not open (expired or withdrawn)"));
  }
  auto it = queue_.find(idx->second);
  if (it == queue_.end() || !it->second.offer || it->second.offer->agent_id != agent_id) {
    return absl::PermissionDeniedError(absl::StrCat("offer ", offer_id, " is not for agent ", agent_id));
  }
  return &it->second;
}

absl::StatusOr<Offer> RoutingEngine::Accept(const std::string& offer_id, const std::string& agent_id) {
  auto queued = OpenOffer(offer_id, agent_id);
  if (!queued.ok()) return queued.status();
  Offer offer = *(*queued)->offer;
  // The load taken by the offer becomes the load of the assignment.
  assigned_[offer.conversation_id] = Assigned{agent_id, (*queued)->item.channel};
  offer_index_.erase(offer_id);
  queue_.erase(offer.conversation_id);
  return offer;
}

absl::StatusOr<Offer> RoutingEngine::Decline(const std::string& offer_id, const std::string& agent_id,
                                             TimePoint now) {
  auto queued = OpenOffer(offer_id, agent_id);
  if (!queued.ok()) return queued.status();
  return Withdraw(**queued, /*refused=*/true, now);
}

void RoutingEngine::Release(const std::string& conversation_id) {
  if (auto it = assigned_.find(conversation_id); it != assigned_.end()) {
    agents_[it->second.agent_id].load[it->second.channel]--;
    assigned_.erase(it);
  }
  if (auto it = queue_.find(conversation_id); it != queue_.end()) {
    if (it->second.offer) Withdraw(it->second, false, TimePoint{});
    queue_.erase(conversation_id);
  }
}

Offer RoutingEngine::Withdraw(QueuedItem& queued, bool refused, TimePoint now) {
  Offer offer = *queued.offer;
  queued.offer.reset();
  offer_index_.erase(offer.offer_id);
  agents_[offer.agent_id].load[queued.item.channel]--;
  if (refused) queued.refused_until[offer.agent_id] = now + options_.decline_cooldown;
  return offer;
}

int RoutingEngine::Capacity(const AgentState& agent, Channel channel) const {
  for (const auto& c : agent.agent.capacity()) {
    if (c.channel() == channel) return c.max_concurrent();
  }
  return options_.default_capacity;
}

bool RoutingEngine::Eligible(const AgentState& agent, const WorkItem& item) const {
  for (const auto& need : item.skills) {
    const auto& skills = agent.agent.skills();
    const bool has = std::any_of(skills.begin(), skills.end(), [&](const auto& s) {
      return s.name() == need.skill() && s.proficiency() >= need.min_proficiency();
    });
    if (!has) return false;
  }
  if (!item.language.empty()) {
    const auto& langs = agent.agent.languages();
    if (std::find(langs.begin(), langs.end(), item.language) == langs.end()) return false;
  }
  return true;
}

std::vector<Offer> RoutingEngine::Dispatch(TimePoint now) {
  const bool anyone_available = std::any_of(agents_.begin(), agents_.end(), [](const auto& a) {
    return a.second.agent.presence() == omnibroker::v1::PRESENCE_AVAILABLE;
  });
  if (!anyone_available) return {};
  std::vector<QueuedItem*> waiting;
  for (auto& [id, queued] : queue_) {
    if (!queued.offer) waiting.push_back(&queued);
  }
  std::sort(waiting.begin(), waiting.end(), [](const QueuedItem* a, const QueuedItem* b) {
    if (a->item.priority != b->item.priority) return a->item.priority > b->item.priority;
    return a->item.queued_at < b->item.queued_at;
  });

  std::vector<Offer> offers;
  for (QueuedItem* queued : waiting) {
    AgentState* best = nullptr;
    double best_load = 0;
    for (auto& [agent_id, agent] : agents_) {
      if (agent.agent.presence() != omnibroker::v1::PRESENCE_AVAILABLE) continue;
      const int capacity = Capacity(agent, queued->item.channel);
      const int load = agent.load[queued->item.channel];
      if (load >= capacity || !Eligible(agent, queued->item)) continue;
      if (auto r = queued->refused_until.find(agent_id); r != queued->refused_until.end() && now < r->second) {
        continue;
      }
      // Least occupied first; the id breaks ties so decisions are reproducible.
      const double occupancy = static_cast<double>(load) / capacity;
      if (best == nullptr || occupancy < best_load ||
          (occupancy == best_load && agent_id < best->agent.id())) {
        best = &agent;
        best_load = occupancy;
      }
    }
    if (best == nullptr) continue;
    best->load[queued->item.channel]++;
    queued->offer = Offer{.offer_id = NewId("o_"),
                          .conversation_id = queued->item.conversation_id,
                          .agent_id = best->agent.id(),
                          .expires_at = now + options_.offer_timeout};
    offer_index_[queued->offer->offer_id] = queued->item.conversation_id;
    offers.push_back(*queued->offer);
  }
  return offers;
}

std::vector<Offer> RoutingEngine::ExpireOffers(TimePoint now) {
  std::vector<Offer> expired;
  for (auto& [id, queued] : queue_) {
    if (queued.offer && queued.offer->expires_at <= now) {
      expired.push_back(Withdraw(queued, /*refused=*/true, now));
    }
  }
  return expired;
}

std::optional<TimePoint> RoutingEngine::NextExpiry() const {
  std::optional<TimePoint> next;
  for (const auto& [id, queued] : queue_) {
    if (queued.offer && (!next || queued.offer->expires_at < *next)) next = queued.offer->expires_at;
  }
  return next;
}

std::vector<RoutingEngine::Waiting> RoutingEngine::Queue() const {
  std::vector<Waiting> out;
  for (const auto& [id, queued] : queue_) out.push_back(Waiting{queued.item, queued.offer});
  std::sort(out.begin(), out.end(),
            [](const Waiting& a, const Waiting& b) { return a.item.queued_at < b.item.queued_at; });
  return out;
}

int RoutingEngine::AssignedCount(const std::string& agent_id) const {
  int n = 0;
  for (const auto& [id, a] : assigned_) n += a.agent_id == agent_id ? 1 : 0;
  return n;
}

int RoutingEngine::OfferedCount(const std::string& agent_id) const {
  int n = 0;
  for (const auto& [id, queued] : queue_) n += queued.offer && queued.offer->agent_id == agent_id ? 1 : 0;
  return n;
}

std::optional<std::string> RoutingEngine::AssignedAgent(const std::string& conversation_id) const {
  auto it = assigned_.find(conversation_id);
  if (it == assigned_.end()) return std::nullopt;
  return it->second.agent_id;
}

}  // namespace omni::routing
