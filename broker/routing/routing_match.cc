// RoutingEngine: matching. Phases and requirements of a conversation, agent eligibility and room,
// and the two directions of a decision: the best agent for a conversation (Route) and the most
// urgent conversation for an agent (FillAgent).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/ids.h"
#include "base/strings.h"
#include "broker/routing/routing_engine.h"

namespace omni::routing {
namespace {

double Seconds(TimePoint t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

constexpr char kRuleNamedAgent[] = "the named agent is available";
constexpr char kRuleDifficult[] = "difficult customer: the agent for difficult customers who had one least recently";
constexpr char kRuleBestFit[] = "best fit in the first required skill, then least recent effort";
constexpr char kRuleAnyAgent[] = "least recent effort among available agents";
constexpr char kRuleAgentFreed[] = "agent had room: the most urgent conversation they may serve";
constexpr char kRuleWaiting[] = "no eligible agent with room, waiting";

}  // namespace

void RoutingEngine::RenamePhases(Conv& conv, const std::vector<std::string>* waited_for) {
  conv.phases.erase(std::remove_if(conv.phases.begin(), conv.phases.end(), [](const Phase& p) { return p.named(); }),
                    conv.phases.end());
  Phases named_phases;
  auto named = [&](const std::string& agent_id, Duration wait, const char* why) {
    if (agent_id.empty() || wait <= Duration::zero()) return;
    auto slot = slots_.find(agent_id);
    if (slot == slots_.end()) return;
    // Waiting for someone who is not logged in would only delay the customer; after a restart
    // nobody is logged in yet, and those waited for before are on their way back.
    if (waited_for != nullptr
            ? std::find(waited_for->begin(), waited_for->end(), agent_id) == waited_for->end()
            : agents_[slot->second].presence == omnibroker::v1::PRESENCE_OFFLINE) {
      return;
    }
    // A difficult customer goes only to the agents marked for them, named or not.
    if (conv.difficult && !agents_[slot->second].agent.handles_difficult()) return;
    // Nor does anyone wait for an agent who is offered nothing new.
    if (!agents_[slot->second].off_routing.empty()) return;
    for (const auto& p : named_phases) {
      if (p.target == slot->second) return;
    }
    named_phases.push_back(Phase{.target = slot->second, .why_named = why, .length = wait});
  };
  if (!conv.transfer_target.empty()) {
    named(conv.transfer_target, policy_.transfer_wait, "transfer to");
  } else {
    named(conv.personal_manager, policy_.personal_manager_wait, "personal manager");
    named(conv.last_agent, policy_.last_agent_wait, "last agent");
  }
  conv.phases.insert(conv.phases.begin(), std::make_move_iterator(named_phases.begin()),
                     std::make_move_iterator(named_phases.end()));
}

RoutingEngine::Phases RoutingEngine::StepPhases(const std::vector<omnibroker::v1::RoutingStep>& steps,
                                                Symbol language) {
  Phases phases;
  const int count = static_cast<int>(steps.size());
  for (int i = 0; i < count; ++i) {
    const auto& step = steps[i];
    Duration length = i + 1 == count ? Duration::zero()
                      : step.wait_seconds() > 0 ? Duration(std::chrono::seconds(step.wait_seconds()))
                                                : policy_.default_relax_after;
    Phase phase{.step = i,
                .length = length,
                .language = step.language().empty() ? language : symbols_.InternLanguage(step.language()),
                .tier_pool = step.tier_pool()};
    for (const auto& s : step.skills())
      phase.skills.emplace_back(symbols_.Intern(s.skill()), s.min_proficiency());
    phases.push_back(std::move(phase));
  }
  if (count == 0) phases.push_back(Phase{.language = language});
  return phases;
}

void RoutingEngine::SetPhases(Conv& conv, const std::vector<omnibroker::v1::RoutingStep>& steps) {
  conv.phases = StepPhases(steps, conv.language);
  conv.step_count = static_cast<int>(steps.size());
  RenamePhases(conv);
}

TimePoint RoutingEngine::RiskAt(const Conv& conv) const {
  // In the deadline's own time: a business-time deadline comes at risk after as much business
  // time, and the typical wait it is measured against was learnt in business time too.
  const Duration deadline = policy_.ForTier(conv.tier).first_response;
  return DueAfter(conv, conv.queued_at,
                  std::min(std::chrono::duration_cast<Duration>(deadline * policy_.risk_fraction),
                           deadline - conv.predicted_wait));
}

bool RoutingEngine::AtRisk(const Conv& conv, TimePoint now) const {
  return !conv.agent_replied && now >= RiskAt(conv);
}

Duration RoutingEngine::TypicalWait(Channel pool) const {
  auto it = typical_wait_seconds_.find(pool);
  return it == typical_wait_seconds_.end() ? Duration::zero()
                                           : std::chrono::duration_cast<Duration>(std::chrono::duration<double>(it->second));
}

void RoutingEngine::LearnWait(Channel pool, Duration waited) {
  // A moving average over about the last ten accepts: recent enough to follow a queue backing
  // up, steady enough that one unlucky customer does not relax everyone's steps.
  constexpr double kWeight = 0.1;
  const double seconds = std::max(0.0, std::chrono::duration<double>(waited).count());
  auto [it, first] = typical_wait_seconds_.try_emplace(pool, seconds);
  if (!first) it->second += kWeight * (seconds - it->second);
}

void RoutingEngine::WakeNewlyAtRisk(Channel pool, TimerHeap& due, TimePoint now) {
  const Duration typical = TypicalWait(pool);
  while (!due.empty() && due.top().at <= now + typical) {
    const Timer entry = due.top();
    due.pop();
    auto found = conversations_.find(entry.id.view());
    if (found == conversations_.end() || found->second.generation != entry.generation) continue;  // moved on
    // One routed by this typical wait (or a longer one) has its risk timer at or before now.
    if (found->second.predicted_wait >= typical) continue;
    Schedule(now, Timer::kConversation, entry.id.view(), entry.generation);  // Advance routes it again
  }
}

int RoutingEngine::PhaseAt(const Conv& conv, TimePoint now, std::optional<TimePoint>* ends) const {
  if (ends != nullptr) ends->reset();
  const int last = static_cast<int>(conv.phases.size()) - 1;
  if (AtRisk(conv, now)) return last;
  TimePoint end = conv.phases_since;
  for (int i = 0; i < last; ++i) {
    const Phase& phase = conv.phases[i];
    // A named agent who refused the conversation, or who is off routing, is not waited for: nor is
    // their wait counted.
    if (phase.named() &&
        (Refused(conv, agents_[phase.target].agent.id(), now) || !agents_[phase.target].off_routing.empty())) {
      continue;
    }
    if (phase.length == Duration::zero()) return i;
    end += phase.length;
    if (now < end) {
      if (ends != nullptr) *ends = end;
      return i;
    }
  }
  return last;
}

Explanation::UrgencyParts RoutingEngine::UrgencyOf(const Conv& conv, TimePoint now) const {
  return {.tier = policy_.ForTier(conv.tier).weight,
          .waited = policy_.urgency_per_second * (Seconds(now) - Seconds(conv.queued_at)),
          .priority = policy_.urgency_per_priority * conv.priority,
          .at_risk = AtRisk(conv, now) ? policy_.risk_urgency : 0};
}

WaitClassSpec RoutingEngine::SpecFor(const Conv& conv, const Phase& phase) const {
  WaitClassSpec spec{.pool = policy_.PoolOf(conv.channel), .difficult = conv.difficult};
  if (phase.named()) {
    // A named agent was chosen for this customer: no further requirements but the difficult flag
    // (RenamePhases names only agents marked for it; the roster may change while it waits).
    spec.target_agent = agents_[phase.target].agent.id();
    return spec;
  }
  spec.language = phase.language;
  if (phase.step < 0) return spec;
  spec.skills = phase.skills;
  if (phase.tier_pool) spec.tier_pool = conv.tier;
  return spec;
}

int RoutingEngine::EffectiveCapacity(const AgentState& agent, Channel pool, TimePoint now) const {
  const AgentState::Pool* p = PoolIn(agent, pool);
  if (p == nullptr) return 0;
  if (!agent.ramp_from || policy_.ramp_step <= Duration::zero()) return p->capacity;
  const int steps = 1 + static_cast<int>((now - *agent.ramp_from) / policy_.ramp_step);
  return std::min(p->capacity, steps);
}

int RoutingEngine::Room(const AgentState& agent, Channel pool, TimePoint now) const {
  const AgentState::Pool* p = PoolIn(agent, pool);
  return EffectiveCapacity(agent, pool, now) - (p == nullptr ? 0 : p->load);
}

bool RoutingEngine::Eligible(const AgentState& agent, const WaitClassSpec& spec, std::string* why) const {
  // Reasons are spelled out only when asked (Explain): the hot path does not allocate.
  auto no = [why](auto&&... reason) {
    if (why != nullptr) *why = absl::StrCat(reason...);
    return false;
  };
  if (!spec.target_agent.empty() && spec.target_agent != agent.agent.id()) {
    return no("waits for ", spec.target_agent);
  }
  if (spec.difficult && !agent.agent.handles_difficult()) return no("not for difficult customers");
  if (!spec.target_agent.empty()) return true;
  if (spec.language != kAnyLanguageSymbol &&
      std::find(agent.languages.begin(), agent.languages.end(), spec.language) ==
          agent.languages.end()) {
    return no("does not speak ", symbols_.Name(spec.language));
  }
  for (const auto& [skill, min] : spec.skills) {
    if (Proficiency(agent, skill) < min) return no("needs ", symbols_.Name(skill), ">=", min);
  }
  if (spec.tier_pool != omnibroker::v1::TIER_UNSPECIFIED) {
    const auto& tiers = agent.agent.tiers();
    if (std::find(tiers.begin(), tiers.end(), spec.tier_pool) == tiers.end()) {
      return no("not in the ", omnibroker::v1::Tier_Name(spec.tier_pool), " pool");
    }
  }
  return true;
}

int RoutingEngine::Proficiency(const AgentState& agent, Symbol skill) {
  for (const auto& [have, level] : agent.skills) {
    if (have == skill) return level;
  }
  return -1;
}

bool RoutingEngine::Refused(const Conv& conv, const std::string& agent_id, TimePoint now) const {
  auto it = conv.refused_until.find(agent_id);
  return it != conv.refused_until.end() && now < it->second;
}

void RoutingEngine::Route(Conv& conv, TimePoint now) {
  conv.generation++;
  Unfile(conv);
  // Only ever earlier: a conversation once at risk stays so while the typical wait recovers.
  if (!conv.agent_replied) conv.predicted_wait = std::max(conv.predicted_wait, TypicalWait(policy_.PoolOf(conv.channel)));
  std::optional<TimePoint> phase_ends;
  const int index = PhaseAt(conv, now, &phase_ends);
  const Phase& phase = conv.phases[index];
  const WaitClassSpec spec = SpecFor(conv, phase);
  const char* rule = "";
  if (auto slot = FindAgent(conv, spec, now, rule)) {
    MakeOffer(conv, *slot, rule, index, now);
    return;
  }
  const double key = Urgency(conv, now) - policy_.urgency_per_second * Seconds(now);
  conv.filed = waiting_.Insert(spec, WaitRank{-key, conv.sequence, &conv});
  conv.rule = kRuleWaiting;
  conv.rule_phase = index;
  conv.decided_at = now;

  // Wake up when the phase relaxes, when the deadline comes at risk, or when a cooldown ends.
  std::optional<TimePoint> wake;
  auto earliest = [&](TimePoint t) {
    if (t > now && (!wake || t < *wake)) wake = t;
  };
  if (phase_ends) earliest(*phase_ends);
  if (!AtRisk(conv, now) && !conv.agent_replied) {
    earliest(RiskAt(conv));
    // WakeNewlyAtRisk compares this instant with now + the typical wait: for a business-time
    // deadline that is exact while the calendar stays open until it, and wakes it at the latest
    // once the closed time in between has passed.
    const Timer due{DueAfter(conv, conv.queued_at, policy_.ForTier(conv.tier).first_response), Timer::kConversation,
                    InlineId(conv.id()), conv.generation};
    first_response_due_[policy_.PoolOf(conv.channel)].push(due);
  }
  for (const auto& [agent, until] : conv.refused_until) earliest(until);
  if (const QueueHours* hours = policy_.HoursOf(conv.queue)) {
    if (auto look_again = AfterHours(conv, *hours, now); look_again && *look_again != TimePoint::max()) {
      earliest(*look_again);
    }
  }
  if (wake) Schedule(*wake, Timer::kConversation, conv.id(), conv.generation);
}

std::optional<Slot> RoutingEngine::FindAgent(const Conv& conv, const WaitClassSpec& spec, TimePoint now,
                                             const char*& rule) {
  auto usable = [&](Slot slot) {
    const AgentState& agent = agents_[slot];
    return agent.presence == omnibroker::v1::PRESENCE_AVAILABLE && agent.off_routing.empty() &&
           Room(agent, spec.pool, now) > 0 && Eligible(agent, spec) && !Refused(conv, agent.agent.id(), now);
  };
  if (!spec.target_agent.empty()) {
    auto it = slots_.find(spec.target_agent);
    if (it == slots_.end() || !usable(it->second)) return std::nullopt;
    rule = kRuleNamedAgent;
    return it->second;
  }
  if (spec.difficult) {
    for (const auto& [last, slot] : difficult_rotation_) {
      if (!usable(slot)) continue;
      rule = kRuleDifficult;
      return slot;
    }
    return std::nullopt;
  }
  const Symbol skill = spec.skills.empty() ? kAnySkillSymbol : spec.skills[0].first;
  const int min = spec.skills.empty() ? 0 : spec.skills[0].second;
  for (const AgentRank& rank : agent_index_.Find(spec.pool, spec.language, skill)) {
    if (-rank.negative_fit < min) break;  // the rest fit even less
    if (!usable(rank.slot)) continue;
    rule = spec.skills.empty() ? kRuleAnyAgent : kRuleBestFit;
    return rank.slot;
  }
  return std::nullopt;
}

void RoutingEngine::FillAgent(Slot slot, TimePoint now) {
  AgentState& agent = agents_[slot];
  if (agent.presence != omnibroker::v1::PRESENCE_AVAILABLE || !agent.off_routing.empty()) return;
  while (true) {
    const WaitRank* best = nullptr;
    auto consider = [&](const WaitingIndex::Class* cls) {
      // A class whose most urgent conversation is not more urgent than the best so far has nothing
      // better: skip it before checking eligibility.
      if (best != nullptr && !(*cls->items.begin() < *best)) return;
      if (Room(agent, cls->spec.pool, now) <= 0 || !Eligible(agent, cls->spec)) return;
      int looked = 0;
      for (const WaitRank& rank : cls->items) {
        if (best != nullptr && !(rank < *best)) return;
        // Cooldowns are rare: look a little past them, not through the whole class.
        if (++looked > 16) return;
        if (Refused(*static_cast<const Conv*>(rank.record), agent.agent.id(), now)) continue;
        best = &rank;
        return;
      }
    };
    // The classes filed where the agent is filed: the same buckets, seen from the other side.
    for (const auto& pool : agent.pools) {
      if (Room(agent, pool.pool, now) <= 0) continue;
      for (const auto* classes : pool.waiting_filed) {
        for (const auto* cls : *classes) consider(cls);
      }
    }
    for (const auto* cls : waiting_.ForTarget(agent.agent.id())) consider(cls);
    if (best == nullptr) return;
    Conv& conv = *static_cast<Conv*>(best->record);
    MakeOffer(conv, slot, kRuleAgentFreed, PhaseAt(conv, now), now);
  }
}

void RoutingEngine::MakeOffer(Conv& conv, Slot slot, const char* rule, int phase, TimePoint now) {
  AgentState& agent = agents_[slot];
  Unfile(conv);
  conv.generation++;
  conv.state = State::kOffered;
  conv.agent_slot = slot;
  conv.offer_number = next_offer_number_++;
  conv.offer_expires = now + policy_.offer_timeout;
  MemoChanged(conv);
  conv.rule = rule;
  conv.rule_phase = phase;
  conv.decided_at = now;
  if (conv.difficult && agent.agent.handles_difficult()) {
    difficult_rotation_.erase({agent.last_difficult, slot});
    agent.last_difficult = now;
    difficult_rotation_.insert({agent.last_difficult, slot});
  }
  Hold(slot, conv);
  Schedule(conv.offer_expires, Timer::kConversation, conv.id(), conv.generation);
  Emit(Decision{.kind = Decision::Kind::kOffer,
                .conversation_id = std::string(conv.id()),
                .agent_id = agent.agent.id(),
                .offer_id = OfferIdOf(conv),
                .at = conv.offer_expires});
}

std::string RoutingEngine::OfferIdOf(const Conv& conv) const {
  std::string id;
  id.reserve(conv.id().size() + 17);
  id.append(conv.id()).push_back('/');
  AppendHex64(id, conv.offer_number);
  return id;
}

Offer RoutingEngine::OfferOf(const Conv& conv) const {
  return Offer{.offer_id = OfferIdOf(conv),
               .conversation_id = std::string(conv.id()),
               .agent_id = AgentOf(conv),
               .expires_at = conv.offer_expires};
}

}  // namespace omni::routing
