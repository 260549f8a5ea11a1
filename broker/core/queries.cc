// BrokerCore: read views for Admin and history, and backups (roster changes: roster.cc).
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/store/keys.h"

namespace omni::core {

using store::Family;

absl::StatusOr<omnibroker::v1::ListAgentsResponse> BrokerCore::ListAgents(const std::string& tenant) const {
  OMNI_ASSIGN_OR_RETURN(const Tenant* t, FindTenant(tenant));
  omnibroker::v1::ListAgentsResponse out;
  for (const auto& [id, agent] : t->agents) {
    auto* status = out.add_agents();
    *status->mutable_agent() = agent;
    status->set_connected(t->sessions.contains(id));
    status->set_assigned_conversations(t->routing.AssignedCount(id));
    status->set_offered_conversations(t->routing.OfferedCount(id));
    if (auto quality = t->quality.find(id); quality != t->quality.end()) *status->mutable_quality() = quality->second;
  }
  return out;
}

absl::StatusOr<omnibroker::v1::ListConversationsResponse> BrokerCore::ListConversations(
    const std::string& tenant, const omnibroker::v1::ListConversationsRequest& request) const {
  OMNI_RETURN_IF_ERROR(FindTenant(tenant).status());
  omnibroker::v1::ListConversationsResponse out;
  for (const auto& [id, c] : open_) {
    if (c.tenant() != tenant) continue;
    const auto& states = request.states();
    if (!states.empty() && std::find(states.begin(), states.end(), c.state()) == states.end()) continue;
    *out.add_conversations() = c;
  }
  std::sort(out.mutable_conversations()->begin(), out.mutable_conversations()->end(),
            [](const auto& a, const auto& b) { return a.created_at().seconds() < b.created_at().seconds(); });
  return out;
}

absl::StatusOr<omnibroker::v1::Conversation> BrokerCore::GetConversation(const std::string& tenant,
                                                                         const std::string& id) const {
  auto found = ConversationOf(tenant, id);
  if (absl::IsNotFound(found.status())) {
    return absl::NotFoundError(absl::StrCat("conversation_id: no conversation ", id));
  }
  return found;
}

absl::StatusOr<omnibroker::v1::QueueSnapshot> BrokerCore::QueueSnapshot(const std::string& tenant) const {
  OMNI_ASSIGN_OR_RETURN(const Tenant* t, FindTenant(tenant));
  omnibroker::v1::QueueSnapshot out;
  *out.mutable_taken_at() = ToProto(clock_.Now());
  for (const auto& waiting : t->routing.Queue()) {
    auto* entry = out.add_entries();
    entry->set_conversation_id(waiting.item.conversation_id);
    *entry->mutable_queued_at() = ToProto(waiting.item.queued_at);
    if (auto it = open_.find(waiting.item.conversation_id); it != open_.end()) {
      entry->set_queue(it->second.requirements().queue());
      entry->set_state(it->second.state());
    }
    if (waiting.offer) entry->set_offered_to_agent_id(waiting.offer->agent_id);
  }
  return out;
}

absl::StatusOr<omnibroker::v1::BackupResult> BrokerCore::Backup(const std::string& target_dir) {
  if (target_dir.empty() || target_dir[0] != '/') {
    return absl::InvalidArgumentError("target_dir: an absolute path on the broker's host");
  }
  OMNI_ASSIGN_OR_RETURN(uint64_t sequence, store_.Checkpoint(target_dir));
  LogInfo("backup", absl::StrCat("store copied to ", target_dir, " at sequence ", sequence));
  omnibroker::v1::BackupResult out;
  out.set_target_dir(target_dir);
  out.set_sequence(sequence);
  return out;
}

}  // namespace omni::core
