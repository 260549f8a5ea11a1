// BrokerCore: the supervisor's view. The window's counts come from FloorStats, fed by the core's
// handlers as things happen; what waits and each agent's state are read live here.
#include "broker/core/broker_core.h"

namespace omni::core {

omnibroker::v1::FloorStats BrokerCore::FloorStats() {
  std::vector<ops::LiveQueueEntry> waiting;
  for (const auto& w : routing_.Queue()) {
    auto it = open_.find(w.item.conversation_id);
    waiting.push_back({it == open_.end() ? "" : it->second.requirements().queue(), w.item.queued_at});
  }
  std::vector<ops::LiveAgent> agents;
  for (const auto& [id, agent] : agents_) {
    int capacity = 0;
    for (const auto& c : agent.capacity()) {
      // As routing counts it: a channel that shares another's units adds none of its own.
      if (routing_.policy().PoolOf(c.channel()) == c.channel()) capacity += c.max_concurrent();
    }
    agents.push_back({.agent_id = id,
                      .presence = agent.presence(),
                      .connected = sessions_.contains(id),
                      .load = routing_.AssignedCount(id) + routing_.OfferedCount(id),
                      .capacity = capacity});
  }
  return floor_stats_.Snapshot(clock_.Now(), waiting, agents);
}

}  // namespace omni::core
