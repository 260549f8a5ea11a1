// BrokerCore: recovery from the store after a (re)start. Admin's policy change comes back (unless
// the config file's policy was edited since), the roster comes back offline with each agent's
// quality standing (one taken off routing stays off until re-certified), every open
// conversation comes back with its routing as the router left it (its routing memo: open offer,
// step timers, cooldowns, wrap-up), and the replies not yet delivered are sent again.
#include <map>

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/core/meta_keys.h"
#include "broker/store/keys.h"
#include "broker/routing/memo_proto.h"

namespace omni::core {

using omnibroker::v1::Conversation;
using routing::RoutingMemo;
using store::Family;

namespace {

// The memo a conversation resumes from. The conversation's record is durable and its memo is
// not (StoreRoutingMemos), so where the two disagree the record wins: an assignment is the
// record's, and a memo that holds for an agent the record does not know is a wait again.
RoutingMemo MemoToResume(const Conversation& c, RoutingMemo memo) {
  using Hold = RoutingMemo::Hold;
  const bool assigned = c.state() == omnibroker::v1::CONVERSATION_STATE_ASSIGNED ||
                        c.state() == omnibroker::v1::CONVERSATION_STATE_WRAP_UP;
  if (!assigned) {
    if (memo.hold == Hold::kAssigned || memo.hold == Hold::kWrapUp) {
      memo.hold = Hold::kNone;
      memo.agent_id.clear();
    }
    return memo;
  }
  const bool same_hold = memo.hold == Hold::kAssigned && memo.agent_id == c.assigned_agent_id();
  memo.hold = Hold::kAssigned;
  memo.agent_id = c.assigned_agent_id();
  // The handle goes on: its time counts from the accept, before the restart.
  memo.assigned_at = c.assignments().empty() ? TimePoint{} : FromProto(c.assignments().rbegin()->started_at());
  if (!same_hold) memo.replied_since_assigned = c.has_first_response_at();
  return memo;
}

}  // namespace

absl::Status BrokerCore::MigrateToTenants() {
  rocksdb::WriteBatch batch;
  int moved = 0;
  absl::Status parse_error;
  OMNI_RETURN_IF_ERROR(store_.Scan(Family::kAgents, "", false, std::nullopt,
                                   [&](std::string_view key, std::string_view value) {
                                     if (store::SplitTenantKey(key)) return true;
                                     omnibroker::v1::Agent agent;
                                     if (!agent.ParseFromArray(value.data(), value.size())) {
                                       parse_error = absl::DataLossError("unparsable agent record");
                                       return false;
                                     }
                                     agent.set_tenant(options_.tenant);
                                     store_.Delete(batch, Family::kAgents, key);
                                     store_.Put(batch, Family::kAgents, store::TenantKey(options_.tenant, key), agent);
                                     ++moved;
                                     return true;
                                   }));
  OMNI_RETURN_IF_ERROR(parse_error);
  OMNI_RETURN_IF_ERROR(store_.Scan(Family::kMeta, kRemovedAgentPrefix, false, std::nullopt,
                                   [&](std::string_view key, std::string_view value) {
                                     const std::string_view agent_id = key.substr(kRemovedAgentPrefix.size());
                                     if (store::SplitTenantKey(agent_id)) return true;
                                     store_.Delete(batch, Family::kMeta, key);
                                     store_.Put(batch, Family::kMeta, RemovedAgentKey(options_.tenant, agent_id), value);
                                     ++moved;
                                     return true;
                                   }));
  OMNI_RETURN_IF_ERROR(store_.Scan(Family::kMeta, kAgentRevocationPrefix, false, std::nullopt,
                                   [&](std::string_view key, std::string_view value) {
                                     const std::string_view agent_id = key.substr(kAgentRevocationPrefix.size());
                                     if (store::SplitTenantKey(agent_id)) return true;
                                     omnibroker::v1::TokenRevocation revocation;
                                     if (!revocation.ParseFromArray(value.data(), value.size())) {
                                       parse_error = absl::DataLossError("unparsable token revocation record");
                                       return false;
                                     }
                                     revocation.set_tenant(options_.tenant);
                                     store_.Delete(batch, Family::kMeta, key);
                                     store_.Put(batch, Family::kMeta, AgentRevocationKey(options_.tenant, agent_id),
                                                revocation);
                                     ++moved;
                                     return true;
                                   }));
  OMNI_RETURN_IF_ERROR(parse_error);
  // A token's revocation keeps its key (a token id is unique across tenants); its record names
  // the tenant from now on, so that ListRevocations shows it to the default tenant.
  OMNI_RETURN_IF_ERROR(store_.Scan(Family::kMeta, kTokenRevocationPrefix, false, std::nullopt,
                                   [&](std::string_view key, std::string_view value) {
                                     omnibroker::v1::TokenRevocation revocation;
                                     if (!revocation.ParseFromArray(value.data(), value.size())) {
                                       parse_error = absl::DataLossError(
                                           "unparsable token revocation record");
                                       return false;
                                     }
                                     if (!revocation.tenant().empty()) return true;
                                     revocation.set_tenant(options_.tenant);
                                     store_.Put(batch, Family::kMeta, key, revocation);
                                     ++moved;
                                     return true;
                                   }));
  OMNI_RETURN_IF_ERROR(parse_error);
  OMNI_ASSIGN_OR_RETURN(auto policy, store_.GetRaw(Family::kMeta, kStoredPolicyPrefix));
  if (policy.has_value()) {
    store_.Delete(batch, Family::kMeta, kStoredPolicyPrefix);
    store_.Put(batch, Family::kMeta, StoredPolicyKey(options_.tenant), std::string_view(*policy));
    ++moved;
  }
  if (moved == 0) return absl::OkStatus();
  OMNI_RETURN_IF_ERROR(store_.Write(batch));
  LogInfo("broker_core", absl::StrCat(moved, " records stored before tenants now belong to tenant ", options_.tenant));
  return absl::OkStatus();
}

absl::Status BrokerCore::Recover() {
  OMNI_RETURN_IF_ERROR(MigrateToTenants());
  std::set<std::string, std::less<>> served;
  for (const auto& [name, tenant] : tenants_) served.insert(name);
  OMNI_RETURN_IF_ERROR(RestoreTenants(served));

  absl::Status parse_error;
  OMNI_RETURN_IF_ERROR(store_.Scan(Family::kOutbox, "", false, std::nullopt,
                                   [&](std::string_view key, std::string_view value) {
                                     PendingDelivery pending;
                                     if (!pending.delivery.ParseFromArray(value.data(), value.size())) {
                                       parse_error = absl::DataLossError("unparsable outbox record");
                                       return false;
                                     }
                                     deliveries_[std::string(key)] = std::move(pending);
                                     return true;
                                   }));
  OMNI_RETURN_IF_ERROR(parse_error);
  LogInfo("broker_core", absl::StrCat(deliveries_.size(), " undelivered replies to send again"));
  return absl::OkStatus();
}

absl::Status BrokerCore::RestoreTenants(const std::set<std::string, std::less<>>& which) {
  for (const auto& name : which) {
    OMNI_ASSIGN_OR_RETURN(Tenant * tenant, FindTenant(name));
    OMNI_RETURN_IF_ERROR(ResumeRoutingPolicy(*tenant));  // first: what comes back is timed by it
  }
  // A served tenant not among `which` was restored before (AddTenant restores only the new one).
  auto restoring = [&](std::string_view tenant) -> Tenant* {
    if (!which.contains(tenant)) return nullptr;
    auto t = tenants_.find(tenant);
    return t == tenants_.end() ? nullptr : t->second.get();
  };
  absl::Status parse_error;
  size_t agents = 0;
  std::map<std::string, size_t, std::less<>> not_served;  // tenant -> records left waiting
  OMNI_RETURN_IF_ERROR(store_.Scan(Family::kAgents, "", false, std::nullopt,
                                   [&](std::string_view key, std::string_view value) {
                                     const auto tenant_and_id = store::SplitTenantKey(key);
                                     if (!tenant_and_id) return true;  // MigrateToTenants moved them
                                     Tenant* t = restoring(tenant_and_id->first);
                                     if (t == nullptr) {
                                       if (!tenants_.contains(tenant_and_id->first)) {
                                         ++not_served[std::string(tenant_and_id->first)];
                                       }
                                       return true;
                                     }
                                     omnibroker::v1::Agent agent;
                                     if (!agent.ParseFromArray(value.data(), value.size())) {
                                       parse_error = absl::DataLossError("unparsable agent record");
                                       return false;
                                     }
                                     agent.set_presence(omnibroker::v1::PRESENCE_OFFLINE);
                                     agent.set_tenant(t->name);
                                     t->routing.UpsertAgent(agent, clock_.Now());
                                     t->agents[agent.id()] = std::move(agent);
                                     ++agents;
                                     return true;
                                   }));
  OMNI_RETURN_IF_ERROR(parse_error);
  // Agents' quality standing, before any conversation is routed again: one off routing stays so.
  for (const auto& name : which) {
    OMNI_ASSIGN_OR_RETURN(Tenant * tenant, FindTenant(name));
    OMNI_RETURN_IF_ERROR(RestoreQuality(*tenant));
  }

  // The memos are the router's own notes: one that does not parse is dropped (its conversation
  // waits from now), never a reason not to start.
  std::map<std::string, RoutingMemo, std::less<>> memos;
  OMNI_RETURN_IF_ERROR(store_.Scan(Family::kRouting, "", false, std::nullopt,
                                   [&](std::string_view key, std::string_view value) {
                                     omnibroker::v1::RoutingMemo memo;
                                     if (memo.ParseFromArray(value.data(), value.size())) {
                                       memos.emplace(key, routing::MemoFromProto(memo));
                                     } else {
                                       LogWarning("broker_core", "unparsable routing memo dropped", key);
                                     }
                                     return true;
                                   }));

  const TimePoint now = clock_.Now();
  size_t queued = 0, offered = 0, assigned = 0, wrapping_up = 0;
  OMNI_RETURN_IF_ERROR(store_.Scan(
      Family::kConversations, "", false, std::nullopt, [&](std::string_view, std::string_view value) {
        Conversation c;
        if (!c.ParseFromArray(value.data(), value.size())) {
          parse_error = absl::DataLossError("unparsable conversation record");
          return false;
        }
        auto memo_it = memos.find(c.id());
        const bool has_memo = memo_it != memos.end();
        RoutingMemo memo = has_memo ? std::move(memo_it->second) : RoutingMemo{};
        if (has_memo) memos.erase(memo_it);
        Tenant* t = restoring(c.tenant());
        if (t == nullptr) {
          // Its tenant left the config or was removed: kept as it is (memo too) until the tenant
          // comes back.
          if (c.state() != omnibroker::v1::CONVERSATION_STATE_CLOSED && !tenants_.contains(c.tenant())) {
            ++not_served[c.tenant()];
          }
          return true;
        }
        if (c.state() == omnibroker::v1::CONVERSATION_STATE_CLOSED) {
          // Closed, but its agent's wrap-up time may not be over: that capacity stays taken.
          if (memo.hold == RoutingMemo::Hold::kWrapUp && memo.until > now && t->agents.contains(memo.agent_id)) {
            t->routing.Restore(WorkItemFor(*t, c), memo, now);
            t->floor_stats.HandlingStarted(c.id(), c.requirements().queue(), memo.agent_id, memo.assigned_at);
            ++wrapping_up;
          } else if (has_memo) {
            memos.emplace(c.id(), RoutingMemo{});  // stale: deleted below
          }
          return true;
        }
        memo = MemoToResume(c, std::move(memo));
        t->routing.Restore(WorkItemFor(*t, c), memo, now);
        if (memo.hold == RoutingMemo::Hold::kAssigned) {
          t->floor_stats.HandlingStarted(c.id(), c.requirements().queue(), memo.agent_id,
                                       memo.assigned_at == TimePoint{} ? now : memo.assigned_at);
          ++assigned;
        } else if (auto resumed = t->routing.MemoOf(c.id()); resumed && resumed->hold == RoutingMemo::Hold::kOffered) {
          c.set_state(omnibroker::v1::CONVERSATION_STATE_OFFERED);  // still open, as before
          ++offered;
        } else {
          c.set_state(omnibroker::v1::CONVERSATION_STATE_QUEUED);
          ++queued;
        }
        open_[c.id()] = std::move(c);
        return true;
      }));
  OMNI_RETURN_IF_ERROR(parse_error);
  // Memos left over belong to no open conversation (erased, or closed before the restart).
  if (!memos.empty()) {
    rocksdb::WriteBatch batch;
    for (const auto& [id, memo] : memos) store_.Delete(batch, Family::kRouting, id);
    OMNI_RETURN_IF_ERROR(store_.Write(batch));
  }
  for (const auto& [tenant, count] : not_served) {
    LogWarning("broker_core", absl::StrCat(count, " agents and open conversations of tenant ", tenant,
                                           " are kept but not served: the tenant is not served here "
                                           "(not in the config, or removed through Admin)"));
  }
  LogInfo("broker_core", absl::StrCat("restored ", agents, " agents of ", which.size(), " tenants, ", queued, " waiting, ", offered,
                                      " offered, ", assigned, " assigned and ", wrapping_up,
                                      " wrapping-up conversations"));
  return absl::OkStatus();
}

}  // namespace omni::core
