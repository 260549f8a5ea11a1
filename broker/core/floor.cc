// BrokerCore: the supervisor's view. The window's counts come from FloorStats, fed by the core's
// handlers as things happen; what waits and each agent's state are read live here.
#include "base/status_macros.h"
#include "broker/core/broker_core.h"

namespace omni::core {

absl::StatusOr<omnibroker::v1::FloorStats> BrokerCore::FloorStats(const std::string& tenant) {
  OMNI_ASSIGN_OR_RETURN(Tenant * t, FindTenant(tenant));
  std::vector<ops::LiveQueueEntry> waiting;
  for (const auto& w : t->routing.Queue()) {
    auto it = open_.find(w.item.conversation_id);
    waiting.push_back({it == open_.end() ? "" : it->second.requirements().queue(), w.item.queued_at});
  }
  std::vector<ops::LiveAgent> agents;
  for (const auto& [id, agent] : t->agents) {
    int capacity = 0;
    for (const auto& c : agent.capacity()) {
      // As routing counts it: a channel that shares another's units adds none of its own.
      if (t->routing.policy().PoolOf(c.channel()) == c.channel()) capacity += c.max_concurrent();
    }
    const auto quality = t->quality.find(id);
    agents.push_back({.agent_id = id,
                      .presence = agent.presence(),
                      .connected = t->sessions.contains(id),
                      .load = t->routing.AssignedCount(id) + t->routing.OfferedCount(id),
                      .capacity = capacity,
                      .quality = quality == t->quality.end() ? omnibroker::v1::QUALITY_STANDING_UNSPECIFIED
                                                             : quality->second.standing(),
                      .quality_why = quality == t->quality.end() ? "" : quality->second.why()});
  }
  return t->floor_stats.Snapshot(clock_.Now(), waiting, agents);
}

}  // namespace omni::core
