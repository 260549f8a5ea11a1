// BrokerCore: the roster. Admin adds or replaces agents (UpsertAgent) and removes them
// (RemoveAgent: out of routing at once, every token of theirs revoked, their conversations,
// history and audit records kept). The config file's agents are applied at every start, except
// those Admin removed since: a removal outlives restarts until UpsertAgent adds the agent back.
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "broker/core/broker_core.h"
#include "broker/core/meta_keys.h"
#include "broker/core/quality_standing.h"
#include "broker/routing/validation.h"
#include "broker/store/keys.h"
#include "google/protobuf/util/time_util.h"

namespace omni::core {

using omnibroker::v1::AuditRecord;
using store::Family;

absl::Status BrokerCore::UpsertAgent(const std::string& tenant, const omnibroker::v1::Agent& agent) {
  OMNI_ASSIGN_OR_RETURN(Tenant * t, FindTenant(tenant));
  OMNI_RETURN_IF_ERROR(routing::ValidateAgent(agent, "agent"));
  if (!agent.tenant().empty() && agent.tenant() != tenant) {
    return absl::PermissionDeniedError(
        absl::StrCat("agent.tenant: '", agent.tenant(), "' is not the caller's tenant '", tenant, "'"));
  }
  omnibroker::v1::Agent stored = agent;
  stored.clear_presence();  // live state, not roster data
  stored.set_tenant(tenant);
  rocksdb::WriteBatch batch;
  store_.Put(batch, Family::kAgents, store::TenantKey(tenant, stored.id()), stored);
  store_.Delete(batch, Family::kMeta, RemovedAgentKey(tenant, stored.id()));  // back, if they were removed
  OMNI_RETURN_IF_ERROR(store_.Write(batch));
  auto& current = t->agents[agent.id()];
  const auto presence = current.presence();
  current = stored;
  current.set_presence(presence == omnibroker::v1::PRESENCE_UNSPECIFIED
                           ? omnibroker::v1::PRESENCE_OFFLINE
                           : presence);
  t->routing.UpsertAgent(current, clock_.Now());
  RouteByStanding(*t, agent.id(), clock_.Now());  // one off routing for quality stays so, also back from a removal
  return absl::OkStatus();
}

absl::Status BrokerCore::ApplyConfiguredRoster(const std::string& tenant,
                                               const std::vector<omnibroker::v1::Agent>& agents) {
  for (const auto& agent : agents) {
    AuditRecord removal;
    OMNI_ASSIGN_OR_RETURN(const bool removed,
                          store_.Get(Family::kMeta, RemovedAgentKey(tenant, agent.id()), removal));
    if (removed) {
      LogWarning("roster", absl::StrCat("agent ", agent.id(), " of tenant ", tenant,
                                        " of the config file stays removed: Admin removed them at ",
                                        google::protobuf::util::TimeUtil::ToString(removal.at()),
                                        " at the request of ", removal.requested_by(),
                                        " (Admin.UpsertAgent adds them back)"));
      continue;
    }
    OMNI_RETURN_IF_ERROR(UpsertAgent(tenant, agent));
  }
  return absl::OkStatus();
}

absl::StatusOr<AuditRecord> BrokerCore::RemoveAgent(
    const std::string& tenant, const omnibroker::v1::RemoveAgentRequest& request,
    omnibroker::v1::TokenRevocation revocation) {
  OMNI_ASSIGN_OR_RETURN(Tenant * t, FindTenant(tenant));
  if (request.requested_by().empty() || request.reason().empty()) {
    return absl::InvalidArgumentError(
        "requested_by and reason: removing an agent must say who asked and why");
  }
  const std::string& agent_id = request.agent_id();
  const auto agent = t->agents.find(agent_id);
  if (agent == t->agents.end()) {
    return absl::NotFoundError(absl::StrCat("agent_id: no agent '", agent_id, "' in the roster"));
  }
  AuditRecord audit;
  audit.set_tenant(tenant);
  audit.set_action("remove_agent");
  audit.add_subjects(agent_id);
  audit.set_requested_by(request.requested_by());
  audit.set_reason(request.reason());
  auto& counts = *audit.mutable_counts();
  counts["offers_withdrawn"] = t->routing.OfferedCount(agent_id);
  for (const auto& [id, conversation] : open_) {
    if (conversation.tenant() == tenant && conversation.assigned_agent_id() == agent_id &&
        conversation.state() == omnibroker::v1::CONVERSATION_STATE_ASSIGNED) {
      counts["conversations_requeued"]++;
    }
  }
  // Held by the router but closed: the wrap-ups.
  counts["wrap_ups_ended"] = t->routing.AssignedCount(agent_id) - counts["conversations_requeued"];

  rocksdb::WriteBatch batch;
  PutAudit(batch, audit);
  store_.Delete(batch, Family::kAgents, store::TenantKey(tenant, agent_id));
  store_.Put(batch, Family::kMeta, RemovedAgentKey(tenant, agent_id), audit);
  revocation.set_audit_id(audit.id());
  PutRevocation(batch, revocation);
  // Stored before anything changes; Admin answers once it is synced: a removal the admin is told
  // of is one a power cut keeps.
  OMNI_RETURN_IF_ERROR(store_.Write(batch));

  const TimePoint now = clock_.Now();
  if (agent->second.presence() != omnibroker::v1::PRESENCE_OFFLINE) {
    t->floor_stats.PresenceChanged(agent_id, omnibroker::v1::PRESENCE_OFFLINE, now);
  }
  // Their work goes back to the queue (ApplyRoutingDecisions stores it, as any reclaim).
  t->routing.RemoveAgent(agent_id, now);
  t->agents.erase(agent);
  // Their stream, if open, is theirs no more: it ends with their tokens (the authenticator), and
  // in dev mode what it sends is answered "log in first".
  if (auto session = t->sessions.find(agent_id); session != t->sessions.end()) {
    session_agents_.erase(session->second.get());
    t->sessions.erase(session);
  }
  t->outboxes.erase(agent_id);
  LogInfo("roster",
          absl::StrCat("agent ", agent_id, " of tenant ", tenant, " removed at the request of ", request.requested_by(),
                       ": ", counts["offers_withdrawn"], " offers withdrawn, ",
                       counts["conversations_requeued"], " conversations back in the queue"));
  return audit;
}

}  // namespace omni::core
