// RoutingEngine: gives each waiting conversation to the best agent by skill, language and client
// tier, within each agent's capacity, and keeps every conversation's deadlines. Pure and
// single-threaded: it takes facts and the time and records decisions (offers, withdrawals,
// reclaims, breaches) for the broker core to persist and deliver (TakeDecisions()).
//
// The rules, in the order they apply to a conversation:
// - Phases: first the named agents (a transfer's target, the personal manager, then the last
//   agent, each for a short wait and only if logged in), then the routing steps in order; a step
//   relaxes after its wait, and all remaining steps relax when the first-response deadline is at
//   risk (predicted from the pool's typical wait, or by risk_fraction). A difficult customer goes only to agents who handle difficult customers, in rotation.
// - Among eligible agents with room: best fit in the first required skill, then least recent
//   effort (decaying, weighted by channel), then the roster order.
// - When an agent gains room, they get the most urgent conversation they may serve:
//   urgency = tier weight + seconds waited + priority + risk.
// - Offers time out; a declined or timed-out offer puts the agent on cooldown for that
//   conversation; an accepted conversation without an agent reply within its channel's reply
//   timeout is reclaimed; an agent offline past the grace period loses their conversations to the
//   queue with their original queued time (so their priority is kept); an agent back from away
//   (or offline past the grace) ramps up.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/clock.h"
#include "broker/routing/agent_index.h"
#include "broker/routing/inline_id.h"
#include "broker/routing/routing_policy.h"
#include "broker/routing/symbols.h"
#include "broker/routing/waiting_index.h"
#include "omnibroker/v1/agent.pb.h"
#include "omnibroker/v1/conversation.pb.h"

namespace omni::routing {

using omnibroker::v1::Presence;

// A conversation to route, as the core knows it.
struct WorkItem {
  std::string conversation_id;
  Channel channel = omnibroker::v1::CHANNEL_UNSPECIFIED;
  // Its queue (Requirements.queue): the queue's calendar and after-hours rule apply.
  std::string queue;
  Tier tier = omnibroker::v1::TIER_UNSPECIFIED;
  int priority = 0;
  std::string language;  // resolved by the core; empty = the policy's default language
  std::vector<omnibroker::v1::RoutingStep> steps;  // StepsFor(); empty = any agent
  bool difficult = false;
  std::string personal_manager;
  std::string last_agent;
  std::string transfer_target;  // set by TransferToAgent
  // When the conversation first waited: urgency and deadlines count from here, also after a
  // restart or a reclaim.
  TimePoint queued_at;
  bool agent_replied = false;  // the first response was given (no first-response deadline)
  std::optional<TimePoint> awaiting_reply_since;  // a customer message waits for an answer
  // Deadlines already reported (after a restart): "first_response", "next_response", "resolution".
  std::set<std::string> breached;
  // The queue's after-hours auto reply was sent then (Conversation.after_hours_reply_at).
  std::optional<TimePoint> after_hours_reply_at;
};

// What a transfer to a queue routes by from then on: the queue's steps, and the language, tier and
// priority the core resolved for it (the customer's where the transfer names none).
struct NewRequirements {
  std::string queue;
  std::vector<omnibroker::v1::RoutingStep> steps;  // empty = any agent
  std::string language;                            // empty = the policy's default language
  Tier tier = omnibroker::v1::TIER_UNSPECIFIED;
  int priority = 0;
};

struct Offer {
  std::string offer_id;
  std::string conversation_id;
  std::string agent_id;
  TimePoint expires_at;
};

struct Decision {
  enum class Kind {
    kOffer,           // offer_id to agent_id until `at`
    kOfferWithdrawn,  // reason: timeout, declined, agent_offline, closed
    kReclaimed,       // agent_id lost the conversation; reason: no_reply, agent_offline
    kBreach,          // a deadline passed at `at`; reason: first_response, next_response, resolution
    kWrapUpEnded,     // agent_id's after-work time for the conversation is over
    // Its queue is closed (reason: the calendar's name) and its after-hours rule says:
    kAfterHoursReply,  // answer the customer with `text`, once per closed spell; it keeps waiting
    kOverflow,         // move it to `queue`, which is open (OverflowTo)
  };
  Kind kind;
  std::string conversation_id;
  std::string agent_id;
  std::string offer_id;
  TimePoint at;
  std::string reason;
  // kBreach: the calendar whose business time the deadline counted in ("" = wall-clock time).
  std::string calendar;
  std::string queue;  // kOverflow: the queue to move to
  std::string text;   // kAfterHoursReply: the message, in the conversation's language if given
};

// A conversation's routing state beyond its WorkItem: what a restart needs so its timers go on
// where they were (MemoOf, Restore). Mirrors omnibroker.v1.RoutingMemo.
struct RoutingMemo {
  enum class Hold { kNone, kOffered, kAssigned, kWrapUp };
  TimePoint steps_since;                       // its phases count from here
  std::vector<std::string> named_agents;       // the named agents it waits for first, in order
  std::string transfer_target;
  std::map<std::string, TimePoint> cooldowns;  // agent -> not offered it again before
  Hold hold = Hold::kNone;
  std::string agent_id;       // offered to, assigned to or wrapping up
  uint64_t offer_number = 0;  // offered
  TimePoint until;            // offered: the offer expires; wrapping up: the wrap-up ends
  TimePoint assigned_at;      // assigned
  bool replied_since_assigned = false;
};

// Why a conversation is where it is: see Explain().
struct Explanation {
  // A conversation's urgency, part by part (urgency = their sum).
  struct UrgencyParts {
    double tier = 0;      // the tier's weight
    double waited = 0;    // urgency_per_second × seconds since queued
    double priority = 0;  // urgency_per_priority × priority
    double at_risk = 0;   // risk_urgency once the first response is at risk
    double total() const { return tier + waited + priority + at_risk; }
  };
  struct Candidate {
    std::string agent_id;
    bool eligible = false;
    std::string verdict;  // "eligible", or why not: "away", "at capacity", "needs billing>=7"…
    int fit = 0;          // proficiency in the first required skill
    double effort = 0;    // recent effort, weighted minutes
    int load = 0;
    int capacity = 0;
  };
  std::string conversation_id;
  std::string state;  // waiting, offered, assigned, wrap_up
  std::string phase;  // "personal manager alice", "step 1 of 2: billing>=7 en senior pool"…
  double urgency = 0;
  UrgencyParts urgency_parts;
  std::string agent_id;  // the agent of the last decision
  std::string rule;      // the rule that made the last decision
  TimePoint decided_at;
  std::vector<Candidate> candidates;  // eligible first, in the engine's order
  // The queue's calendar ("" = none: open 24/7), whether it is open now and until when, and its
  // after-hours rule for the conversation's channel; whether the deadlines count business time.
  std::string calendar;
  std::string hours;
  bool business_time = false;
};

class RoutingEngine {
 public:
  explicit RoutingEngine(RoutingPolicy policy = DefaultRoutingPolicy());
  // Agents keep references into the engine's own indexes.
  RoutingEngine(const RoutingEngine&) = delete;
  RoutingEngine& operator=(const RoutingEngine&) = delete;

  // Replaces the policy (validated); waiting conversations are routed again under it.
  absl::Status SetPolicy(RoutingPolicy policy, TimePoint now);
  const RoutingPolicy& policy() const { return policy_; }

  // Roster: adds or replaces an agent's skills, languages, tiers and capacities; presence is
  // live state and is kept.
  void UpsertAgent(const omnibroker::v1::Agent& agent, TimePoint now);
  // The agent leaves the roster: offers made to them are withdrawn and the conversations they hold
  // go back to the queue at once, keeping their place (reason "agent_removed"), their wrap-ups
  // end; they are offered nothing more and left out of explanations until UpsertAgent adds them
  // again (logged out).
  void RemoveAgent(const std::string& agent_id, TimePoint now);
  void SetPresence(const std::string& agent_id, Presence presence, TimePoint now);
  // The agent's console lost its connection: offline like SetPresence(OFFLINE), but the offers
  // made to them stay open until they expire, so a console that reconnects in time can answer.
  void Disconnected(const std::string& agent_id, TimePoint now);
  // The offers open for `agent_id`.
  std::vector<Offer> OffersFor(const std::string& agent_id) const;
  // Takes the agent off routing (`why` says why, as explanations show it: "off routing for …"),
  // or back on it ("" = back):
  // while off, they are offered nothing new, whatever their presence, and nobody waits for them by
  // name; the offers open for them are withdrawn (reason "agent_off_routing") and go to others,
  // and what they already hold they keep. Kept across roster changes. Back on, they take work at
  // once.
  void SetOffRouting(const std::string& agent_id, std::string why, TimePoint now);

  void Enqueue(WorkItem item, TimePoint now);
  // The customer's facts changed (tier, flags, personal manager, language, a merge): a waiting or
  // offered conversation is routed by `item` from now on, keeping its place (queued time, how long
  // its steps have run, cooldowns). An open offer stands while its agent may still serve it.
  void Requalify(WorkItem item, TimePoint now);
  // After a restart: the conversation as `memo` left it (waiting, offered, assigned or wrapping
  // up), its phases, cooldowns and timers going on from where they were. An agent holding it who
  // is not back yet has the presence grace to return, as after a disconnect; an offer that
  // expired meanwhile counts as timed out; the named agents it waited for are waited for still,
  // logged in or not, since nobody is logged in right after a restart.
  void Restore(WorkItem item, const RoutingMemo& memo, TimePoint now);
  // The routing memo of an open conversation; nullopt when it is not open (any more).
  std::optional<RoutingMemo> MemoOf(std::string_view conversation_id) const;
  // The conversations whose memo changed (or that closed) since the last call: the core stores
  // MemoOf each, or deletes it.
  std::vector<std::string> TakeMemoChanges();

  absl::StatusOr<Offer> Accept(const std::string& offer_id, const std::string& agent_id, TimePoint now);
  absl::StatusOr<Offer> Decline(const std::string& offer_id, const std::string& agent_id, TimePoint now);
  // Facts that move deadlines.
  void AgentReplied(const std::string& conversation_id, TimePoint now);
  void CustomerMessage(const std::string& conversation_id, TimePoint now);

  // Transfers: the conversation leaves `from_agent` and waits for `to_agent` (for transfer_wait,
  // then by its steps), or is routed by new steps. Its queued time, and so its urgency, is kept.
  absl::Status TransferToAgent(const std::string& conversation_id, const std::string& from_agent,
                               const std::string& to_agent, TimePoint now);
  absl::Status TransferToQueue(const std::string& conversation_id, const std::string& from_agent,
                               const NewRequirements& requirements, TimePoint now);
  // A waiting conversation moves to another queue (a kOverflow the core applied): routed by
  // `requirements` from now on, its steps starting again, its queued time (and urgency) kept.
  // FailedPrecondition when it no longer waits (an agent took it meanwhile).
  absl::Status OverflowTo(const std::string& conversation_id, const NewRequirements& requirements, TimePoint now);
  // The conversation ended: an agent keeps its capacity taken for the wrap-up time.
  void Close(const std::string& conversation_id, TimePoint now);
  void EndWrapUp(const std::string& conversation_id, TimePoint now);

  // Runs the timers due at `now` (offer expiry, step relaxation, deadlines, grace, ramp-up).
  void Advance(TimePoint now);
  // Decisions made since the last call, in order.
  std::vector<Decision> TakeDecisions();

  // Views.
  Explanation Explain(const std::string& conversation_id, TimePoint now) const;
  // The rule of the conversation's last decision, as Explain spells it ("" when not routed); no
  // scan of the roster, so the core keeps it with every assignment.
  std::string DecisionRule(const std::string& conversation_id) const;
  struct Waiting {
    WorkItem item;
    std::optional<Offer> offer;
  };
  std::vector<Waiting> Queue() const;  // waiting and offered, oldest first
  int AssignedCount(const std::string& agent_id) const;
  int OfferedCount(const std::string& agent_id) const;
  std::optional<std::string> AssignedAgent(const std::string& conversation_id) const;
  // Checks the engine's invariants (loads match conversations, no load over capacity, every
  // waiting conversation indexed once); for tests.
  absl::Status CheckInvariants() const;

 private:
  enum class State { kWaiting, kOffered, kAssigned, kWrapUp };
  static constexpr Slot kNoSlot = ~Slot{0};
  struct Phase {
    Slot target = kNoSlot;     // a named agent (logged in when named), or kNoSlot for a routing step
    const char* why_named = "";  // "personal manager", "last agent", "transfer to"
    int step = -1;             // index into the conversation's routing steps
    Duration length{};         // zero = for ever
    // The step's requirements (or the conversation's language when there are no steps), as
    // symbols, so routing again does not look the names up.
    Symbol language = kAnyLanguageSymbol;
    absl::InlinedVector<std::pair<Symbol, int>, 2> skills;
    bool tier_pool = false;  // served only by agents who list the conversation's tier
    bool named() const { return target != kNoSlot; }
  };
  // Most conversations have one phase (one routing step, no named agent): held in the record.
  using Phases = absl::InlinedVector<Phase, 1>;
  // One open conversation: the WorkItem's facts, flattened, and the routing state. One allocation
  // (the map's node, its id inline), the fields a decision touches first: closing or offering a
  // conversation that has gone cold in the cache costs a few lines, not one per field and
  // allocation.
  struct Conv {
    State state = State::kWaiting;
    Channel channel = omnibroker::v1::CHANNEL_UNSPECIFIED;
    // While held: the capacity pool its load counts in, as the policy said when it was taken (a
    // policy change meanwhile must not release it from another pool).
    Channel held_pool = omnibroker::v1::CHANNEL_UNSPECIFIED;
    Tier tier = omnibroker::v1::TIER_UNSPECIFIED;
    Slot agent_slot = kNoSlot;  // offered to, assigned to or wrapping up; kNoSlot while waiting
    Symbol language = kAnyLanguageSymbol;  // resolved: the item's, else the policy's default
    int priority = 0;
    bool difficult = false;
    bool agent_replied = false;  // the first response was given (no first-response deadline)
    bool replied_since_assigned = false;
    bool first_breached = false, next_breached = false, resolution_breached = false;
    uint64_t generation = 0;  // bumped on every state change; stale timers are ignored
    uint64_t sequence = 0;    // arrival order, to break urgency ties
    uint64_t offer_number = 0;  // while offered; the offer's id is OfferIdOf(conv)
    TimePoint queued_at;      // urgency and deadlines count from here (WorkItem::queued_at)
    TimePoint phases_since;   // phases count from here
    TimePoint offer_expires;  // while offered
    TimePoint assigned_at;
    TimePoint wrap_up_ends;  // while wrapping up
    // The pool's typical wait when it was last routed (the largest seen): it is at risk once
    // that wait would miss its first response (RiskAt).
    Duration predicted_wait{};
    bool accepted_once = false;  // its later waits do not teach the typical wait
    std::map<std::string, TimePoint> refused_until;  // agent -> cooldown end
    std::optional<WaitingIndex::Ticket> filed;  // set while it waits in waiting_
    // The named agents' phases (RenamePhases), then one per routing step.
    Phases phases;
    int step_count = 0;
    // The last decision: a rule (static text, so deciding does not allocate) and the phase it
    // applied in; Explain() spells them out.
    int rule_phase = -1;
    const char* rule = "";
    TimePoint decided_at;
    std::optional<TimePoint> awaiting_reply_since;  // a customer message waits for an answer
    std::string personal_manager, last_agent, transfer_target;
    std::string queue;  // its calendar and after-hours rule are the policy's for this queue
    std::optional<TimePoint> after_hours_reply_at;  // the last after-hours auto reply
    bool memo_changed = false;  // listed in memo_changes_
    // The map's key: the record's one copy of its id.
    const InlineId* key = nullptr;
    std::string_view id() const { return *key; }
  };
  struct AgentState {
    omnibroker::v1::Agent agent;
    Presence presence = omnibroker::v1::PRESENCE_OFFLINE;
    std::vector<Symbol> languages;
    std::vector<std::pair<Symbol, int>> skills;  // skill, proficiency
    // One per pool the agent has capacity or load in, sorted by pool: an agent has one to three,
    // so a short vector searched in place (PoolIn), not maps whose nodes are each a cache miss.
    struct Pool {
      Channel pool = omnibroker::v1::CHANNEL_UNSPECIFIED;
      int capacity = 0;  // max concurrent (0: none, or no longer on the roster but still held)
      int load = 0;      // offered + assigned + wrapping up
      std::vector<Filing> filings;  // where the agent is filed
      // The waiting classes filed under the same keys (WaitingIndex::Filed), looked up once.
      std::vector<const WaitingIndex::ClassSet*> waiting_filed;
    };
    absl::InlinedVector<Pool, 2> pools;
    // Conversations offered, assigned or wrapping up: as many as the agent's capacity, so a short
    // vector; the records are conversations_' nodes, which do not move.
    std::vector<Conv*> holding;
    double effort_key = 0;            // see EffortKey
    bool has_effort = false;
    std::optional<TimePoint> ramp_from;  // ramping up since
    // Since the agent was last available: PRESENCE_AWAY if they were away (a break), else
    // PRESENCE_OFFLINE if they were offline (a break once past the grace), else unspecified (only
    // busy). A login goes offline → busy → available, so busy does not end a break.
    Presence absence = omnibroker::v1::PRESENCE_OFFLINE;
    TimePoint offline_since;
    TimePoint last_difficult;
    uint64_t generation = 0;
    bool needs_reindex = false;
    bool removed = false;  // RemoveAgent; until UpsertAgent
    std::string off_routing;  // why they are offered nothing new (SetOffRouting); "" = they may be
  };
  struct Timer {
    TimePoint at;
    enum Kind { kConversation, kDeadline, kAgent } kind;
    InlineId id;  // inline: scheduling (every offer) allocates nothing but the heap's slot
    uint64_t generation;
    bool operator>(const Timer& o) const { return at > o.at; }
  };
  using TimerHeap = std::priority_queue<Timer, std::vector<Timer>, std::greater<>>;

  void ChangePresence(const std::string& agent_id, Presence presence, bool keep_offers, TimePoint now);
  // The agent's next ramp-up step, on a timer; the ramp ends once every pool has its full capacity.
  void ContinueRamp(AgentState& agent, TimePoint now);

  // Phases and requirements.
  // The phases of `steps` (or of `language` when there are none).
  Phases StepPhases(const std::vector<omnibroker::v1::RoutingStep>& steps, Symbol language);
  // Sets the phases for `conv`'s routing steps and its named agents.
  void SetPhases(Conv& conv, const std::vector<omnibroker::v1::RoutingStep>& steps);
  // Replaces the named agents' phases at the front (transfer target, or personal manager and last
  // agent while logged in) with those named now; after a restart (`waited_for`), with those of
  // them the conversation waited for before.
  void RenamePhases(Conv& conv, const std::vector<std::string>* waited_for = nullptr);
  // The phase `conv` is in at `now`; `ends`, when given, is when it relaxes (none for the last
  // phase, a step that waits for good, or once at risk).
  int PhaseAt(const Conv& conv, TimePoint now, std::optional<TimePoint>* ends = nullptr) const;
  // When `conv`'s first response comes at risk: once the pool's typical wait would miss it
  // (a predicted breach), and at the latest after risk_fraction of the deadline.
  TimePoint RiskAt(const Conv& conv) const;
  bool AtRisk(const Conv& conv, TimePoint now) const;
  // Business hours (routing_hours.cc). The calendar `conv`'s deadlines count in: its queue's
  // when its tier counts business time, else none (wall-clock time).
  const Calendar* DeadlineCalendar(const Conv& conv) const;
  // When `length` of `conv`'s deadline time has passed since `from`; how much passed from `from`
  // to `to`.
  TimePoint DueAfter(const Conv& conv, TimePoint from, Duration length) const;
  Duration DeadlineTimeBetween(const Conv& conv, TimePoint from, TimePoint to) const;
  // "office (Europe/Berlin): closed until 2025-03-31 09:00 CEST; after hours: keep waiting".
  std::string HoursText(const Conv& conv, TimePoint now) const;
  // While `conv`'s queue is closed, its after-hours rule: an auto reply once per closed spell, an
  // overflow once the target queue is open. When to look again (the queue opens or closes, the
  // target opens); none for a rule that only keeps it waiting.
  std::optional<TimePoint> AfterHours(Conv& conv, const QueueHours& hours, TimePoint now);
  // The typical wait from arrival to an accept in a capacity pool, learnt from first waits.
  Duration TypicalWait(Channel pool) const;
  void LearnWait(Channel pool, Duration waited);
  // Wakes now the waiting conversations of `pool` (`due`: first_response_due_) that its typical
  // wait puts at risk but were routed by a shorter one (their risk timers would come late), and
  // drops the entries it passes. Advance calls it first, for every pool.
  void WakeNewlyAtRisk(Channel pool, TimerHeap& due, TimePoint now);
  double Urgency(const Conv& conv, TimePoint now) const { return UrgencyOf(conv, now).total(); }
  Explanation::UrgencyParts UrgencyOf(const Conv& conv, TimePoint now) const;
  WaitClassSpec SpecFor(const Conv& conv, const Phase& phase) const;
  // The agent's proficiency in `skill`; -1 when they do not have it.
  static int Proficiency(const AgentState& agent, Symbol skill);

  // Agents.
  Slot SlotOf(const std::string& agent_id, TimePoint now);
  // The agent's entry for `pool`, null when it has neither capacity nor load there; PoolFor adds it.
  static const AgentState::Pool* PoolIn(const AgentState& agent, Channel pool);
  static AgentState::Pool& PoolFor(AgentState& agent, Channel pool);
  int Room(const AgentState& agent, Channel pool, TimePoint now) const;
  int EffectiveCapacity(const AgentState& agent, Channel pool, TimePoint now) const;
  // Whether `agent` may serve `spec` (room is checked apart); if not and `why` is given, why not.
  bool Eligible(const AgentState& agent, const WaitClassSpec& spec, std::string* why = nullptr) const;
  bool Refused(const Conv& conv, const std::string& agent_id, TimePoint now) const;
  void Reindex(Slot slot, TimePoint now);
  // Load and effort changes refile an agent once, when the public call that made them ends
  // (FlushReindex): an offer right after a close would otherwise file and unfile the agent.
  void AddLoad(Slot slot, Channel pool, int delta);
  void FlushReindex(TimePoint now);
  void MarkForReindex(Slot slot);
  // Declared first in every public call that changes state: refiles what the call changed.
  struct ReindexAtEnd {
    RoutingEngine& engine;
    TimePoint now;
    ~ReindexAtEnd() { engine.FlushReindex(now); }
  };
  void AddEffort(Slot slot, double weighted_minutes, TimePoint now);
  double Effort(const AgentState& agent, TimePoint now) const;

  // Routing.
  void Route(Conv& conv, TimePoint now);  // a waiting conversation: offer it or file it
  std::optional<Slot> FindAgent(const Conv& conv, const WaitClassSpec& spec, TimePoint now, const char*& rule);
  void FillAgent(Slot slot, TimePoint now);  // offer the agent what they may take
  void MakeOffer(Conv& conv, Slot slot, const char* rule, int phase, TimePoint now);
  std::string RuleText(const Conv& conv) const;
  std::string PhaseLabel(const Conv& conv, const Phase& phase) const;
  // Ends an offer or assignment: the conversation waits again.
  // `new_phases` starts its phases again (a transfer); otherwise they go on where they were.
  void Requeue(Conv& conv, bool new_phases, TimePoint now);
  // Gives back the agent's load (recording the effort of an assignment); the caller requeues or
  // erases the conversation, then refills the agent.
  Slot Unassign(Conv& conv, TimePoint now);
  void Reclaim(Conv& conv, const std::string& reason, bool cooldown, TimePoint now);
  // Takes the conversation from its agent (who may not have it again for decline_cooldown when
  // `cooldown`), routes it again, and lets the agent take other work.
  void TakeBack(Conv& conv, bool cooldown, bool new_phases, TimePoint now);
  // Node-based, so holding_ and waiting_ keep pointers to the records; a Swiss table, so a lookup
  // reads one group of control bytes and the node, not a bucket chain.
  using ConvMap = absl::node_hash_map<InlineId, Conv, InlineIdHash, InlineIdEq>;
  // An assigned or wrapping-up conversation ends: the agent's load is freed, the agent refilled.
  void Finish(ConvMap::iterator it, TimePoint now);
  void Erase(ConvMap::iterator it);
  absl::StatusOr<Conv*> OpenOffer(const std::string& offer_id, const std::string& agent_id);
  // Offer ids name their conversation ("<conversation id>/<16 hex digits>"), so an answer finds
  // it without an index of offers; the number counts up from a random start per engine, so an
  // offer from before a restart does not match a new one.
  std::string OfferIdOf(const Conv& conv) const;
  Offer OfferOf(const Conv& conv) const;
  // The agent offered, assigned or wrapping up `conv`; "" while it waits.
  const std::string& AgentOf(const Conv& conv) const;
  // A new record for `item` (not there yet).
  Conv& Insert(WorkItem item);
  // The customer's facts in `item` (tier, priority, language, difficult, named agents) into `conv`.
  void TakeFacts(Conv& conv, WorkItem& item);
  // `conv` as a WorkItem (its routing steps left out: they live in its phases).
  WorkItem ItemOf(const Conv& conv) const;
  void Unfile(Conv& conv);  // takes a waiting conversation out of waiting_
  void Hold(Slot slot, Conv& conv);
  void Release(Slot slot, Conv& conv);
  absl::StatusOr<Conv*> AssignedTo(const std::string& conversation_id, const std::string& agent_id);

  // Timers.
  void Schedule(TimePoint at, Timer::Kind kind, std::string_view id, uint64_t generation);
  void ScheduleDeadlines(Conv& conv);
  void OnConversationTimer(Conv& conv, TimePoint now);
  void CheckDeadlines(Conv& conv, TimePoint now);
  void OnAgentTimer(Slot slot, TimePoint now);
  void Emit(Decision decision) { decisions_.push_back(std::move(decision)); }
  // What MemoOf(conv) returns has changed (or the conversation is going): list it once.
  void MemoChanged(Conv& conv);

  RoutingPolicy policy_;
  Symbols symbols_;
  std::vector<AgentState> agents_;
  std::unordered_map<std::string, Slot> slots_;
  ConvMap conversations_;  // every open conversation
  uint64_t next_offer_number_;
  AgentIndex agent_index_;
  WaitingIndex waiting_;
  std::set<std::pair<TimePoint, Slot>> difficult_rotation_;  // available difficult agents, least recent first
  TimerHeap timers_;
  // pool -> first-response deadlines of the conversations routed to wait (`at`), soonest first,
  // so that a rising typical wait finds those it puts at risk without a scan. An entry stays
  // behind when its conversation moves on (the generation tells) until it is passed.
  std::map<Channel, TimerHeap> first_response_due_;
  std::vector<Decision> decisions_;
  std::vector<InlineId> memo_changes_;
  std::map<Channel, double> typical_wait_seconds_;  // pool -> moving average of first waits
  std::vector<Slot> needs_reindex_;
  uint64_t next_sequence_ = 0;
};

}  // namespace omni::routing
