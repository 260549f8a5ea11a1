// A scenario harness for the routing engine: a roster, conversations and a controllable clock;
// it follows the engine's decisions so tests can ask who holds what.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "broker/routing/routing_engine.h"

namespace omni::routing {

using namespace std::chrono_literals;
using omnibroker::v1::Agent;

inline const TimePoint kT0 = TimePoint{} + std::chrono::hours(24 * 365 * 50);

// "billing:7,support:5" -> skills
inline std::vector<std::pair<std::string, int>> ParseSkills(const std::string& text) {
  std::vector<std::pair<std::string, int>> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::vector<std::string> kv = absl::StrSplit(part, ':');
    out.emplace_back(kv[0], kv.size() > 1 ? std::stoi(kv[1]) : 1);
  }
  return out;
}

struct AgentSpec {
  std::string id;
  std::string languages = "en";  // "en,ru"
  std::string skills;            // "billing:7"
  int chat = 2;                  // chat capacity
  int voice = 0;
  std::vector<omnibroker::v1::Tier> tiers;
  bool difficult = false;
};

inline Agent MakeAgent(const AgentSpec& spec) {
  Agent a;
  a.set_id(spec.id);
  for (absl::string_view l : absl::StrSplit(spec.languages, ',', absl::SkipEmpty())) a.add_languages(std::string(l));
  for (auto& [name, level] : ParseSkills(spec.skills)) {
    auto* s = a.add_skills();
    s->set_name(name);
    s->set_proficiency(level);
  }
  for (auto [channel, n] : {std::pair{omnibroker::v1::CHANNEL_CHAT, spec.chat}, {omnibroker::v1::CHANNEL_VOICE, spec.voice}}) {
    if (n == 0) continue;
    auto* c = a.add_capacity();
    c->set_channel(channel);
    c->set_max_concurrent(n);
  }
  for (auto t : spec.tiers) a.add_tiers(t);
  a.set_handles_difficult(spec.difficult);
  return a;
}

struct ConvSpec {
  std::string id;
  std::string language = "en";
  std::string skills;  // "billing:7"
  omnibroker::v1::Tier tier = omnibroker::v1::TIER_STANDARD;
  Channel channel = omnibroker::v1::CHANNEL_CHAT;
  bool difficult = false;
  std::string personal_manager;
  std::string last_agent;
  int priority = 0;
  std::string queue;
};

class Scenario {
 public:
  explicit Scenario(RoutingPolicy policy = TestPolicy()) : engine(std::move(policy)) {}

  // The default policy without ramp-up and stickiness delays that would hide the rule a test is about.
  static RoutingPolicy TestPolicy() {
    RoutingPolicy p = DefaultRoutingPolicy();
    p.ramp_step = 0s;
    return p;
  }

  void Login(const AgentSpec& spec, omnibroker::v1::Presence presence = omnibroker::v1::PRESENCE_AVAILABLE) {
    roster[spec.id] = MakeAgent(spec);
    engine.UpsertAgent(roster[spec.id], now);
    engine.SetPresence(spec.id, presence, now);
    Settle();
  }
  void SetPresence(const std::string& agent, omnibroker::v1::Presence p) {
    engine.SetPresence(agent, p, now);
    Settle();
  }

  WorkItem Item(const ConvSpec& spec) const {
    omnibroker::v1::Requirements req;
    for (auto& [name, level] : ParseSkills(spec.skills)) {
      auto* s = req.add_skills();
      s->set_skill(name);
      s->set_min_proficiency(level);
    }
    req.set_tier(spec.tier);
    req.set_queue(spec.queue);
    return WorkItem{.conversation_id = spec.id, .channel = spec.channel, .queue = spec.queue, .tier = spec.tier,
                    .priority = spec.priority, .language = spec.language,
                    .steps = StepsFor(req, engine.policy()), .difficult = spec.difficult,
                    .personal_manager = spec.personal_manager, .last_agent = spec.last_agent,
                    .queued_at = now};
  }
  void Arrive(const ConvSpec& spec) { Arrive(Item(spec)); }
  void Arrive(const WorkItem& item) {
    items[item.conversation_id] = item;
    engine.Enqueue(item, now);
    Settle();
  }

  // A restart on what `before` stored: the roster (logged out), and each conversation restored
  // from its routing memo, as the core's Recover does; the clock goes on from `before`'s.
  void RestartFrom(Scenario& before) {
    before.Settle();
    now = before.now;
    roster = before.roster;
    items = before.items;
    for (const auto& [id, agent] : roster) engine.UpsertAgent(agent, now);
    for (const auto& [id, memo] : before.memos) engine.Restore(items.at(id), memo, now);
    Settle();
    for (const auto& [id, agent] : roster) {
      for (const Offer& offer : engine.OffersFor(id)) offers[offer.conversation_id] = offer;
    }
  }

  // Moves the clock, running timers at every step of `step` (like the core's tick).
  void Wait(Duration d, Duration step = 1s) {
    const TimePoint end = now + d;
    while (now < end) {
      now = std::min(end, now + step);
      engine.Advance(now);
      Settle();
    }
  }

  bool Accept(const std::string& conv) {
    auto it = offers.find(conv);
    if (it == offers.end()) return false;
    auto offer = engine.Accept(it->second.offer_id, it->second.agent_id, now);
    if (!offer.ok()) return false;
    offers.erase(it);
    Settle();
    return true;
  }
  bool Decline(const std::string& conv) {
    auto it = offers.find(conv);
    if (it == offers.end()) return false;
    const Offer offer = it->second;
    offers.erase(it);
    const bool ok = engine.Decline(offer.offer_id, offer.agent_id, now).ok();
    Settle();
    return ok;
  }
  // Accepts and answers at once.
  void Take(const std::string& conv) {
    Accept(conv);
    engine.AgentReplied(conv, now);
  }
  void Close(const std::string& conv) {
    engine.Close(conv, now);
    Settle();
  }

  // Who has the open offer for `conv` ("" if none).
  std::string OfferedTo(const std::string& conv) const {
    auto it = offers.find(conv);
    return it == offers.end() ? "" : it->second.agent_id;
  }
  std::string HeldBy(const std::string& conv) const { return engine.AssignedAgent(conv).value_or(""); }

  void Settle() {
    for (auto& d : engine.TakeDecisions()) {
      log.push_back(d);
      if (d.kind == Decision::Kind::kOffer) offers[d.conversation_id] = Offer{d.offer_id, d.conversation_id, d.agent_id, d.at};
      if (d.kind == Decision::Kind::kOfferWithdrawn) offers.erase(d.conversation_id);
    }
    for (const std::string& id : engine.TakeMemoChanges()) {
      if (auto memo = engine.MemoOf(id)) {
        memos[id] = *std::move(memo);
      } else {
        memos.erase(id);
      }
    }
  }
  std::vector<Decision> Decisions(Decision::Kind kind) const {
    std::vector<Decision> out;
    for (const auto& d : log) {
      if (d.kind == kind) out.push_back(d);
    }
    return out;
  }

  TimePoint now = kT0;
  RoutingEngine engine;
  std::map<std::string, Offer> offers;  // conversation -> open offer
  std::vector<Decision> log;
  // What the core would have stored: the roster, the conversations' facts, their routing memos.
  std::map<std::string, Agent> roster;
  std::map<std::string, WorkItem> items;
  std::map<std::string, RoutingMemo> memos;
};

}  // namespace omni::routing
