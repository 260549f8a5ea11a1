// Finding a queue or an agent in a FloorStats answer (Admin GetFloorStats), for tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "omnibroker/v1/admin.pb.h"

namespace omni::testing {

inline const omnibroker::v1::QueueStats& FloorQueue(const omnibroker::v1::FloorStats& stats,
                                                    const std::string& name) {
  for (const auto& q : stats.queues()) {
    if (q.queue() == name) return q;
  }
  ADD_FAILURE() << "no queue " << name << " in " << stats.DebugString();
  return omnibroker::v1::QueueStats::default_instance();
}

inline const omnibroker::v1::AgentStats& FloorAgent(const omnibroker::v1::FloorStats& stats,
                                                    const std::string& id) {
  for (const auto& a : stats.agents()) {
    if (a.agent_id() == id) return a;
  }
  ADD_FAILURE() << "no agent " << id << " in " << stats.DebugString();
  return omnibroker::v1::AgentStats::default_instance();
}

}  // namespace omni::testing
