// One tenant's live state inside a broker core: its roster, its routing engine (with its own
// policy), its agents' sessions and replay outboxes, its floor statistics and its agents' quality
// records. Nothing here is
// shared with another tenant, so routing can only offer a tenant's conversations to the same
// tenant's agents, and two tenants may use the same agent ids. Conversations and customers carry
// their tenant on their records (their ids are unique across tenants).
//
// Owned by the core thread, like the rest of the core's state.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "broker/core/agent_outbox.h"
#include "broker/core/agent_session.h"
#include "broker/ops/floor_stats.h"
#include "broker/routing/routing_engine.h"
#include "omnibroker/v1/agent.pb.h"
#include "omnibroker/v1/quality.pb.h"

namespace omni::core {

struct Tenant {
  Tenant(std::string tenant_name, routing::RoutingPolicy policy, ops::FloorStatsOptions floor)
      : name(std::move(tenant_name)),
        configured_policy(policy),
        routing(std::move(policy)),
        floor_stats(std::move(floor)) {}
  Tenant(const Tenant&) = delete;
  Tenant& operator=(const Tenant&) = delete;

  const std::string name;
  // The config file's policy: Admin's change is kept only while this one is unedited.
  const routing::RoutingPolicy configured_policy;
  routing::RoutingEngine routing;
  std::map<std::string, omnibroker::v1::Agent> agents;                       // the roster, by id
  std::unordered_map<std::string, std::shared_ptr<AgentSession>> sessions;  // agent id -> session
  // agent id -> sequence, replay and request results of their session, kept across a lost
  // stream; created at their first login.
  std::unordered_map<std::string, AgentOutbox> outboxes;
  ops::FloorStats floor_stats;
  // agent id -> their quality record (scores and standing, quality.cc), as stored.
  std::map<std::string, omnibroker::v1::AgentQuality> quality;
};

}  // namespace omni::core
