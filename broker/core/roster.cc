// BrokerCore: the roster. Admin adds or replaces agents (UpsertAgent) and removes them
// (RemoveAgent: out of routing at once, every token of theirs revoked, their conversations,
// history and audit records kept). The config file's agents are applied at every start, except
// those Admin removed since: a removal outlives restarts until UpsertAgent adds the agent back.
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "broker/core/broker_core.h"
#include "broker/routing/validation.h"
#include "google/protobuf/util/time_util.h"

namespace omni::core {

using omnibroker::v1::AuditRecord;
using store::Family;

namespace {

// meta: removed_agent \0 <agent id> -> the AuditRecord of the removal.
constexpr std::string_view kRemovedAgentPrefix{"removed_agent\0", 14};

std::string RemovedAgentKey(const std::string& agent_id) {
  return std::string(kRemovedAgentPrefix) + agent_id;
}

}  // namespace

absl::Status BrokerCore::UpsertAgent(const omnibroker::v1::Agent& agent) {
  OMNI_RETURN_IF_ERROR(routing::ValidateAgent(agent, "agent"));
  omnibroker::v1::Agent stored = agent;
  stored.clear_presence();  // live state, not roster data
  rocksdb::WriteBatch batch;
  store_.Put(batch, Family::kAgents, stored.id(), stored);
  store_.Delete(batch, Family::kMeta, RemovedAgentKey(stored.id()));  // back, if they were removed
  OMNI_RETURN_IF_ERROR(store_.Write(batch));
  auto& current = agents_[agent.id()];
  const auto presence = current.presence();
  current = stored;
  current.set_presence(presence == omnibroker::v1::PRESENCE_UNSPECIFIED
                           ? omnibroker::v1::PRESENCE_OFFLINE
                           : presence);
  routing_.UpsertAgent(current, clock_.Now());
  return absl::OkStatus();
}

absl::Status BrokerCore::ApplyConfiguredRoster(const std::vector<omnibroker::v1::Agent>& agents) {
  for (const auto& agent : agents) {
    AuditRecord removal;
    OMNI_ASSIGN_OR_RETURN(const bool removed,
                          store_.Get(Family::kMeta, RemovedAgentKey(agent.id()), removal));
    if (removed) {
      LogWarning("roster", absl::StrCat("agent ", agent.id(),
                                        " of the config file stays removed: Admin removed them at ",
                                        google::protobuf::util::TimeUtil::ToString(removal.at()),
                                        " at the request of ", removal.requested_by(),
                                        " (Admin.UpsertAgent adds them back)"));
      continue;
    }
    OMNI_RETURN_IF_ERROR(UpsertAgent(agent));
  }
  return absl::OkStatus();
}

absl::StatusOr<AuditRecord> BrokerCore::RemoveAgent(
    const omnibroker::v1::RemoveAgentRequest& request, omnibroker::v1::TokenRevocation revocation) {
  if (request.requested_by().empty() || request.reason().empty()) {
    return absl::InvalidArgumentError(
        "requested_by and reason: removing an agent must say who asked and why");
  }
  const std::string& agent_id = request.agent_id();
  const auto agent = agents_.find(agent_id);
  if (agent == agents_.end()) {
    return absl::NotFoundError(absl::StrCat("agent_id: no agent '", agent_id, "' in the roster"));
  }
  AuditRecord audit;
  audit.set_action("remove_agent");
  audit.add_subjects(agent_id);
  audit.set_requested_by(request.requested_by());
  audit.set_reason(request.reason());
  auto& counts = *audit.mutable_counts();
  counts["offers_withdrawn"] = routing_.OfferedCount(agent_id);
  for (const auto& [id, conversation] : open_) {
    if (conversation.assigned_agent_id() == agent_id &&
        conversation.state() == omnibroker::v1::CONVERSATION_STATE_ASSIGNED) {
      counts["conversations_requeued"]++;
    }
  }
  // Held by the router but closed: the wrap-ups.
  counts["wrap_ups_ended"] = routing_.AssignedCount(agent_id) - counts["conversations_requeued"];

  rocksdb::WriteBatch batch;
  PutAudit(batch, audit);
  store_.Delete(batch, Family::kAgents, agent_id);
  store_.Put(batch, Family::kMeta, RemovedAgentKey(agent_id), audit);
  revocation.set_audit_id(audit.id());
  PutRevocation(batch, revocation);
  // Stored before anything changes; Admin answers once it is synced: a removal the admin is told
  // of is one a power cut keeps.
  OMNI_RETURN_IF_ERROR(store_.Write(batch));

  const TimePoint now = clock_.Now();
  if (agent->second.presence() != omnibroker::v1::PRESENCE_OFFLINE) {
    floor_stats_.PresenceChanged(agent_id, omnibroker::v1::PRESENCE_OFFLINE, now);
  }
  // Their work goes back to the queue (ApplyRoutingDecisions stores it, as any reclaim).
  routing_.RemoveAgent(agent_id, now);
  agents_.erase(agent);
  // Their stream, if open, is theirs no more: it ends with their tokens (the authenticator), and
  // in dev mode what it sends is answered "log in first".
  if (auto session = sessions_.find(agent_id); session != sessions_.end()) {
    session_agents_.erase(session->second.get());
    sessions_.erase(session);
  }
  outboxes_.erase(agent_id);
  LogInfo("roster",
          absl::StrCat("agent ", agent_id, " removed at the request of ", request.requested_by(),
                       ": ", counts["offers_withdrawn"], " offers withdrawn, ",
                       counts["conversations_requeued"], " conversations back in the queue"));
  return audit;
}

}  // namespace omni::core
