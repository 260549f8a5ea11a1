// BrokerCore: an agent hands a conversation on (to a named agent or back to a queue with new
// requirements, with a handoff note kept in the history), and ends a wrap-up.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/ids.h"
#include "base/language_tag.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/core/conversation_event.h"
#include "broker/routing/validation.h"
#include "broker/store/keys.h"

namespace omni::core {

using omnibroker::v1::AgentUpdate;
using omnibroker::v1::Conversation;
using omnibroker::v1::Event;
using store::Family;

absl::Status BrokerCore::OnTransfer(Tenant& t, const std::string& agent_id,
                                    const omnibroker::v1::AgentRequest& request) {
  const auto& transfer = request.transfer();
  OMNI_ASSIGN_OR_RETURN(Conversation * conversation, AssignedConversation(t, transfer.conversation_id(), agent_id));
  const bool to_agent = !transfer.to_agent_id().empty();
  if (to_agent == transfer.has_to_queue()) {
    return absl::InvalidArgumentError("transfer: name exactly one of to_agent_id and to_queue");
  }
  if (to_agent && !t.agents.contains(transfer.to_agent_id())) {
    return absl::NotFoundError(absl::StrCat("transfer.to_agent_id: no agent '", transfer.to_agent_id(), "'"));
  }
  if (to_agent) OMNI_RETURN_IF_ERROR(MayTransferTo(t, agent_id, transfer.to_agent_id()));
  OMNI_RETURN_IF_ERROR(routing::ValidateSkills(transfer.to_queue().skills(), "transfer.to_queue.skills"));
  OMNI_RETURN_IF_ERROR(ValidateLanguageTag("transfer.to_queue.language", transfer.to_queue().language()));
  OMNI_RETURN_IF_ERROR(routing::ValidateSteps({transfer.to_queue().steps().begin(), transfer.to_queue().steps().end()},
                                              "transfer.to_queue.steps"));

  Conversation updated = *conversation;
  if (!to_agent) {
    // New requirements; the tier stays the customer's unless the new queue names one.
    auto* req = updated.mutable_requirements();
    req->set_queue(transfer.to_queue().queue());
    *req->mutable_skills() = transfer.to_queue().skills();
    *req->mutable_steps() = transfer.to_queue().steps();
    if (!transfer.to_queue().language().empty()) req->set_language(transfer.to_queue().language());
    if (transfer.to_queue().tier() != omnibroker::v1::TIER_UNSPECIFIED) req->set_tier(transfer.to_queue().tier());
    req->set_priority(transfer.to_queue().priority());
  }
  // The engine moves it first: what it refuses (not this agent's any more) changes nothing.
  const auto now = clock_.Now();
  if (to_agent) {
    OMNI_RETURN_IF_ERROR(t.routing.TransferToAgent(updated.id(), agent_id, transfer.to_agent_id(), now));
  } else {
    routing::WorkItem item = WorkItemFor(t, updated);
    OMNI_RETURN_IF_ERROR(t.routing.TransferToQueue(
        updated.id(), agent_id,
        {.queue = item.queue, .steps = std::move(item.steps), .language = item.language, .tier = item.tier,
         .priority = item.priority},
        now));
  }
  t.floor_stats.HandlingEnded(updated.id(), false, now);

  // The handoff note: an internal event in the history, for whoever takes the conversation next.
  Event note = NextEventOf(updated, NewId("note_"), omnibroker::v1::DIRECTION_INTERNAL,
                           omnibroker::v1::EVENT_KIND_NOTE, now);
  note.mutable_content()->set_text(transfer.note());
  (*note.mutable_provider_metadata())["transfer_from"] = agent_id;
  (*note.mutable_provider_metadata())["transfer_to"] =
      to_agent ? transfer.to_agent_id() : absl::StrCat("queue:", transfer.to_queue().queue());
  note.set_agent_id(agent_id);

  updated.set_last_sequence(note.sequence());
  updated.set_state(omnibroker::v1::CONVERSATION_STATE_QUEUED);
  updated.clear_assigned_agent_id();
  *updated.mutable_updated_at() = note.occurred_at();
  if (updated.assignments_size() > 0) {
    auto* last = updated.mutable_assignments(updated.assignments_size() - 1);
    *last->mutable_ended_at() = note.occurred_at();
    last->set_end_reason("transferred");
  }
  rocksdb::WriteBatch batch;
  PutEvent(batch, note);
  store_.Put(batch, Family::kConversations, updated.id(), updated);
  *conversation = updated;
  return CommitThen(batch, [this, &t, agent_id, request_id = request.request_id(), id = updated.id(),
                            event_id = note.id()] {
    AgentUpdate update;
    update.mutable_closed()->set_conversation_id(id);
    update.mutable_closed()->set_reason("transferred");
    SendToAgent(t, agent_id, std::move(update));
    Reply(t, agent_id, request_id, absl::OkStatus(), id, event_id);
  });
}

absl::Status BrokerCore::OnEndWrapUp(Tenant& t, const std::string& agent_id,
                                     const omnibroker::v1::EndWrapUp& request) {
  // Closed in the store, still held by the engine: that is a wrap-up.
  if (open_.contains(request.conversation_id()) ||
      t.routing.AssignedAgent(request.conversation_id()) != agent_id) {
    return absl::FailedPreconditionError(
        absl::StrCat("conversation ", request.conversation_id(), " is not in wrap-up with ", agent_id));
  }
  t.routing.EndWrapUp(request.conversation_id(), clock_.Now());
  return absl::OkStatus();
}

int BrokerCore::SendToSupervisors(Tenant& t, const AgentUpdate& update) {
  const auto& by_tenant = options_.escalation_roles;
  auto it = by_tenant.find(t.name);
  if (it == by_tenant.end()) it = by_tenant.find("*");
  const std::string role = it == by_tenant.end() ? "supervisor" : it->second;
  // Also to those whose stream is lost for now: they get it when they resume.
  int sent = 0;
  for (const auto& [id, outbox] : t.outboxes) {
    auto agent = t.agents.find(id);
    if (agent == t.agents.end()) continue;
    const auto& roles = agent->second.roles();
    if (std::find(roles.begin(), roles.end(), role) == roles.end()) continue;
    SendToAgent(t, id, update);
    ++sent;
  }
  return sent;
}

}  // namespace omni::core
