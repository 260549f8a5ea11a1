// RoutingEngine: read-only views (explanations, the queue, counts) and the invariant check the
// property tests run after every step. Admin paths: these may scan.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "broker/routing/routing_engine.h"

namespace omni::routing {

std::string RoutingEngine::PhaseLabel(const Conv& conv, const Phase& phase) const {
  if (phase.named()) return absl::StrCat(phase.why_named, " ", agents_[phase.target].agent.id());
  if (phase.step < 0) return absl::StrCat("any agent speaking ", symbols_.Name(conv.language));
  std::vector<std::string> parts;
  for (const auto& [skill, minimum] : phase.skills) parts.push_back(absl::StrCat(symbols_.Name(skill), ">=", minimum));
  parts.push_back(phase.language == kAnyLanguageSymbol ? "any language"
                                                       : symbols_.Name(phase.language));
  if (phase.tier_pool) parts.push_back("tier pool");
  return absl::StrCat("step ", phase.step + 1, " of ", conv.step_count, ": ", absl::StrJoin(parts, " "));
}

std::string RoutingEngine::RuleText(const Conv& conv) const {
  return conv.rule_phase >= 0 ? absl::StrCat(PhaseLabel(conv, conv.phases[conv.rule_phase]), ": ", conv.rule) : conv.rule;
}

std::string RoutingEngine::DecisionRule(const std::string& conversation_id) const {
  auto it = conversations_.find(conversation_id);
  return it == conversations_.end() ? "" : RuleText(it->second);
}

Explanation RoutingEngine::Explain(const std::string& conversation_id, TimePoint now) const {
  Explanation out{.conversation_id = conversation_id};
  auto it = conversations_.find(conversation_id);
  if (it == conversations_.end()) {
    out.state = "not routed (closed or unknown)";
    return out;
  }
  const Conv& conv = it->second;
  static constexpr const char* kStates[] = {"waiting", "offered", "assigned", "wrap_up"};
  out.state = kStates[static_cast<int>(conv.state)];
  const Phase& phase = conv.phases[PhaseAt(conv, now)];
  out.phase = PhaseLabel(conv, phase);
  if (AtRisk(conv, now)) {
    const Duration deadline = policy_.ForTier(conv.tier).first_response;
    const bool predicted = deadline - conv.predicted_wait < std::chrono::duration_cast<Duration>(deadline * policy_.risk_fraction);
    out.phase += predicted ? absl::StrCat(" (first response at risk: the typical wait of ",
                                          std::chrono::duration_cast<std::chrono::seconds>(conv.predicted_wait).count(),
                                          " s would miss it; steps relaxed)")
                           : " (first response at risk: steps relaxed)";
  }
  out.business_time = policy_.ForTier(conv.tier).business_time;
  if (out.business_time || policy_.HoursOf(conv.queue) != nullptr) out.calendar = policy_.CalendarOf(conv.queue).Label();
  out.hours = HoursText(conv, now);
  out.urgency_parts = UrgencyOf(conv, now);
  out.urgency = out.urgency_parts.total();
  out.agent_id = AgentOf(conv);
  out.rule = RuleText(conv);
  out.decided_at = conv.decided_at;

  const WaitClassSpec spec = SpecFor(conv, phase);
  const Symbol first_skill = spec.skills.empty() ? kAnySkillSymbol : spec.skills[0].first;
  for (Slot slot = 0; slot < agents_.size(); ++slot) {
    const AgentState& agent = agents_[slot];
    if (agent.removed) continue;
    Explanation::Candidate c{.agent_id = agent.agent.id()};
    c.fit = std::max(0, Proficiency(agent, first_skill));
    c.effort = Effort(agent, now);
    const Channel pool = policy_.PoolOf(conv.channel);
    if (const AgentState::Pool* p = PoolIn(agent, pool)) c.load = p->load;
    c.capacity = EffectiveCapacity(agent, pool, now);
    if (conv.agent_slot == slot) {
      c.verdict = absl::StrCat("holds it (", out.state, ")");
    } else if (!agent.off_routing.empty()) {
      c.verdict = agent.off_routing;
    } else if (agent.presence != omnibroker::v1::PRESENCE_AVAILABLE) {
      c.verdict = omnibroker::v1::Presence_Name(agent.presence);
    } else if (std::string why; !Eligible(agent, spec, &why)) {
      c.verdict = why;
    } else if (Refused(conv, agent.agent.id(), now)) {
      c.verdict = "declined it recently (cooldown)";
    } else if (c.load >= c.capacity) {
      c.verdict = agent.ramp_from ? "ramping up after a break" : "at capacity";
    } else {
      c.eligible = true;
      c.verdict = "eligible";
    }
    out.candidates.push_back(std::move(c));
  }
  // The engine's own order: eligible first, best fit, least effort.
  std::stable_sort(out.candidates.begin(), out.candidates.end(), [](const auto& a, const auto& b) {
    if (a.eligible != b.eligible) return a.eligible;
    if (a.fit != b.fit) return a.fit > b.fit;
    return a.effort < b.effort;
  });
  return out;
}

std::vector<RoutingEngine::Waiting> RoutingEngine::Queue() const {
  std::vector<Waiting> out;
  for (const auto& [id, conv] : conversations_) {
    if (conv.state == State::kWaiting || conv.state == State::kOffered) {
      out.push_back(Waiting{ItemOf(conv), conv.state == State::kOffered ? std::optional(OfferOf(conv)) : std::nullopt});
    }
  }
  std::sort(out.begin(), out.end(), [](const Waiting& a, const Waiting& b) {
    return a.item.queued_at < b.item.queued_at ||
           (a.item.queued_at == b.item.queued_at && a.item.conversation_id < b.item.conversation_id);
  });
  return out;
}

int RoutingEngine::AssignedCount(const std::string& agent_id) const {
  auto slot = slots_.find(agent_id);
  if (slot == slots_.end()) return 0;
  int n = 0;
  for (const Conv* conv : agents_[slot->second].holding) n += conv->state != State::kOffered;
  return n;
}

int RoutingEngine::OfferedCount(const std::string& agent_id) const {
  auto slot = slots_.find(agent_id);
  if (slot == slots_.end()) return 0;
  int n = 0;
  for (const Conv* conv : agents_[slot->second].holding) n += conv->state == State::kOffered;
  return n;
}

std::optional<std::string> RoutingEngine::AssignedAgent(const std::string& conversation_id) const {
  auto it = conversations_.find(conversation_id);
  if (it == conversations_.end() || it->second.state == State::kWaiting || it->second.state == State::kOffered) {
    return std::nullopt;
  }
  return AgentOf(it->second);
}

absl::Status RoutingEngine::CheckInvariants() const {
  std::vector<std::map<Channel, int>> loads(agents_.size());
  for (const auto& [id, conv] : conversations_) {
    const bool waiting = conv.state == State::kWaiting;
    if (waiting != conv.filed.has_value()) {
      return absl::InternalError(absl::StrCat(std::string(id.view()), ": waiting=", waiting, " but indexed=", conv.filed.has_value()));
    }
    if (conv.filed &&
        (conv.filed->rank.record != &conv || !conv.filed->cls->items.contains(conv.filed->rank))) {
      return absl::InternalError(absl::StrCat(std::string(id.view()), ": not filed where its ticket says"));
    }
    if (waiting != (conv.agent_slot == kNoSlot)) {
      return absl::InternalError(absl::StrCat(std::string(id.view()), ": waiting=", waiting, " but agent slot ", conv.agent_slot));
    }
    if (waiting) continue;
    const Slot slot = conv.agent_slot;
    if (slot >= agents_.size()) return absl::InternalError(absl::StrCat(std::string(id.view()), ": no agent in slot ", slot));
    const auto& holding = agents_[slot].holding;
    if (std::find(holding.begin(), holding.end(), &conv) == holding.end()) {
      return absl::InternalError(absl::StrCat(std::string(id.view()), ": not held by ", AgentOf(conv)));
    }
    loads[slot][conv.held_pool]++;
  }
  if (waiting_.size() > conversations_.size()) return absl::InternalError("a closed conversation is still indexed");
  for (Slot slot = 0; slot < agents_.size(); ++slot) {
    const AgentState& agent = agents_[slot];
    size_t held = 0;
    for (const auto& [pool, capacity, n, filings, filed] : agent.pools) {
      const int expected = loads[slot].contains(pool) ? loads[slot].at(pool) : 0;
      if (n != expected) {
        return absl::InternalError(absl::StrCat(agent.agent.id(), ": load ", n, " in pool ", pool, ", holds ", expected));
      }
      if (n > capacity) {
        return absl::InternalError(absl::StrCat(agent.agent.id(), ": load ", n, " over capacity in pool ", pool));
      }
      held += n;
    }
    if (held != agent.holding.size()) return absl::InternalError(absl::StrCat(agent.agent.id(), ": holding mismatch"));
  }
  return absl::OkStatus();
}

}  // namespace omni::routing
