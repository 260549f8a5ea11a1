// RoutingEngine: the facts the core reports (roster, presence, conversations, offers answered,
// replies, transfers, closes) and the timers that follow from them.
#include "broker/routing/routing_engine.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/ids.h"

namespace omni::routing {
namespace {

using omnibroker::v1::PRESENCE_AVAILABLE;
using omnibroker::v1::PRESENCE_AWAY;
using omnibroker::v1::PRESENCE_OFFLINE;

double Minutes(Duration d) { return std::chrono::duration<double, std::ratio<60>>(d).count(); }
double Seconds(TimePoint t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

// Whether every tier has the same deadlines under `a` and `b`, counted the same way.
bool SameDeadlines(const RoutingPolicy& a, const RoutingPolicy& b) {
  if (a.calendars != b.calendars || a.queue_hours != b.queue_hours) return false;
  const auto* tiers = omnibroker::v1::Tier_descriptor();
  for (int i = 0; i < tiers->value_count(); ++i) {
    const auto tier = static_cast<Tier>(tiers->value(i)->number());
    const TierPolicy &x = a.ForTier(tier), &y = b.ForTier(tier);
    if (x.first_response != y.first_response || x.next_response != y.next_response || x.resolution != y.resolution ||
        x.business_time != y.business_time) {
      return false;
    }
  }
  return true;
}

}  // namespace

RoutingEngine::RoutingEngine(RoutingPolicy policy)
    : policy_(std::move(policy)), next_offer_number_(RandomUint64()) {}

absl::Status RoutingEngine::SetPolicy(RoutingPolicy policy, TimePoint now) {
  ReindexAtEnd reindex{*this, now};
  if (auto s = Validate(policy); !s.ok()) return s;
  // Timers already running were set by the old policy: those it changes are set again (a timer
  // that comes early finds nothing due; one that would come late must not be the only one).
  const RoutingPolicy before = std::exchange(policy_, std::move(policy));
  const bool deadlines_changed = !SameDeadlines(before, policy_);
  const bool ramp_changed = policy_.ramp_step != before.ramp_step;
  const bool grace_changed = policy_.presence_grace != before.presence_grace;
  for (AgentState& agent : agents_) {
    if (ramp_changed && agent.ramp_from) {
      if (policy_.ramp_step == Duration::zero()) {
        agent.ramp_from.reset();  // no ramp-up any more: full capacity now
      } else if (agent.presence == PRESENCE_AVAILABLE) {
        agent.generation++;  // voids the old step's timer (an available agent has no other)
        ContinueRamp(agent, now);
      }
    }
    // A longer grace finds its timer early (OnAgentTimer sets it again); a shorter one needs this.
    if (grace_changed && agent.presence == PRESENCE_OFFLINE) {
      Schedule(agent.offline_since + policy_.presence_grace, Timer::kAgent, agent.agent.id(), agent.generation);
    }
  }
  for (Slot slot = 0; slot < agents_.size(); ++slot) UpsertAgent(agents_[slot].agent, now);
  for (auto& [id, conv] : conversations_) {
    if (deadlines_changed) ScheduleDeadlines(conv);
    const Duration reply_timeout = policy_.ReplyTimeout(conv.channel);
    if (reply_timeout != before.ReplyTimeout(conv.channel) && conv.state == State::kAssigned &&
        !conv.replied_since_assigned) {
      Schedule(conv.assigned_at + reply_timeout, Timer::kConversation, conv.id(), conv.generation);
    }
    if (conv.state == State::kWaiting) Route(conv, now);
  }
  return absl::OkStatus();
}

Slot RoutingEngine::SlotOf(const std::string& agent_id, TimePoint now) {
  auto [it, created] = slots_.try_emplace(agent_id, static_cast<Slot>(agents_.size()));
  if (created) {
    AgentState& agent = agents_.emplace_back();
    agent.agent.set_id(agent_id);
    // Offline since the engine learnt of them (as at a start): a login within the grace is no
    // return from a break.
    agent.offline_since = now;
  }
  return it->second;
}

const RoutingEngine::AgentState::Pool* RoutingEngine::PoolIn(const AgentState& agent, Channel pool) {
  for (const auto& p : agent.pools) {
    if (p.pool == pool) return &p;
  }
  return nullptr;
}

RoutingEngine::AgentState::Pool& RoutingEngine::PoolFor(AgentState& agent, Channel pool) {
  auto it = std::find_if(agent.pools.begin(), agent.pools.end(), [&](const auto& p) { return p.pool >= pool; });
  if (it != agent.pools.end() && it->pool == pool) return *it;
  return *agent.pools.insert(it, AgentState::Pool{.pool = pool});
}

// ---- effort: each agent's recent effort decays exponentially; log(effort) + rate * t orders
// agents the same way at every instant, so the index never needs re-sorting as time passes.

double RoutingEngine::Effort(const AgentState& agent, TimePoint now) const {
  if (!agent.has_effort) return 0;
  const double rate = std::log(2.0) / std::chrono::duration<double>(policy_.effort_half_life).count();
  return std::exp(agent.effort_key - rate * Seconds(now));
}

void RoutingEngine::AddEffort(Slot slot, double weighted_minutes, TimePoint now) {
  if (weighted_minutes <= 0) return;
  AgentState& agent = agents_[slot];
  MarkForReindex(slot);
  const double rate = std::log(2.0) / std::chrono::duration<double>(policy_.effort_half_life).count();
  agent.effort_key = std::log(Effort(agent, now) + weighted_minutes) + rate * Seconds(now);
  agent.has_effort = true;
}

// ---- agents

void RoutingEngine::UpsertAgent(const omnibroker::v1::Agent& roster, TimePoint now) {
  ReindexAtEnd reindex{*this, now};
  const Slot slot = SlotOf(roster.id(), now);
  AgentState& agent = agents_[slot];
  for (const auto& pool : agent.pools) agent_index_.Remove(slot, pool.pool);
  difficult_rotation_.erase({agent.last_difficult, slot});
  agent.agent = roster;
  agent.removed = false;
  agent.languages.clear();
  for (const auto& language : roster.languages()) {
    // "en-US" and "en-GB" are one language to routing: filed once.
    const Symbol symbol = symbols_.InternLanguage(language);
    if (std::find(agent.languages.begin(), agent.languages.end(), symbol) == agent.languages.end()) {
      agent.languages.push_back(symbol);
    }
  }
  agent.skills.clear();
  for (const auto& s : roster.skills()) {
    const Symbol skill = symbols_.Intern(s.name());
    auto same = std::find_if(agent.skills.begin(), agent.skills.end(),
                             [&](const auto& e) { return e.first == skill; });
    if (same != agent.skills.end()) {
      same->second = s.proficiency();  // a name given twice: the last one counts
    } else {
      agent.skills.emplace_back(skill, s.proficiency());
    }
  }
  // Loads are live state and stay; capacities and filings are the roster's.
  agent.pools.erase(std::remove_if(agent.pools.begin(), agent.pools.end(), [](const auto& p) { return p.load == 0; }),
                    agent.pools.end());
  for (auto& pool : agent.pools) pool = AgentState::Pool{.pool = pool.pool, .load = pool.load};
  for (const auto& c : roster.capacity()) {
    // A channel that shares another's units has no capacity of its own.
    if (policy_.PoolOf(c.channel()) == c.channel()) PoolFor(agent, c.channel()).capacity = c.max_concurrent();
  }
  for (auto& pool : agent.pools) {
    pool.filings = FilingsFor(pool.pool, agent.languages, agent.skills);
    for (const Filing& f : pool.filings) pool.waiting_filed.push_back(&waiting_.Filed(f.key));
  }
  if (roster.handles_difficult()) difficult_rotation_.insert({agent.last_difficult, slot});
  Reindex(slot, now);
  FillAgent(slot, now);
}

void RoutingEngine::RemoveAgent(const std::string& agent_id, TimePoint now) {
  ReindexAtEnd reindex{*this, now};
  auto found = slots_.find(agent_id);
  if (found == slots_.end()) return;
  const Slot slot = found->second;
  AgentState& agent = agents_[slot];
  agent.removed = true;
  agent.presence = PRESENCE_OFFLINE;
  agent.absence = PRESENCE_OFFLINE;
  agent.offline_since = now;
  agent.ramp_from.reset();
  agent.generation++;  // their grace and ramp timers find nothing
  Reindex(slot, now);  // out of the index before their work is routed again
  const std::vector<Conv*> held = agent.holding;
  for (Conv* conv : held) {
    switch (conv->state) {
      case State::kOffered:
        Emit(Decision{.kind = Decision::Kind::kOfferWithdrawn, .conversation_id = std::string(conv->id()),
                      .agent_id = agent_id, .offer_id = OfferIdOf(*conv), .at = now, .reason = "agent_removed"});
        TakeBack(*conv, /*cooldown=*/false, /*new_phases=*/false, now);
        break;
      case State::kAssigned:
        Reclaim(*conv, "agent_removed", /*cooldown=*/false, now);
        break;
      case State::kWrapUp:
        Finish(conversations_.find(conv->id()), now);
        break;
      case State::kWaiting:
        break;
    }
  }
}

void RoutingEngine::SetPresence(const std::string& agent_id, Presence presence, TimePoint now) {
  ChangePresence(agent_id, presence, /*keep_offers=*/false, now);
}

void RoutingEngine::Disconnected(const std::string& agent_id, TimePoint now) {
  ChangePresence(agent_id, PRESENCE_OFFLINE, /*keep_offers=*/true, now);
}

std::vector<Offer> RoutingEngine::OffersFor(const std::string& agent_id) const {
  std::vector<Offer> out;
  auto found = slots_.find(agent_id);
  if (found == slots_.end()) return out;
  for (const Conv* conv : agents_[found->second].holding) {
    if (conv->state == State::kOffered) out.push_back(OfferOf(*conv));
  }
  return out;
}

void RoutingEngine::SetOffRouting(const std::string& agent_id, std::string why, TimePoint now) {
  ReindexAtEnd reindex{*this, now};
  const Slot slot = SlotOf(agent_id, now);
  AgentState& agent = agents_[slot];
  if (agent.off_routing == why) return;
  const bool was_off = !agent.off_routing.empty();
  agent.off_routing = std::move(why);
  Reindex(slot, now);  // out of the index (or back in) before any work is routed again
  if (agent.off_routing.empty()) {
    FillAgent(slot, now);
    return;
  }
  if (was_off) return;  // only the reason changed
  std::vector<Conv*> offered;
  for (Conv* conv : agent.holding) {
    if (conv->state == State::kOffered) offered.push_back(conv);
  }
  for (Conv* conv : offered) {
    Emit(Decision{.kind = Decision::Kind::kOfferWithdrawn, .conversation_id = std::string(conv->id()),
                  .agent_id = agent_id, .offer_id = OfferIdOf(*conv), .at = now, .reason = "agent_off_routing"});
    TakeBack(*conv, /*cooldown=*/false, /*new_phases=*/false, now);
  }
  // Those waiting for them by name (their personal manager, a transfer) wait no longer.
  std::vector<Conv*> waiting;
  for (const auto* cls : waiting_.ForTarget(agent_id)) {
    for (const WaitRank& rank : cls->items) waiting.push_back(static_cast<Conv*>(rank.record));
  }
  for (Conv* conv : waiting) Route(*conv, now);
}

void RoutingEngine::ChangePresence(const std::string& agent_id, Presence presence, bool keep_offers,
                                   TimePoint now) {
  ReindexAtEnd reindex{*this, now};
  auto found = slots_.find(agent_id);
  if (found == slots_.end()) return;
  const Slot slot = found->second;
  AgentState& agent = agents_[slot];
  const Presence before = agent.presence;
  if (before == presence) return;
  agent.presence = presence;
  agent.generation++;
  if (presence == PRESENCE_AWAY) agent.absence = PRESENCE_AWAY;
  if (presence == PRESENCE_OFFLINE) {
    if (agent.absence != PRESENCE_AWAY) agent.absence = PRESENCE_OFFLINE;
    // Offers cannot be answered offline; assignments wait out the grace period.
    std::vector<Conv*> offered;
    for (Conv* conv : agent.holding) {
      if (conv->state == State::kOffered && !keep_offers) offered.push_back(conv);
    }
    for (Conv* conv : offered) {
      Emit(Decision{.kind = Decision::Kind::kOfferWithdrawn, .conversation_id = std::string(conv->id()),
                    .agent_id = agent_id, .offer_id = OfferIdOf(*conv), .at = now, .reason = "agent_offline"});
      TakeBack(*conv, /*cooldown=*/false, /*new_phases=*/false, now);
    }
    agent.offline_since = now;
    Schedule(now + policy_.presence_grace, Timer::kAgent, agent_id, agent.generation);
  }
  if (presence == PRESENCE_AVAILABLE) {
    const bool back_from_break = agent.absence == PRESENCE_AWAY ||
                                 (agent.absence == PRESENCE_OFFLINE && now - agent.offline_since >= policy_.presence_grace);
    agent.absence = omnibroker::v1::PRESENCE_UNSPECIFIED;
    if (back_from_break && policy_.ramp_step > Duration::zero()) agent.ramp_from = now;
    // Also a ramp that a busy spell or a flap interrupted: its timer went with the old presence.
    if (agent.ramp_from) ContinueRamp(agent, now);
  }
  Reindex(slot, now);
  FillAgent(slot, now);
}

void RoutingEngine::Reindex(Slot slot, TimePoint now) {
  AgentState& agent = agents_[slot];
  for (const auto& pool : agent.pools) {
    if (agent.presence == PRESENCE_AVAILABLE && agent.off_routing.empty() && Room(agent, pool.pool, now) > 0) {
      agent_index_.Insert(slot, pool.pool, pool.filings,
                          agent.has_effort ? agent.effort_key : -std::numeric_limits<double>::infinity());
    } else {
      agent_index_.Remove(slot, pool.pool);
    }
  }
}

void RoutingEngine::AddLoad(Slot slot, Channel pool, int delta) {
  PoolFor(agents_[slot], pool).load += delta;
  MarkForReindex(slot);
}

void RoutingEngine::MarkForReindex(Slot slot) {
  if (agents_[slot].needs_reindex) return;
  agents_[slot].needs_reindex = true;
  needs_reindex_.push_back(slot);
}

void RoutingEngine::FlushReindex(TimePoint now) {
  for (Slot slot : needs_reindex_) {
    agents_[slot].needs_reindex = false;
    Reindex(slot, now);
  }
  needs_reindex_.clear();
}

// ---- conversations

RoutingEngine::Conv& RoutingEngine::Insert(WorkItem item) {
  auto it = conversations_.try_emplace(InlineId(item.conversation_id)).first;
  Conv& conv = it->second;
  conv.key = &it->first;
  conv.channel = item.channel;
  conv.queue = std::move(item.queue);
  conv.after_hours_reply_at = item.after_hours_reply_at;
  TakeFacts(conv, item);
  conv.transfer_target = std::move(item.transfer_target);
  conv.queued_at = item.queued_at;
  conv.agent_replied = item.agent_replied;
  conv.awaiting_reply_since = item.awaiting_reply_since;
  conv.first_breached = item.breached.contains("first_response");
  conv.next_breached = item.breached.contains("next_response");
  conv.resolution_breached = item.breached.contains("resolution");
  conv.sequence = next_sequence_++;
  SetPhases(conv, item.steps);
  MemoChanged(conv);
  return conv;
}

void RoutingEngine::TakeFacts(Conv& conv, WorkItem& item) {
  conv.tier = item.tier;
  conv.priority = item.priority;
  conv.language = symbols_.InternLanguage(item.language.empty() ? policy_.default_language : item.language);
  conv.difficult = item.difficult;
  conv.personal_manager = std::move(item.personal_manager);
  conv.last_agent = std::move(item.last_agent);
}

WorkItem RoutingEngine::ItemOf(const Conv& conv) const {
  WorkItem item{.conversation_id = std::string(conv.id()),
                .channel = conv.channel,
                .queue = conv.queue,
                .tier = conv.tier,
                .priority = conv.priority,
                .language = symbols_.Name(conv.language),
                .difficult = conv.difficult,
                .personal_manager = conv.personal_manager,
                .last_agent = conv.last_agent,
                .transfer_target = conv.transfer_target,
                .queued_at = conv.queued_at,
                .agent_replied = conv.agent_replied,
                .awaiting_reply_since = conv.awaiting_reply_since,
                .after_hours_reply_at = conv.after_hours_reply_at};
  if (conv.first_breached) item.breached.insert("first_response");
  if (conv.next_breached) item.breached.insert("next_response");
  if (conv.resolution_breached) item.breached.insert("resolution");
  return item;
}

const std::string& RoutingEngine::AgentOf(const Conv& conv) const {
  static const std::string kNone;
  return conv.agent_slot == kNoSlot ? kNone : agents_[conv.agent_slot].agent.id();
}

void RoutingEngine::Enqueue(WorkItem item, TimePoint now) {
  ReindexAtEnd reindex{*this, now};
  if (conversations_.contains(item.conversation_id)) return;
  Conv& conv = Insert(std::move(item));
  conv.phases_since = now;
  ScheduleDeadlines(conv);
  Route(conv, now);
}

void RoutingEngine::Requalify(WorkItem item, TimePoint now) {
  ReindexAtEnd reindex{*this, now};
  auto it = conversations_.find(item.conversation_id);
  if (it == conversations_.end()) return;
  Conv& conv = it->second;
  if (conv.state != State::kWaiting && conv.state != State::kOffered) return;
  const Tier tier_before = conv.tier;
  TakeFacts(conv, item);
  SetPhases(conv, item.steps);  // phases_since stays: the steps' waits count from when they began
  MemoChanged(conv);
  const bool queue_changed = conv.queue != item.queue;
  if (queue_changed) conv.queue = std::move(item.queue);
  if (conv.tier != tier_before || queue_changed) ScheduleDeadlines(conv);
  if (conv.state == State::kWaiting) {
    Route(conv, now);
    return;
  }
  const Phase& phase = conv.phases[PhaseAt(conv, now)];
  if (Eligible(agents_[conv.agent_slot], SpecFor(conv, phase))) return;
  Emit(Decision{.kind = Decision::Kind::kOfferWithdrawn, .conversation_id = std::string(conv.id()),
                .agent_id = AgentOf(conv), .offer_id = OfferIdOf(conv), .at = now, .reason = "requirements_changed"});
  TakeBack(conv, /*cooldown=*/false, /*new_phases=*/false, now);
}

absl::StatusOr<RoutingEngine::Conv*> RoutingEngine::OpenOffer(const std::string& offer_id,
                                                              const std::string& agent_id) {
  constexpr size_t kSuffix = 17;  // "/" + 16 hex digits: see OfferIdOf
  const std::string_view text = offer_id;
  auto it = text.size() > kSuffix && text[text.size() - kSuffix] == '/'
                ? conversations_.find(text.substr(0, text.size() - kSuffix))
                : conversations_.end();
  if (it == conversations_.end() || it->second.state != State::kOffered ||
      text.substr(text.size() - kSuffix + 1) != std::string_view(Hex64(it->second.offer_number).data(), 16)) {
    return absl::NotFoundError(absl::StrCat("offer ", offer_id, " is not open (expired or withdrawn)"));
  }
  Conv& conv = it->second;
  if (AgentOf(conv) != agent_id) {
    return absl::PermissionDeniedError(absl::StrCat("offer ", offer_id, " is not for agent ", agent_id));
  }
  return &conv;
}

absl::StatusOr<RoutingEngine::Conv*> RoutingEngine::AssignedTo(const std::string& conversation_id,
                                                               const std::string& agent_id) {
  auto it = conversations_.find(conversation_id);
  if (it == conversations_.end() || it->second.state != State::kAssigned || AgentOf(it->second) != agent_id) {
    return absl::FailedPreconditionError(
        absl::StrCat("conversation ", conversation_id, " is not assigned to ", agent_id));
  }
  return &it->second;
}

absl::StatusOr<Offer> RoutingEngine::Accept(const std::string& offer_id, const std::string& agent_id,
                                            TimePoint now) {
  ReindexAtEnd reindex{*this, now};
  auto found = OpenOffer(offer_id, agent_id);
  if (!found.ok()) return found.status();
  Conv& conv = **found;
  Offer offer = OfferOf(conv);
  conv.generation++;
  conv.state = State::kAssigned;
  if (!conv.accepted_once && !conv.agent_replied) {
    LearnWait(policy_.PoolOf(conv.channel), DeadlineTimeBetween(conv, conv.queued_at, now));
  }
  conv.accepted_once = true;
  conv.assigned_at = now;
  conv.replied_since_assigned = false;
  conv.transfer_target.clear();
  MemoChanged(conv);
  const Slot slot = slots_.at(agent_id);
  const ChannelPolicy channel = policy_.ForChannel(conv.channel);
  AddEffort(slot, channel.effort_weight * Minutes(channel.nominal_handle_time), now);
  Schedule(now + policy_.ReplyTimeout(conv.channel), Timer::kConversation, conv.id(), conv.generation);
  return offer;
}

absl::StatusOr<Offer> RoutingEngine::Decline(const std::string& offer_id, const std::string& agent_id,
                                             TimePoint now) {
  ReindexAtEnd reindex{*this, now};
  auto found = OpenOffer(offer_id, agent_id);
  if (!found.ok()) return found.status();
  Conv& conv = **found;
  Offer offer = OfferOf(conv);
  TakeBack(conv, /*cooldown=*/true, /*new_phases=*/false, now);
  return offer;
}

void RoutingEngine::AgentReplied(const std::string& conversation_id, TimePoint now) {
  auto it = conversations_.find(conversation_id);
  if (it == conversations_.end()) return;
  it->second.agent_replied = true;
  it->second.awaiting_reply_since.reset();
  if (!it->second.replied_since_assigned && it->second.state == State::kAssigned) MemoChanged(it->second);
  it->second.replied_since_assigned = true;
}

void RoutingEngine::CustomerMessage(const std::string& conversation_id, TimePoint now) {
  auto it = conversations_.find(conversation_id);
  if (it == conversations_.end() || it->second.awaiting_reply_since) return;
  it->second.awaiting_reply_since = now;
  it->second.next_breached = false;
  Schedule(DueAfter(it->second, now, policy_.ForTier(it->second.tier).next_response), Timer::kDeadline,
           conversation_id, 0);
}

absl::Status RoutingEngine::TransferToAgent(const std::string& conversation_id, const std::string& from_agent,
                                            const std::string& to_agent, TimePoint now) {
  ReindexAtEnd reindex{*this, now};
  if (!slots_.contains(to_agent)) return absl::NotFoundError(absl::StrCat("no agent ", to_agent));
  if (to_agent == from_agent) return absl::InvalidArgumentError("a conversation cannot be transferred to its own agent");
  auto found = AssignedTo(conversation_id, from_agent);
  if (!found.ok()) return found.status();
  Conv& conv = **found;
  if (conv.difficult && !agents_[slots_.at(to_agent)].agent.handles_difficult()) {
    return absl::FailedPreconditionError(
        absl::StrCat("agent ", to_agent, " is not marked for difficult customers, and this customer is one"));
  }
  conv.transfer_target = to_agent;
  TakeBack(conv, /*cooldown=*/true, /*new_phases=*/true, now);
  return absl::OkStatus();
}

absl::Status RoutingEngine::TransferToQueue(const std::string& conversation_id, const std::string& from_agent,
                                            const NewRequirements& requirements, TimePoint now) {
  ReindexAtEnd reindex{*this, now};
  auto found = AssignedTo(conversation_id, from_agent);
  if (!found.ok()) return found.status();
  Conv& conv = **found;
  conv.transfer_target.clear();
  conv.personal_manager.clear();
  conv.last_agent.clear();
  conv.language = symbols_.InternLanguage(requirements.language.empty() ? policy_.default_language : requirements.language);
  conv.priority = requirements.priority;
  if (conv.tier != requirements.tier || conv.queue != requirements.queue) {
    conv.tier = requirements.tier;
    conv.queue = requirements.queue;
    ScheduleDeadlines(conv);  // the new tier's, or the new queue's calendar's (early timers find nothing due)
  }
  SetPhases(conv, requirements.steps);  // the queue's steps, and no named agent
  TakeBack(conv, /*cooldown=*/true, /*new_phases=*/true, now);
  return absl::OkStatus();
}

absl::Status RoutingEngine::OverflowTo(const std::string& conversation_id, const NewRequirements& requirements,
                                       TimePoint now) {
  ReindexAtEnd reindex{*this, now};
  auto it = conversations_.find(conversation_id);
  if (it == conversations_.end() || it->second.state != State::kWaiting) {
    return absl::FailedPreconditionError(absl::StrCat("conversation ", conversation_id, " is not waiting"));
  }
  Conv& conv = it->second;
  conv.language = symbols_.InternLanguage(requirements.language.empty() ? policy_.default_language : requirements.language);
  conv.priority = requirements.priority;
  if (conv.tier != requirements.tier || conv.queue != requirements.queue) {
    conv.tier = requirements.tier;
    conv.queue = requirements.queue;
    ScheduleDeadlines(conv);
  }
  SetPhases(conv, requirements.steps);
  conv.phases_since = now;
  MemoChanged(conv);
  Route(conv, now);
  return absl::OkStatus();
}

void RoutingEngine::Close(const std::string& conversation_id, TimePoint now) {
  ReindexAtEnd reindex{*this, now};
  auto it = conversations_.find(conversation_id);
  if (it == conversations_.end()) return;
  Conv& conv = it->second;
  switch (conv.state) {
    case State::kWaiting:
      Erase(it);
      return;
    case State::kOffered: {
      Emit(Decision{.kind = Decision::Kind::kOfferWithdrawn, .conversation_id = conversation_id,
                    .agent_id = AgentOf(conv), .offer_id = OfferIdOf(conv), .at = now, .reason = "closed"});
      const Slot slot = Unassign(conv, now);
      Erase(it);
      FillAgent(slot, now);
      return;
    }
    case State::kAssigned:
      if (policy_.wrap_up > Duration::zero()) {
        conv.state = State::kWrapUp;
        conv.generation++;
        conv.wrap_up_ends = now + policy_.wrap_up;
        Schedule(conv.wrap_up_ends, Timer::kConversation, conversation_id, conv.generation);
        MemoChanged(conv);
        return;
      }
      [[fallthrough]];
    case State::kWrapUp:
      Finish(it, now);
      return;
  }
}

void RoutingEngine::EndWrapUp(const std::string& conversation_id, TimePoint now) {
  ReindexAtEnd reindex{*this, now};
  auto it = conversations_.find(conversation_id);
  if (it == conversations_.end() || (it->second.state != State::kWrapUp && it->second.state != State::kAssigned)) return;
  Finish(it, now);
}

void RoutingEngine::Finish(ConvMap::iterator it, TimePoint now) {
  Conv& conv = it->second;
  if (conv.state == State::kWrapUp) {
    Emit(Decision{.kind = Decision::Kind::kWrapUpEnded, .conversation_id = std::string(conv.id()),
                  .agent_id = AgentOf(conv), .at = now});
  }
  const Slot slot = Unassign(conv, now);
  Erase(it);
  FillAgent(slot, now);
}

void RoutingEngine::Erase(ConvMap::iterator it) {
  MemoChanged(it->second);  // its memo goes with it
  Unfile(it->second);
  conversations_.erase(it);
}

void RoutingEngine::Unfile(Conv& conv) {
  if (!conv.filed) return;
  waiting_.Remove(*conv.filed);
  conv.filed.reset();
}

void RoutingEngine::Hold(Slot slot, Conv& conv) {
  agents_[slot].holding.push_back(&conv);
  conv.held_pool = policy_.PoolOf(conv.channel);
  AddLoad(slot, conv.held_pool, +1);
}

void RoutingEngine::Release(Slot slot, Conv& conv) {
  auto& holding = agents_[slot].holding;
  auto it = std::find(holding.begin(), holding.end(), &conv);
  *it = holding.back();
  holding.pop_back();
  AddLoad(slot, conv.held_pool, -1);
}

Slot RoutingEngine::Unassign(Conv& conv, TimePoint now) {
  const Slot slot = conv.agent_slot;
  if (conv.state == State::kAssigned || conv.state == State::kWrapUp) {
    // The nominal effort was counted at accept; a long conversation adds what went beyond it.
    const ChannelPolicy channel = policy_.ForChannel(conv.channel);
    AddEffort(slot, channel.effort_weight * (Minutes(now - conv.assigned_at) - Minutes(channel.nominal_handle_time)),
              now);
  }
  Release(slot, conv);
  conv.agent_slot = kNoSlot;
  conv.generation++;
  return slot;
}

void RoutingEngine::Reclaim(Conv& conv, const std::string& reason, bool cooldown, TimePoint now) {
  Emit(Decision{.kind = Decision::Kind::kReclaimed, .conversation_id = std::string(conv.id()),
                .agent_id = AgentOf(conv), .at = now, .reason = reason});
  TakeBack(conv, cooldown, /*new_phases=*/false, now);
}

void RoutingEngine::TakeBack(Conv& conv, bool cooldown, bool new_phases, TimePoint now) {
  if (cooldown) conv.refused_until[AgentOf(conv)] = now + policy_.decline_cooldown;
  MemoChanged(conv);
  const Slot slot = Unassign(conv, now);
  Requeue(conv, new_phases, now);
  FillAgent(slot, now);
}

void RoutingEngine::Requeue(Conv& conv, bool new_phases, TimePoint now) {
  conv.state = State::kWaiting;
  if (new_phases) {
    RenamePhases(conv);
    conv.phases_since = now;
  }
  Route(conv, now);
}

// ---- timers

void RoutingEngine::Schedule(TimePoint at, Timer::Kind kind, std::string_view id, uint64_t generation) {
  timers_.push(Timer{at, kind, InlineId(id), generation});
}

void RoutingEngine::ScheduleDeadlines(Conv& conv) {
  const TierPolicy& tier = policy_.ForTier(conv.tier);
  const std::string_view id = conv.id();
  if (!conv.agent_replied) Schedule(DueAfter(conv, conv.queued_at, tier.first_response), Timer::kDeadline, id, 0);
  if (conv.awaiting_reply_since) {
    Schedule(DueAfter(conv, *conv.awaiting_reply_since, tier.next_response), Timer::kDeadline, id, 0);
  }
  Schedule(DueAfter(conv, conv.queued_at, tier.resolution), Timer::kDeadline, id, 0);
}

void RoutingEngine::Advance(TimePoint now) {
  for (auto& [pool, due] : first_response_due_) WakeNewlyAtRisk(pool, due, now);
  while (!timers_.empty() && timers_.top().at <= now) {
    const Timer timer = timers_.top();
    timers_.pop();
    ReindexAtEnd reindex{*this, now};  // each timer sees the index as the previous one left it
    if (timer.kind == Timer::kAgent) {
      auto slot = slots_.find(std::string(timer.id.view()));
      if (slot != slots_.end() && agents_[slot->second].generation == timer.generation) OnAgentTimer(slot->second, now);
      continue;
    }
    auto it = conversations_.find(timer.id.view());
    if (it == conversations_.end()) continue;
    if (timer.kind == Timer::kDeadline) {
      CheckDeadlines(it->second, now);
    } else if (it->second.generation == timer.generation) {
      OnConversationTimer(it->second, now);
    }
  }
}

void RoutingEngine::OnConversationTimer(Conv& conv, TimePoint now) {
  switch (conv.state) {
    case State::kWaiting:
      Route(conv, now);
      return;
    case State::kOffered: {
      if (now < conv.offer_expires) return;
      Emit(Decision{.kind = Decision::Kind::kOfferWithdrawn, .conversation_id = std::string(conv.id()),
                    .agent_id = AgentOf(conv), .offer_id = OfferIdOf(conv), .at = now, .reason = "timeout"});
      TakeBack(conv, /*cooldown=*/true, /*new_phases=*/false, now);
      return;
    }
    case State::kAssigned:
      if (!conv.replied_since_assigned && now >= conv.assigned_at + policy_.ReplyTimeout(conv.channel)) {
        Reclaim(conv, "no_reply", /*cooldown=*/true, now);
      }
      return;
    case State::kWrapUp:
      EndWrapUp(std::string(conv.id()), now);
      return;
  }
}

void RoutingEngine::CheckDeadlines(Conv& conv, TimePoint now) {
  if (conv.state == State::kWrapUp) return;  // closed: the agent only finishes the after-work
  const TierPolicy& tier = policy_.ForTier(conv.tier);
  const Calendar* calendar = DeadlineCalendar(conv);
  auto breach = [&](bool& flag, TimePoint from, Duration length, const char* what) {
    if (flag) return;
    const TimePoint due = DueAfter(conv, from, length);
    if (now < due) return;
    flag = true;
    Emit(Decision{.kind = Decision::Kind::kBreach, .conversation_id = std::string(conv.id()),
                  .agent_id = AgentOf(conv), .at = due, .reason = what,
                  .calendar = calendar == nullptr ? "" : calendar->name()});
  };
  if (!conv.agent_replied) breach(conv.first_breached, conv.queued_at, tier.first_response, "first_response");
  if (conv.awaiting_reply_since) {
    breach(conv.next_breached, *conv.awaiting_reply_since, tier.next_response, "next_response");
  }
  breach(conv.resolution_breached, conv.queued_at, tier.resolution, "resolution");
}

void RoutingEngine::OnAgentTimer(Slot slot, TimePoint now) {
  AgentState& agent = agents_[slot];
  if (agent.presence == PRESENCE_OFFLINE && now < agent.offline_since + policy_.presence_grace) {
    // Early: the grace was lengthened since the timer was set.
    Schedule(agent.offline_since + policy_.presence_grace, Timer::kAgent, agent.agent.id(), agent.generation);
    return;
  }
  if (agent.presence == PRESENCE_OFFLINE) {
    // Gone for good: their conversations go back to the queue, keeping their queued time.
    const std::vector<Conv*> held = agent.holding;
    for (Conv* conv : held) {
      if (conv->state == State::kWrapUp) {
        Finish(conversations_.find(conv->id()), now);
      } else if (conv->state == State::kAssigned) {
        Reclaim(*conv, "agent_offline", /*cooldown=*/false, now);
      }
    }
    return;
  }
  if (agent.ramp_from) {
    ContinueRamp(agent, now);
    Reindex(slot, now);
    FillAgent(slot, now);
  }
}

void RoutingEngine::ContinueRamp(AgentState& agent, TimePoint now) {
  bool ramping = false;
  for (const auto& pool : agent.pools) ramping |= EffectiveCapacity(agent, pool.pool, now) < pool.capacity;
  if (!ramping) {
    agent.ramp_from.reset();
    return;
  }
  const auto next_step = *agent.ramp_from + policy_.ramp_step * (1 + (now - *agent.ramp_from) / policy_.ramp_step);
  Schedule(next_step, Timer::kAgent, agent.agent.id(), agent.generation);
}

std::vector<Decision> RoutingEngine::TakeDecisions() {
  std::vector<Decision> out;
  out.swap(decisions_);
  return out;
}

}  // namespace omni::routing
