// RoutingEngine: what a restart brings back. The core stores each open conversation's memo as it
// changes (TakeMemoChanges, MemoOf) and hands it back after a restart (Restore), so offers stay
// answerable, steps relax and cooldowns end when they would have without the restart.
#include <algorithm>

#include "broker/routing/routing_engine.h"

namespace omni::routing {

void RoutingEngine::MemoChanged(Conv& conv) {
  if (conv.memo_changed) return;
  conv.memo_changed = true;
  memo_changes_.emplace_back(conv.id());
}

std::vector<std::string> RoutingEngine::TakeMemoChanges() {
  std::vector<std::string> out;
  out.reserve(memo_changes_.size());
  for (const InlineId& id : memo_changes_) {
    out.emplace_back(id.view());
    if (auto it = conversations_.find(id.view()); it != conversations_.end()) it->second.memo_changed = false;
  }
  memo_changes_.clear();
  return out;
}

std::optional<RoutingMemo> RoutingEngine::MemoOf(std::string_view conversation_id) const {
  auto it = conversations_.find(conversation_id);
  if (it == conversations_.end()) return std::nullopt;
  const Conv& conv = it->second;
  RoutingMemo memo{.steps_since = conv.phases_since, .transfer_target = conv.transfer_target};
  for (const Phase& phase : conv.phases) {
    if (phase.named()) memo.named_agents.push_back(agents_[phase.target].agent.id());
  }
  memo.cooldowns.insert(conv.refused_until.begin(), conv.refused_until.end());
  memo.agent_id = AgentOf(conv);
  switch (conv.state) {
    case State::kWaiting:
      break;
    case State::kOffered:
      memo.hold = RoutingMemo::Hold::kOffered;
      memo.offer_number = conv.offer_number;
      memo.until = conv.offer_expires;
      break;
    case State::kAssigned:
      memo.hold = RoutingMemo::Hold::kAssigned;
      memo.assigned_at = conv.assigned_at;
      memo.replied_since_assigned = conv.replied_since_assigned;
      break;
    case State::kWrapUp:
      memo.hold = RoutingMemo::Hold::kWrapUp;
      memo.assigned_at = conv.assigned_at;
      memo.until = conv.wrap_up_ends;
      break;
  }
  return memo;
}

void RoutingEngine::Restore(WorkItem item, const RoutingMemo& memo, TimePoint now) {
  ReindexAtEnd reindex{*this, now};
  if (conversations_.contains(item.conversation_id)) return;
  item.transfer_target = memo.transfer_target;
  Conv& conv = Insert(std::move(item));
  RenamePhases(conv, &memo.named_agents);
  conv.phases_since = memo.steps_since == TimePoint{} ? now : memo.steps_since;
  for (const auto& [agent_id, until] : memo.cooldowns) {
    if (until > now) conv.refused_until[agent_id] = until;
  }
  // A conversation some agent already took has waited its first wait: it does not teach the
  // typical wait again (LearnWait) when it is taken anew.
  conv.accepted_once = conv.agent_replied || memo.hold == RoutingMemo::Hold::kAssigned ||
                       memo.hold == RoutingMemo::Hold::kWrapUp;
  conv.rule = "restored after a restart";
  conv.rule_phase = -1;
  conv.decided_at = now;
  ScheduleDeadlines(conv);

  using Kind = RoutingMemo::Hold;
  auto known = slots_.find(memo.agent_id);
  if (memo.hold == Kind::kOffered && (known == slots_.end() || memo.until <= now)) {
    // It expired while the broker was down: a timeout, as it would have been.
    if (known != slots_.end() && memo.until + policy_.decline_cooldown > now) {
      conv.refused_until[memo.agent_id] = memo.until + policy_.decline_cooldown;
    }
    Route(conv, now);
    return;
  }
  if (memo.hold == Kind::kNone) {
    Route(conv, now);
    return;
  }
  // Held: by an agent no longer on the roster too (capacity 0), until the grace ends.
  const Slot slot = SlotOf(memo.agent_id, now);
  conv.agent_slot = slot;
  conv.generation++;
  switch (memo.hold) {
    case Kind::kOffered:
      conv.state = State::kOffered;
      conv.offer_number = memo.offer_number;
      conv.offer_expires = memo.until;
      Schedule(conv.offer_expires, Timer::kConversation, conv.id(), conv.generation);
      break;
    case Kind::kAssigned:
      conv.state = State::kAssigned;
      conv.assigned_at = memo.assigned_at == TimePoint{} ? now : memo.assigned_at;
      conv.replied_since_assigned = memo.replied_since_assigned;
      if (!conv.replied_since_assigned) {
        Schedule(conv.assigned_at + policy_.ReplyTimeout(conv.channel), Timer::kConversation, conv.id(), conv.generation);
      }
      break;
    case Kind::kWrapUp:
      conv.state = State::kWrapUp;
      conv.assigned_at = memo.assigned_at == TimePoint{} ? now : memo.assigned_at;
      conv.wrap_up_ends = std::max(memo.until, now);
      Schedule(conv.wrap_up_ends, Timer::kConversation, conv.id(), conv.generation);
      break;
    case Kind::kNone:
      break;
  }
  Hold(slot, conv);
  AgentState& agent = agents_[slot];
  if (agent.presence == omnibroker::v1::PRESENCE_OFFLINE) {
    // Not back yet: like a disconnect at `now`, the agent has the grace period to return (one
    // timer per conversation held: the first that fires returns them all).
    agent.offline_since = now;
    Schedule(now + policy_.presence_grace, Timer::kAgent, agent.agent.id(), agent.generation);
  }
}

}  // namespace omni::routing
