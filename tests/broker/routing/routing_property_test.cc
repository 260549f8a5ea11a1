// Property test: under random arrivals, presence changes, answers, transfers, closes, time and
// crashes (a new engine rebuilt from what the store would hold), no conversation is ever held by
// two agents, none is lost, and no agent is over capacity.
#include <gtest/gtest.h>

#include <random>

#include "broker/routing/routing_engine.h"
#include "tests/broker/routing/routing_scenario.h"

namespace omni::routing {
namespace {

using omnibroker::v1::Presence;

class RandomFloor {
 public:
  explicit RandomFloor(uint64_t seed) : rng_(seed) {
    RoutingPolicy policy = DefaultRoutingPolicy();
    policy.wrap_up = 10s;
    policy_ = policy;
    scenario_ = std::make_unique<Scenario>(policy_);
    const std::vector<AgentSpec> roster = {
        {.id = "a", .languages = "en,ru", .skills = "support:8,billing:3", .chat = 2, .voice = 1},
        {.id = "b", .languages = "en", .skills = "billing:9", .chat = 3, .tiers = {omnibroker::v1::TIER_VIP}},
        {.id = "c", .languages = "ru", .skills = "support:5", .chat = 1, .voice = 1, .difficult = true},
        {.id = "d", .languages = "en,ru", .skills = "support:3,billing:5", .chat = 2, .difficult = true},
    };
    for (const auto& spec : roster) roster_.push_back(MakeAgent(spec));
    for (const auto& a : roster_) {
      scenario_->roster[a.id()] = a;
      scenario_->engine.UpsertAgent(a, scenario_->now);
    }
  }

  void Step() {
    Scenario& s = *scenario_;
    switch (Pick(10)) {
      case 0:
      case 1:
        Arrive();
        break;
      case 2:
        s.SetPresence(roster_[Pick(roster_.size())].id(), static_cast<Presence>(1 + Pick(4)));
        break;
      case 3:
        if (auto conv = AnyOffered()) {
          const std::string agent = s.OfferedTo(*conv);
          if (s.Accept(*conv)) assigned_[*conv] = agent;
        }
        break;
      case 4:
        if (auto conv = AnyOffered()) s.Decline(*conv);
        break;
      case 5:
        if (auto conv = AnyAssigned()) {
          s.engine.AgentReplied(*conv, s.now);
          if (Pick(2) == 0) Close(*conv);
        }
        break;
      case 6:
        if (auto conv = AnyAssigned()) {
          const std::string to = roster_[Pick(roster_.size())].id();
          if (s.engine.TransferToAgent(*conv, assigned_[*conv], to, s.now).ok()) assigned_.erase(*conv);
          s.Settle();
        }
        break;
      case 7:
        Crash();
        break;
      default:
        s.Wait(std::chrono::seconds(Pick(40)));
    }
    Track();
  }

  void Check() const {
    const Scenario& s = *scenario_;
    ASSERT_TRUE(s.engine.CheckInvariants().ok()) << s.engine.CheckInvariants();
    std::set<std::string> known;
    for (const auto& w : s.engine.Queue()) known.insert(w.item.conversation_id);
    for (const auto& [id, item] : open_) {
      const auto holder = s.engine.AssignedAgent(id);
      ASSERT_TRUE(known.contains(id) || holder.has_value()) << id << " was lost";
      ASSERT_FALSE(known.contains(id) && holder.has_value()) << id << " is both waiting and held";
    }
    ASSERT_EQ(known.size() + Held(), open_.size()) << "the engine routes conversations nobody opened";
  }

 private:
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  void Arrive() {
    Scenario& s = *scenario_;
    const std::string id = "conv" + std::to_string(next_++);
    static const char* kSkills[] = {"", "support:5", "billing:7", "support:2,billing:2"};
    ConvSpec spec{.id = id, .language = Pick(3) == 0 ? "ru" : "en", .skills = kSkills[Pick(4)],
                  .tier = static_cast<omnibroker::v1::Tier>(1 + Pick(3)),
                  .channel = Pick(4) == 0 ? omnibroker::v1::CHANNEL_VOICE : omnibroker::v1::CHANNEL_CHAT,
                  .difficult = Pick(6) == 0, .personal_manager = Pick(4) == 0 ? "a" : ""};
    WorkItem item = s.Item(spec);
    open_[id] = item;
    s.Arrive(item);
  }

  void Close(const std::string& id) {
    scenario_->Close(id);
    open_.erase(id);
    assigned_.erase(id);
  }

  // A kill -9: a new engine restored from what the store holds, as the core's Recover does. The
  // conversation's record (open_, assigned_) is durable and wins; its routing memo is written
  // unsynced, so now and then one is lost (a power cut) and the conversation waits afresh.
  void Crash() {
    Scenario& before = *scenario_;
    before.Settle();
    for (auto it = before.memos.begin(); it != before.memos.end();) {
      it = Pick(8) == 0 ? before.memos.erase(it) : std::next(it);
    }
    for (const auto& [id, item] : open_) {
      RoutingMemo& memo = before.memos[id];
      if (auto it = assigned_.find(id); it != assigned_.end()) {
        if (memo.hold != RoutingMemo::Hold::kAssigned || memo.agent_id != it->second) {
          memo = RoutingMemo{.hold = RoutingMemo::Hold::kAssigned, .agent_id = it->second, .assigned_at = item.queued_at};
        }
      } else if (memo.hold == RoutingMemo::Hold::kAssigned || memo.hold == RoutingMemo::Hold::kWrapUp) {
        memo = RoutingMemo{};
      }
    }
    auto next = std::make_unique<Scenario>(policy_);
    next->RestartFrom(before);
    scenario_ = std::move(next);
    for (const auto& a : roster_) {
      if (Pick(2) == 0) scenario_->SetPresence(a.id(), omnibroker::v1::PRESENCE_AVAILABLE);
    }
  }

  // Reclaims and transfers move conversations: keep the "store" in step with the engine.
  void Track() {
    for (auto it = assigned_.begin(); it != assigned_.end();) {
      const auto holder = scenario_->engine.AssignedAgent(it->first);
      if (holder && *holder == it->second) {
        ++it;
      } else {
        it = assigned_.erase(it);
      }
    }
  }

  size_t Held() const {
    size_t n = 0;
    for (const auto& [id, item] : open_) n += scenario_->engine.AssignedAgent(id).has_value();
    return n;
  }

  std::optional<std::string> AnyOffered() {
    if (scenario_->offers.empty()) return std::nullopt;
    auto it = scenario_->offers.begin();
    std::advance(it, Pick(scenario_->offers.size()));
    return it->first;
  }

  std::optional<std::string> AnyAssigned() {
    if (assigned_.empty()) return std::nullopt;
    auto it = assigned_.begin();
    std::advance(it, Pick(assigned_.size()));
    return it->first;
  }

  std::mt19937_64 rng_;
  RoutingPolicy policy_;
  std::unique_ptr<Scenario> scenario_;
  std::vector<omnibroker::v1::Agent> roster_;
  std::map<std::string, WorkItem> open_;          // opened and not closed
  std::map<std::string, std::string> assigned_;  // accepted: conversation -> agent
  int next_ = 0;
};

TEST(RoutingPropertyTest, NothingDoubleHeldLostOrOverCapacity) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    RandomFloor floor(seed);
    for (int step = 0; step < 1500; ++step) {
      floor.Step();
      floor.Check();
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

}  // namespace
}  // namespace omni::routing
